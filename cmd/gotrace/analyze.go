package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
	"github.com/gotrace/gotrace/analyzer/render"
)

// analysisFlags are the flags that tune an analysis.
type analysisFlags struct {
	top           int
	buckets       int
	leakThreshold time.Duration
	workers       int
	maxEvents     int64
	maxGenBytes   int64
	quiet         bool
	pprofDir      string
}

func (f *analysisFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.IntVar(&f.top, "top", analyzer.DefaultTop, "entries in top-N lists (goroutine groups, stacks); -1 for all")
	fl.IntVar(&f.buckets, "buckets", analyzer.DefaultBuckets, "number of timeline buckets")
	fl.DurationVar(&f.leakThreshold, "leak-threshold", 0, "how long a goroutine must be blocked at the end to be a suspected leak (default min(1s, half the trace))")
	fl.IntVarP(&f.workers, "workers", "j", 0, "generations decoded at once (default GOMAXPROCS; 1 = sequential); results do not depend on it")
	fl.Int64Var(&f.maxEvents, "max-events", analyzer.DefaultMaxEvents, "refuse a generation with more events than this")
	fl.Int64Var(&f.maxGenBytes, "max-generation-bytes", analyzer.DefaultMaxGenerationBytes, "refuse a generation larger than this many bytes")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress display")
	fl.StringVar(&f.pprofDir, "pprof", "", "also write sched, sync, syscall and net profiles (time by stack) as pprof files into `DIR`")
}

func (f *analysisFlags) validate() error {
	if f.buckets < 1 || f.buckets > 10000 {
		return usageErr("--buckets must be between 1 and 10000, not %d", f.buckets)
	}
	if f.top == 0 || f.top < -1 {
		return usageErr("--top must be positive or -1 (all), not %d", f.top)
	}
	if f.leakThreshold < 0 {
		return usageErr("--leak-threshold must not be negative")
	}
	if f.workers < 0 {
		return usageErr("--workers must not be negative")
	}
	return nil
}

// options returns the analyzer options for one input and its progress
// display (nil when none), to be finished after the analysis.
func (f *analysisFlags) options(name string, stderr io.Writer) (analyzer.Options, *progress) {
	o := analyzer.Options{
		Name:               name,
		Top:                f.top,
		Buckets:            f.buckets,
		LeakThreshold:      f.leakThreshold,
		Workers:            f.workers,
		MaxEvents:          f.maxEvents,
		MaxGenerationBytes: f.maxGenBytes,
	}
	var p *progress
	if !f.quiet {
		if p = newProgress(name, stderr); p != nil {
			o.Progress = p.update
		}
	}
	return o, p
}

func (a *app) analyzeCmd() *cobra.Command {
	var out outputFlags
	var af analysisFlags
	c := &cobra.Command{
		Use:   "analyze FILE...",
		Short: "Report on Go execution traces ('-' reads standard input)",
		Long: `Analyze reads Go execution traces and reports goroutine lifetimes, processor
utilization, goroutine switches, scheduler latency, blocking, syscalls, GC and
suspected goroutine leaks.

Traces come from go test -trace, runtime/trace.Start, net/http/pprof's
/debug/pprof/trace or runtime/trace.FlightRecorder; formats of Go 1.11 and later
are read, gzip-compressed files too. A truncated trace is analyzed up to its last
complete generation, with a warning.

With several files, JSON output is a report set (one sample per trace) that
gotrace check takes as a baseline.`,
		Example: `  gotrace analyze trace.out
  go test -trace=trace.out ./mypkg && gotrace analyze --format json -o report.json trace.out
  curl -s localhost:6060/debug/pprof/trace?seconds=5 | gotrace analyze -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("analyze needs at least one trace file ('-' for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := af.validate(); err != nil {
				return err
			}
			reports, err := a.analyzeFiles(args, &af)
			if len(reports) == 0 {
				return err
			}
			set := analyzer.NewReportSet(reports, "")
			if werr := out.write(a.stdout, func(w io.Writer) error { return out.writeReports(w, set) }); werr != nil {
				return werr
			}
			if perr := a.writePprof(af.pprofDir, reports); perr != nil {
				return perr
			}
			return err
		},
	}
	out.register(c)
	af.register(c)
	return c
}

// analyzeFiles analyzes each file, printing warnings and errors on stderr.
// It returns the reports it could make and the first error.
func (a *app) analyzeFiles(paths []string, af *analysisFlags) ([]*analyzer.Report, error) {
	var reports []*analyzer.Report
	var first error
	for _, p := range paths {
		opts, prog := af.options(p, a.stderr)
		var r *analyzer.Report
		var err error
		if p == "-" {
			r, err = analyzer.Analyze(a.stdin, opts)
		} else {
			r, err = analyzer.AnalyzeFile(p, opts)
		}
		prog.finish()
		if err == nil {
			findings.Attach(r)
		}
		if err != nil {
			if first == nil {
				first = err
			}
			if len(paths) > 1 {
				fmt.Fprintf(a.stderr, "gotrace: %v\n", err)
			}
			continue
		}
		for _, w := range r.Warnings {
			fmt.Fprintf(a.stderr, "gotrace: warning: %s: %s\n", r.Source.Name, w)
		}
		reports = append(reports, r)
	}
	if first != nil && len(paths) > 1 {
		// Already printed; keep the exit code without printing again.
		return reports, &exitError{code: exitCode(first)}
	}
	return reports, first
}

// writePprof writes the profiles of each report into dir (a subdirectory
// per report when there are several) and lists the files on stderr.
func (a *app) writePprof(dir string, reports []*analyzer.Report) error {
	if dir == "" {
		return nil
	}
	for i, r := range reports {
		d := dir
		if len(reports) > 1 {
			d = filepath.Join(dir, strconv.Itoa(i+1))
		}
		paths, err := render.WritePprof(d, r)
		if err != nil {
			return usageErr("--pprof: %v", err)
		}
		fmt.Fprintf(a.stderr, "gotrace: wrote %s (go tool pprof -top FILE)\n", strings.Join(paths, ", "))
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
