package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
	"github.com/gotrace/gotrace/analyzer/sweep"
	"github.com/gotrace/gotrace/workloads"
)

// runFlags select a workload run: shared by run and check --run.
type runFlags struct {
	sets       []string
	gomaxprocs int
	count      int
	traceOut   string
	timeout    time.Duration
	godebug    string
	sweep      string // --sweep key=v1,v2,... (see sweep.go)
	perfetto   string // run only: timeline file
	// label names the runs in reports instead of the workload's name (a
	// sweep's point: "oversub pairs=4").
	label string
}

func (f *runFlags) register(c *cobra.Command, countDefault int) {
	fl := c.Flags()
	fl.StringArrayVar(&f.sets, "set", nil, "set a workload parameter, `key=value` (repeatable; see gotrace workloads NAME)")
	fl.IntVar(&f.gomaxprocs, "gomaxprocs", 0, "GOMAXPROCS of the workload process (default: this machine's)")
	fl.IntVar(&f.count, "count", countDefault, "run the workload `N` times, one trace (one sample) each")
	fl.StringVar(&f.traceOut, "trace-out", "", "keep the trace in `FILE` (with --count N: FILE-1, FILE-2, ... before the extension)")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Minute, "kill a workload run that takes longer")
	fl.StringVar(&f.godebug, "godebug", "", "GODEBUG `SETTINGS` of the workload process, e.g. asyncpreemptoff=1 (added to the inherited one)")
	fl.StringVar(&f.sweep, "sweep", "", "run the workload at each value of one parameter (or gomaxprocs), `key=v1,v2,...`; Nx is N times the cores (integer parameters)")
}

func (f *runFlags) validate() error {
	if f.count < 1 || f.count > 10000 {
		return usageErr("--count must be between 1 and 10000, not %d", f.count)
	}
	if f.gomaxprocs < 0 || f.gomaxprocs > 1<<16 {
		return usageErr("--gomaxprocs must be between 1 and 65536")
	}
	if f.timeout <= 0 {
		return usageErr("--timeout must be positive")
	}
	if f.traceOut != "" {
		// The child writes the trace; check its directory here, so a typo
		// is a usage error before any run, not a child failure after one.
		dir := filepath.Dir(f.traceOut)
		st, err := os.Stat(dir)
		switch {
		case err != nil:
			return usageErr("--trace-out %s: directory %s: %v", f.traceOut, dir, errors.Unwrap(err))
		case !st.IsDir():
			return usageErr("--trace-out %s: %s is not a directory", f.traceOut, dir)
		}
		if st, err := os.Stat(f.traceOut); err == nil && st.IsDir() {
			return usageErr("--trace-out %s is a directory; give a file name", f.traceOut)
		}
	}
	return nil
}

// traceFile names the trace file of run i (0-based) of n.
func traceFile(out, dir string, i, n int) string {
	if out == "" {
		return filepath.Join(dir, fmt.Sprintf("run-%d.trace", i+1))
	}
	if n == 1 {
		return out
	}
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(out, ext), i+1, ext)
}

// runWorkload runs a workload count times in child processes and analyzes
// each trace.
func (a *app) runWorkload(ctx context.Context, name string, rf *runFlags, af *analysisFlags) (*analyzer.ReportSet, error) {
	w, err := workloads.Lookup(name)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	params, err := w.Resolve(rf.sets)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the gotrace executable to run the workload: %w", err)
	}
	dir, err := os.MkdirTemp("", "gotrace-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	label := w.Name
	if rf.label != "" {
		label = rf.label
	}
	var reports []*analyzer.Report
	for i := range rf.count {
		file := traceFile(rf.traceOut, dir, i, rf.count)
		res, err := workloads.RunChild(ctx, workloads.ChildSpec{
			Exe: exe, Workload: w.Name, Params: params, GOMAXPROCS: rf.gomaxprocs,
			GODEBUG: rf.godebug, TraceFile: file, Timeout: rf.timeout,
		})
		if err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("workload %s (run %d of %d): %w", label, i+1, rf.count, err)}
		}
		opts, prog := af.options(file, a.stderr)
		if rf.traceOut == "" {
			opts.Name = fmt.Sprintf("%s (run %d)", label, i+1)
			if rf.count == 1 {
				opts.Name = label
			}
		}
		var r *analyzer.Report
		if rf.perfetto != "" {
			// The report and the timeline of the same trace, in one pass.
			r, err = a.exportTimeline(file, traceFile(rf.perfetto, "", i, rf.count), opts)
		} else {
			r, err = analyzer.AnalyzeFile(file, opts)
		}
		prog.finish()
		if err != nil {
			return nil, err
		}
		addHelp(r, res)
		addOutcome(r, res)
		findings.Attach(r)
		for _, wa := range r.Warnings {
			fmt.Fprintf(a.stderr, "gotrace: warning: %s: %s\n", r.Source.Name, wa)
		}
		reports = append(reports, r)
		if rf.count > 1 && !af.quiet && isTerminal(a.stderr) {
			fmt.Fprintf(a.stderr, "gotrace: %s run %d/%d done\n", label, i+1, rf.count)
		}
	}
	set := analyzer.NewReportSet(reports, runtime.Version())
	set.RecordedHere()
	set.Env.Workload = w.Name
	set.Env.Params = params
	set.Env.GODEBUG = workloads.ChildGODEBUG(rf.godebug) // what the children ran with
	return set, nil
}

