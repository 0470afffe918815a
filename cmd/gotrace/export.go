package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer"
)

// exportTimeline analyzes one trace (path, or stdin for "-") and writes its
// Perfetto timeline to out, through a temporary file beside it that is
// renamed only when the export succeeded: a failure leaves no half-written
// file. It returns the report of the same pass.
func (a *app) exportTimeline(path, out string, opts analyzer.Options) (*analyzer.Report, error) {
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return nil, usageErr("-o %s is a directory; give a file name", out)
	}
	// A special file (/dev/null, a FIFO) is written in place; any other
	// through a temporary file.
	var f *os.File
	var err error
	tmp := ""
	if special(out) {
		f, err = os.OpenFile(out, os.O_WRONLY, 0)
	} else if f, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*"); err == nil {
		tmp = f.Name()
		f.Chmod(0o644) // CreateTemp makes it private
	}
	if err != nil {
		return nil, usageErr("cannot write the timeline: %v", err)
	}
	var rep *analyzer.Report
	if path == "-" {
		rep, err = analyzer.Export(a.stdin, f, opts)
	} else {
		rep, err = analyzer.ExportFile(path, f, opts)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing the timeline %s: %w", out, cerr)
	}
	if err == nil && tmp != "" {
		if rerr := os.Rename(tmp, out); rerr != nil {
			err = usageErr("cannot write the timeline: %v", rerr)
		}
	}
	if err != nil {
		if tmp != "" {
			os.Remove(tmp)
		}
		return nil, err
	}
	return rep, nil
}

func (a *app) exportCmd() *cobra.Command {
	var format, out string
	var af analysisFlags
	c := &cobra.Command{
		Use:   "export --format perfetto -o FILE TRACE",
		Short: "Write a trace's timeline for Perfetto's viewer ('-' reads standard input)",
		Long: `Export reads a Go execution trace and writes its timeline in Perfetto's
protobuf trace format, which ui.perfetto.dev opens in the browser (the file is
read locally; nothing is uploaded). Ps appear as CPUs, goroutines as threads
grouped by start function, with their waits, syscalls, GC, tasks, regions and
logs. The trace is read generation by generation, like analyze, in bounded
memory, so a trace of any size can be exported.

A truncated trace exports its complete generations, with a warning.`,
		Example: `  gotrace export --format perfetto -o trace.pftrace trace.out
  curl -s localhost:6060/debug/pprof/trace?seconds=5 | gotrace export -o live.pftrace -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("export needs one trace file ('-' for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "perfetto" {
				return usageErr("unknown --format %q; export writes perfetto", format)
			}
			if out == "" {
				return usageErr("export needs -o FILE for the timeline")
			}
			if err := af.validate(); err != nil {
				return err
			}
			opts, prog := af.options(args[0], a.stderr)
			rep, err := a.exportTimeline(args[0], out, opts)
			prog.finish()
			if err != nil {
				return err
			}
			for _, w := range rep.Warnings {
				fmt.Fprintf(a.stderr, "gotrace: warning: %s: %s\n", rep.Source.Name, w)
			}
			if !af.quiet {
				fmt.Fprintf(a.stderr, "gotrace: wrote %s; open it at ui.perfetto.dev (read in the browser, not uploaded)\n", out)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "perfetto", "timeline format: perfetto")
	c.Flags().StringVarP(&out, "output", "o", "", "write the timeline to `FILE`")
	af.registerLimits(c)
	return c
}

// registerLimits registers the flags of an analysis that shape no report:
// workers, limits, progress.
func (f *analysisFlags) registerLimits(c *cobra.Command) {
	fl := c.Flags()
	f.top, f.buckets = analyzer.DefaultTop, analyzer.DefaultBuckets
	fl.IntVarP(&f.workers, "workers", "j", 0, "generations decoded at once (default GOMAXPROCS; 1 = sequential); the output does not depend on it")
	fl.Int64Var(&f.maxEvents, "max-events", analyzer.DefaultMaxEvents, "refuse a generation with more events than this")
	fl.Int64Var(&f.maxGenBytes, "max-generation-bytes", analyzer.DefaultMaxGenerationBytes, "refuse a generation larger than this many bytes")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress display")
}

func init() {
	extraCommandFuncs = append(extraCommandFuncs, (*app).exportCmd)
}
