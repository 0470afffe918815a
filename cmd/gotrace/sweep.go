package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/render"
	"github.com/gotrace/gotrace/analyzer/sweep"
	"github.com/gotrace/gotrace/workloads"
)

// resolveSweep checks rf.sweep for the workload, and every point's
// parameters, before any run.
func resolveSweep(name string, rf *runFlags) (*workloads.Sweep, error) {
	w, err := workloads.Lookup(name)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	sw, err := w.ResolveSweep(rf.sets, rf.sweep, runtime.NumCPU())
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if sw.Key == workloads.SweepGOMAXPROCS && rf.gomaxprocs != 0 {
		return nil, usageErr("--sweep gomaxprocs=... and --gomaxprocs %d: give one", rf.gomaxprocs)
	}
	return sw, nil
}

// runSweepCmd is `gotrace run WORKLOAD --sweep ...`.
func (a *app) runSweepCmd(ctx context.Context, name string, rf *runFlags, af *analysisFlags, out *outputFlags, metrics []string) error {
	if af.pprofDir != "" {
		return usageErr("--pprof does not go with --sweep (one profile per run); keep the traces with --trace-out and analyze one")
	}
	if rf.perfetto != "" {
		return usageErr("--perfetto does not go with --sweep (one timeline per run); keep the traces with --trace-out and export one")
	}
	for _, m := range metrics {
		if err := check.MetricName("--metric", m); err != nil {
			return usageErr("%v", err)
		}
	}
	if metrics == nil {
		metrics = sweep.DefaultMetrics
	}
	s, err := a.runSweep(ctx, name, rf, af, metrics)
	if err != nil {
		return err
	}
	return out.write(a.stdout, func(w io.Writer) error { return writeSweep(w, out.format, s) })
}

// runSweep runs the workload --count times at each point of the sweep and
// builds the sweep's table with the given metrics.
func (a *app) runSweep(ctx context.Context, name string, rf *runFlags, af *analysisFlags, metrics []string) (*sweep.Sweep, error) {
	sw, err := resolveSweep(name, rf)
	if err != nil {
		return nil, err
	}
	var entries []sweep.Entry
	for i, pt := range sw.Points {
		prf := *rf
		prf.sweep = ""
		if sw.Key == workloads.SweepGOMAXPROCS {
			prf.gomaxprocs = pt.GOMAXPROCS
		} else {
			prf.sets = append(append([]string(nil), rf.sets...), sw.Key+"="+pt.Value)
		}
		prf.label = fmt.Sprintf("%s %s=%s", name, sw.Key, pt.Value)
		if rf.traceOut != "" {
			prf.traceOut = sweepTraceFile(rf.traceOut, sw.Key, pt.Value)
		}
		set, err := a.runWorkload(ctx, name, &prf, af)
		if err != nil {
			return nil, err
		}
		e := sweep.Entry{Value: pt.Value, Env: set.Env, Reports: set.Reports}
		if pt.Given != pt.Value {
			e.Given = pt.Given
		}
		entries = append(entries, e)
		if !af.quiet && isTerminal(a.stderr) {
			fmt.Fprintf(a.stderr, "gotrace: %s done (value %d of %d)\n", prf.label, i+1, len(sw.Points))
		}
	}
	env := entries[0].Env
	if sw.Key == workloads.SweepGOMAXPROCS {
		env.GOMAXPROCS = 0 // it varies
	}
	return sweep.New(name, sw.Key, env, entries, metrics), nil
}

// sweepTraceFile names the kept traces of one point: FILE-KEY-VALUE.ext
// (runFlags.traceOut numbers them further with --count).
func sweepTraceFile(out, key, value string) string {
	ext := filepath.Ext(out)
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' {
			return '_'
		}
		return r
	}, value)
	return strings.TrimSuffix(out, ext) + "-" + key + "-" + safe + ext
}

// writeSweep renders a sweep in the chosen format.
func writeSweep(w io.Writer, format string, s *sweep.Sweep) error {
	switch format {
	case "json":
		return render.JSON(w, s)
	case "markdown":
		return render.SweepMarkdown(w, s)
	case "html":
		return render.SweepHTML(w, s)
	}
	return render.SweepText(w, s)
}

// sweepCheck is what `gotrace check` was given, for checkSweep.
type sweepCheck struct {
	baseline, current []string
	run               string
	rf                *runFlags
	af                *analysisFlags
	opts              check.Options
	out               outputFlags
}

