package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/render"
	"github.com/gotrace/gotrace/workloads"
)

var checkFormats = []string{"text", "markdown", "json", "html"}

func (a *app) checkCmd() *cobra.Command {
	var (
		baseline   []string
		thresholds []string
		maxes      []string
		mins       []string
		metrics    []string
		alpha      float64
		minSamples int
		exact      bool
		familyWise bool
		runName    string
		format     string
		output     string
	)
	var af analysisFlags
	var rf runFlags
	c := &cobra.Command{
		Use:   "check [--baseline FILE]... [FILE... | --run WORKLOAD]",
		Short: "Gate CI on trace metrics: regressions against a baseline, or absolute budgets",
		Long: `Check compares trace metrics of current runs against a baseline and against
budgets, and exits non-zero when something got worse.

Each trace is one sample. Baseline and current samples of each gated metric are
compared with a Mann-Whitney U test (as benchstat does); a metric regresses when
p < alpha AND its median moved past the metric's threshold in its bad direction.
Budgets (--max, --min) hold every current sample to an absolute limit and need no
baseline. --baseline and FILE take traces or report JSON (gotrace analyze/run
--format json); --run produces the current samples by running a workload.

Gated by default: trace.duration_ns, procs.utilization, block.class.sync,
block.class.chan and block.class.select (.completed_ns), procs.gc_utilization,
gc.stw.max_ns, gc.stw.total_ns, goroutines.leaked, switches.per_sec, and for a
built-in workload's samples its own throughput (measure.*). Scheduler latency
(sched.latency.p50_ns, p99_ns) is reported, not gated: it falls when goroutines
park on a lock instead of queueing for a P.

When the check fails against a baseline, the table is followed by the top
changes of gotrace diff: the goroutine groups, blocking and syscall stacks and
tasks that moved most.

Exit codes: 0 pass, 1 regression or broken budget, 2 usage or input error,
3 not enough samples to decide (fewer than 4 a side).

A sweep (gotrace run --sweep --format json) is a baseline too: each value of its
parameter is checked against the same value of the current sweep (--run W --sweep
..., or a sweep file), or against a current run at one of its values.

A metric without a direction (counts, workload measurements measure.*) is only
reported as changed; --threshold METRIC=+PCT (or -PCT) says which way is bad
and gates it.`,
		Example: `  gotrace run mutex --count 10 --format json -o base.json
  gotrace check --baseline base.json --run mutex --count 10
  gotrace check --baseline base.json --threshold sched.latency.p99_ns=25 new-*.trace
  gotrace check --baseline base.json --threshold measure.jobs_per_sec=-10 --run fanout
  gotrace check --max goroutines.leaked=0 --max sched.latency.p99_ns=1ms trace.out
  gotrace check --baseline sweep.json --run oversub --sweep pairs=1,2,4 --count 5
  gotrace check --baseline base.json --format markdown new.json >> "$GITHUB_STEP_SUMMARY"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !contains(checkFormats, format) {
				return usageErr("unknown --format %q for check; use one of %s", format, strings.Join(checkFormats, ", "))
			}
			if err := af.validate(); err != nil {
				return err
			}
			if runName != "" && len(args) > 0 {
				return usageErr("give either trace/report files or --run, not both")
			}
			if runName == "" && len(args) == 0 {
				return usageErr("check needs current samples: trace or report files, or --run WORKLOAD")
			}
			if runName == "" {
				for _, f := range []string{"count", "set", "gomaxprocs", "godebug", "timeout", "trace-out", "sweep"} {
					if cmd.Flags().Changed(f) {
						return usageErr("--%s needs --run", f)
					}
				}
			}
			if cmd.Flags().Changed("alpha") && !(alpha > 0 && alpha < 1) {
				return usageErr("--alpha %v out of range; want 0 < alpha < 1 (usually 0.05)", alpha)
			}
			if cmd.Flags().Changed("min-samples") && minSamples < 1 {
				return usageErr("--min-samples %d: want at least 1", minSamples)
			}
			opts := check.Options{Alpha: alpha, Metrics: metrics, Exact: exact, FamilyWise: familyWise}
			if cmd.Flags().Changed("min-samples") {
				opts.MinSamples = minSamples // else the library's default: 4, or 1 with --exact
			}
			var err error
			if opts.Thresholds, opts.Directions, err = check.ParseThresholds(thresholds); err != nil {
				return usageErr("%v", err)
			}
			if opts.Max, err = check.ParseBudgets("--max", maxes); err != nil {
				return usageErr("%v", err)
			}
			if opts.Min, err = check.ParseBudgets("--min", mins); err != nil {
				return usageErr("%v", err)
			}
			if runName != "" {
				opts.Gates = workloadGates(runName, nil, nil)
			}
			// Refuse bad options before spending minutes on workload runs.
			if err := opts.Validate(len(baseline) > 0); err != nil {
				return usageErr("%v", err)
			}
			if runName != "" {
				if err := rf.validate(); err != nil {
					return err
				}
			}
			// Every stack and group, so that the diff of a failed check
			// sees them all (no metric depends on it).
			af.top = -1
			aopts, _ := af.options("", a.stderr)
			aopts.Progress = nil
			if done, err := a.checkSweep(cmd.Context(), sweepCheck{
				baseline: baseline, current: args, run: runName, rf: &rf, af: &af,
				opts: opts, out: outputFlags{format: format, out: output},
			}); done {
				return err
			}
			var base, cur *check.Samples
			switch {
			case runName != "":
				if len(baseline) > 0 {
					if base, err = a.loadSamples(baseline, aopts); err != nil {
						return err
					}
				}
				set, err := a.runWorkload(cmd.Context(), runName, &rf, &af)
				if err != nil {
					return err
				}
				cur = check.FromReports(set)
			case len(baseline) > 0:
				if base, cur, err = check.LoadBoth(baseline, args, aopts, a.stdin); err != nil {
					return err
				}
			default:
				if cur, err = a.loadSamples(args, aopts); err != nil {
					return err
				}
			}
			if runName == "" {
				opts.Gates = workloadGates("", base, cur)
			}
			res, err := check.Compare(base, cur, opts)
			if err != nil {
				return usageErr("%v", err)
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(a.stderr, "gotrace: warning: %s\n", w)
			}
			out := outputFlags{format: format, out: output}
			if err := out.write(a.stdout, func(w io.Writer) error {
				switch format {
				case "json":
					return render.JSON(w, res)
				case "markdown":
					return render.CheckMarkdown(w, res)
				case "html":
					return render.CheckHTML(w, res)
				default:
					return render.CheckText(w, res)
				}
			}); err != nil {
				return err
			}
			if code := res.ExitCode(); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringArrayVar(&baseline, "baseline", nil, "baseline samples: a trace or report JSON `FILE` (repeatable)")
	fl.StringArrayVar(&thresholds, "threshold", nil, "gate METRIC: a change past PCT% of the baseline median regresses, `METRIC=PCT`; +PCT: increases are bad, -PCT: decreases (needed for metrics without a direction, such as measure.*) (repeatable)")
	fl.StringArrayVar(&maxes, "max", nil, "budget: every current sample must have `METRIC=VALUE` or less (repeatable; 1ms, 80% accepted)")
	fl.StringArrayVar(&mins, "min", nil, "budget: every current sample must have `METRIC=VALUE` or more (repeatable)")
	fl.StringArrayVar(&metrics, "metric", nil, "gate this `METRIC` instead of the default list (repeatable)")
	fl.Float64Var(&alpha, "alpha", check.DefaultAlpha, "significance level of the Mann-Whitney U test")
	fl.IntVar(&minSamples, "min-samples", check.DefaultMinSamples, "samples needed on each side to decide (1 with --exact unless given)")
	fl.BoolVar(&exact, "exact", false, "compare single samples as exact values (no statistics; for deterministic metrics)")
	fl.BoolVar(&familyWise, "family-wise", false, "control the false-positive rate over all gated metrics together (Holm), not per metric")
	fl.StringVar(&runName, "run", "", "produce the current samples by running built-in `WORKLOAD` (with --count, --set, --gomaxprocs)")
	fl.StringVar(&format, "format", "text", "output format: "+strings.Join(checkFormats, ", "))
	fl.StringVarP(&output, "output", "o", "", "write the result to `FILE` instead of standard output")
	af.register(c)
	rf.register(c, 10)
	for _, f := range []string{"pprof", "buckets", "top"} {
		c.Flags().MarkHidden(f) // they change no metric
	}
	return c
}

// workloadGates is the built-in workload's own measure of speed, gated by
// default, when the samples come from one (--run, or report sets gotrace
// run wrote for both sides).
func workloadGates(runName string, base, cur *check.Samples) []check.Spec {
	name := runName
	if name == "" && cur != nil && (base == nil || base.Env.Workload == cur.Env.Workload) {
		name = cur.Env.Workload
	}
	w, err := workloads.Lookup(name)
	if err != nil || w.Gate.Metric == "" {
		return nil
	}
	dir := check.LowerIsBetter
	if w.Gate.HigherIsBetter {
		dir = check.HigherIsBetter
	}
	return []check.Spec{{Metric: w.Gate.Metric, Direction: dir, ThresholdPct: w.Gate.ThresholdPct}}
}

// loadSamples reads traces or report JSON, '-' being standard input.
func (a *app) loadSamples(paths []string, opts analyzer.Options) (*check.Samples, error) {
	all := &check.Samples{}
	for _, p := range paths {
		var s *check.Samples
		var err error
		if p == "-" {
			s, err = check.Read(a.stdin, "-", opts)
		} else {
			s, err = check.Load([]string{p}, opts)
		}
		if err != nil {
			return nil, err
		}
		all.Add(s)
	}
	return all, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func init() {
	extraCommandFuncs = append(extraCommandFuncs, (*app).checkCmd)
}