// addOutcome adds the workload's own warnings, and a panic that ended it, to
// the report's warnings.
func addOutcome(r *analyzer.Report, res *workloads.Result) {
	for _, w := range res.Warnings {
		r.Warnings = append(r.Warnings, "workload "+res.Workload+": "+w)
	}
	if res.Panic != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("workload %s panicked (%s); the trace up to the panic is analyzed", res.Workload, res.Panic.Value))
	}
}

// addHelp copies the measurements' help texts, which the trace does not
// carry, from the child's result into the report.
func addHelp(r *analyzer.Report, res *workloads.Result) {
	help := map[string]string{}
	for _, m := range res.Measurements {
		help[m.Key()] = m.Help
	}
	for i := range r.Measurements {
		if h := help[r.Measurements[i].Key()]; h != "" {
			r.Measurements[i].Help = h
		}
	}
}

func (a *app) runCmd() *cobra.Command {
	var out outputFlags
	var af analysisFlags
	var rf runFlags
	var metrics []string
	c := &cobra.Command{
		Use:   "run WORKLOAD",
		Short: "Run a built-in workload under runtime/trace and report what the scheduler did",
		Long: `Run executes a built-in workload in a child process (this binary, re-executed)
under runtime/trace, analyzes the trace and prints the report, with the workload's
own measurements. See gotrace workloads for the list and their parameters.

With --count N the workload runs N times; JSON output is then a report set, one
sample per run, that gotrace check takes as a baseline.

With --sweep key=v1,v2,... it runs --count times at each value of one parameter
(or of gomaxprocs) and prints a table of the workload's measurements and the
--metric metrics against the parameter (HTML: a line chart per measurement);
JSON output is a sweep, which gotrace check also takes as a baseline.`,
		Example: `  gotrace run fanout
  gotrace run many --set n=200000 --gomaxprocs 4
  gotrace run threads --format markdown
  gotrace run mutex --count 10 --format json -o base.json
  gotrace run oversub --sweep pairs=0.5x,1x,2x,4x,8x,16x --count 3
  gotrace run syscall --sweep gomaxprocs=1,2 --metric syscalls.lost_p
  gotrace run deadlock --trace-out deadlock.trace && gotrace analyze deadlock.trace`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("run needs one workload name; one of: %s", strings.Join(workloads.Names(), ", "))
			}
			return nil
		},
		ValidArgsFunction: completeWorkloadArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := af.validate(); err != nil {
				return err
			}
			if err := rf.validate(); err != nil {
				return err
			}
			if rf.perfetto != "" {
				if st, err := os.Stat(filepath.Dir(rf.perfetto)); err != nil || !st.IsDir() {
					return usageErr("--perfetto %s: directory %s does not exist", rf.perfetto, filepath.Dir(rf.perfetto))
				}
			}
			if rf.sweep != "" {
				return a.runSweepCmd(cmd.Context(), args[0], &rf, &af, &out, metrics)
			}
			if len(metrics) > 0 {
				return usageErr("--metric needs --sweep (it chooses the metrics of the sweep table)")
			}
			set, err := a.runWorkload(cmd.Context(), args[0], &rf, &af)
			if err != nil {
				return err
			}
			if err := out.write(a.stdout, func(w io.Writer) error { return out.writeReports(w, set) }); err != nil {
				return err
			}
			return a.writePprof(af.pprofDir, set.Reports)
		},
	}
	out.register(c)
	af.register(c)
	rf.register(c, 1)
	c.Flags().StringArrayVar(&metrics, "metric", nil, "with --sweep: a report `METRIC` for the table, besides the measurements (repeatable; default "+strings.Join(sweep.DefaultMetrics, ", ")+")")
	c.Flags().StringVar(&rf.perfetto, "perfetto", "", "also write the trace's timeline for ui.perfetto.dev to `FILE` (with --count N: FILE-1, FILE-2, ...)")
	return c
}

func (a *app) workloadsCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "workloads [NAME]",
		Short:             "List the built-in workloads, or describe one with its parameters",
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeWorkloadArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				w, err := workloads.Lookup(args[0])
				if err != nil {
					return usageErr("%v", err)
				}
				describeWorkload(a.stdout, w)
				return nil
			}
			for _, w := range workloads.All() {
				fmt.Fprintf(a.stdout, "%-10s %s\n", w.Name, w.Summary)
				for _, p := range w.Params {
					fmt.Fprintf(a.stdout, "             --set %s=%s\n", p.Name, p.Default)
				}
			}
			fmt.Fprintf(a.stdout, "\ngotrace workloads NAME describes one; gotrace run NAME runs it.\n")
			return nil
		},
	}
}

func describeWorkload(w io.Writer, wl *workloads.Workload) {
	fmt.Fprintf(w, "%s: %s\n\n%s\n\nparameters (--set name=value):\n", wl.Name, wl.Summary, wrap(wl.Doc, 78))
	for _, p := range wl.Params {
		rng := p.Range()
		if rng != "" {
			rng = ", " + rng
		}
		fmt.Fprintf(w, "  %-12s %s (default %s%s)\n", p.Name, p.Help, p.Default, rng)
	}
}

// wrap breaks text into lines of at most width characters.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		if n > 0 && n+1+len(word) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

// childCmd is the hidden entry point of workload child processes.
func (a *app) childCmd() *cobra.Command {
	return &cobra.Command{
		Use:                workloads.ChildCommand,
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := workloads.ChildMain(args, a.stdout, a.stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

func init() {
	extraCommandFuncs = append(extraCommandFuncs, (*app).runCmd, (*app).workloadsCmd, (*app).childCmd)
}