// checkSweep runs `gotrace check` when a sweep is involved: a sweep baseline,
// a current sweep file, or --run with --sweep. done is false when none is,
// and check goes on as usual.
func (a *app) checkSweep(ctx context.Context, c sweepCheck) (done bool, err error) {
	var base, cur *check.SweepSamples
	for _, p := range c.baseline {
		if p == "-" {
			continue
		}
		s, isSweep, err := check.LoadSweep(p)
		if err != nil {
			return true, err
		}
		if isSweep {
			if len(c.baseline) > 1 {
				return true, usageErr("--baseline %s is a sweep: give it as the only --baseline", p)
			}
			base = s
		}
	}
	if c.run == "" && len(c.current) == 1 && c.current[0] != "-" {
		s, isSweep, err := check.LoadSweep(c.current[0])
		if err != nil {
			return true, err
		}
		if isSweep {
			cur = s
		}
	}
	if base == nil && cur == nil && c.rf.sweep == "" {
		return false, nil
	}
	if base == nil && len(c.baseline) > 0 {
		return true, usageErr("the current samples are a sweep; the baseline must be one too (gotrace run --sweep ... --format json)")
	}
	// Everything is checked before the first run.
	var sw *workloads.Sweep
	if c.rf.sweep != "" {
		if sw, err = resolveSweep(c.run, c.rf); err != nil {
			return true, err
		}
		if base != nil && sw.Key != base.Param {
			return true, usageErr("--sweep %s: the baseline sweeps %s", sw.Key, base.Param)
		}
	} else if c.run != "" && base != nil {
		if err := runMatchesSweep(c.run, c.rf, base); err != nil {
			return true, err
		}
	}
	aopts, _ := c.af.options("", a.stderr)
	aopts.Progress = nil
	switch {
	case cur != nil:
	case c.rf.sweep != "":
		s, err := a.runSweep(ctx, c.run, c.rf, c.af, nil)
		if err != nil {
			return true, err
		}
		cur = check.FromSweep(s, "")
	default:
		var plain *check.Samples
		if c.run != "" {
			set, err := a.runWorkload(ctx, c.run, c.rf, c.af)
			if err != nil {
				return true, err
			}
			plain = check.FromReports(set)
		} else if plain, err = a.loadSamples(c.current, aopts); err != nil {
			return true, err
		}
		if cur, err = base.Single(plain); err != nil {
			return true, usageErr("%v", err)
		}
	}
	res, err := check.CompareSweep(base, cur, c.opts)
	if err != nil {
		return true, usageErr("%v", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(a.stderr, "gotrace: warning: %s\n", w)
	}
	if err := c.out.write(a.stdout, func(w io.Writer) error {
		switch c.out.format {
		case "json":
			return render.JSON(w, res)
		case "markdown":
			return render.SweepCheckMarkdown(w, res)
		case "html":
			return render.SweepCheckHTML(w, res)
		}
		return render.SweepCheckText(w, res)
	}); err != nil {
		return true, err
	}
	if code := res.ExitCode(); code != 0 {
		return true, &exitError{code: code}
	}
	return true, nil
}

// runMatchesSweep checks, before the run, that a run without --sweep is at
// one of the baseline sweep's values.
func runMatchesSweep(name string, rf *runFlags, base *check.SweepSamples) error {
	w, err := workloads.Lookup(name)
	if err != nil {
		return usageErr("%v", err)
	}
	params, err := w.Resolve(rf.sets)
	if err != nil {
		return usageErr("%v", err)
	}
	v := params[base.Param]
	if base.Param == workloads.SweepGOMAXPROCS {
		v = strconv.Itoa(rf.gomaxprocs)
		if rf.gomaxprocs == 0 {
			v = strconv.Itoa(runtime.GOMAXPROCS(0))
		}
	}
	if base.Index(v) < 0 {
		return usageErr("the baseline sweeps %s over %s; this run has %s=%s (set it with %s)", base.Param, strings.Join(base.Values, ", "), base.Param, v, sweepSetHint(base.Param))
	}
	return nil
}

func sweepSetHint(param string) string {
	if param == workloads.SweepGOMAXPROCS {
		return "--gomaxprocs N"
	}
	return "--set " + param + "=V, or --sweep"
}
