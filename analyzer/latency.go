package analyzer

import (
	"cmp"
	"slices"

	"github.com/gotrace/gotrace/analyzer/sketch"
)

// latencyAgg accumulates Runnable intervals: scheduler latency.
type latencyAgg struct {
	completed     int64 // all completed Runnable intervals
	afterFirstRun int64 // those that began after the goroutine first ran
	open          int64 // Runnable time still open at the end
	preexisting   int64 // Runnable intervals under way when the trace began
	hist          sketch.Hist
	byStack       stackAccs // by the stack that made the goroutine runnable
}

func (a *latencyAgg) init() {}

func (a *latencyAgg) reset() {
	a.completed, a.afterFirstRun, a.open, a.preexisting = 0, 0, 0, 0
	a.hist.Reset()
	a.byStack.reset()
}

func (a *latencyAgg) add(s *span, d int64) {
	if s.cut&cutStart != 0 {
		a.preexisting++
	}
	if s.cut&cutEnd != 0 {
		a.open += d
		return
	}
	a.completed += d
	if s.hasRun {
		a.afterFirstRun += d
	}
	if s.cut == 0 && s.to == goRunning {
		a.hist.Add(uint64(d))
	}
	a.byStack.add(s.stack, d)
}

func (a *latencyAgg) merge(o *latencyAgg, m *remap) {
	a.completed += o.completed
	a.afterFirstRun += o.afterFirstRun
	a.open += o.open
	a.preexisting += o.preexisting
	a.hist.Merge(&o.hist)
	a.byStack.merge(o.byStack, m.k)
}

func (g *global) latencyStats(top int) LatencyStats {
	a := &g.aggs.latency
	s := LatencyStats{
		Dist:            dist(&a.hist),
		CompletedNS:     a.completed,
		AfterFirstRunNS: a.afterFirstRun,
		OpenNS:          a.open,
		Preexisting:     a.preexisting,
	}
	var user, sys []GroupLatency
	for name, gr := range g.groups {
		if gr.acc.t[catSched] == 0 {
			continue
		}
		fn := g.strs.str(name)
		isSys := isSystemFunc(fn)
		if fn == "" {
			fn = "(unknown)"
		}
		gl := GroupLatency{Name: fn, System: isSys, Count: gr.count, TotalNS: gr.acc.t[catSched], MaxNS: gr.acc.maxSched}
		if isSys {
			sys = append(sys, gl)
		} else {
			user = append(user, gl)
		}
	}
	s.UserGroups, s.RuntimeGroups = len(user), len(sys)
	worst := func(x, y GroupLatency) int {
		if c := cmp.Compare(y.MaxNS, x.MaxNS); c != 0 {
			return c
		}
		if c := cmp.Compare(y.TotalNS, x.TotalNS); c != 0 {
			return c
		}
		return cmp.Compare(x.Name, y.Name)
	}
	slices.SortFunc(user, worst)
	slices.SortFunc(sys, worst)
	if top >= 0 {
		user = user[:min(len(user), top)]
		sys = sys[:min(len(sys), top)]
	}
	s.WorstGroups = append(user, sys...)
	s.Top, s.Stacks = topStacksUserFirst(a.byStack, top, &g.stacks, true)
	return s
}
