package diff

import (
	"cmp"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
	"github.com/gotrace/gotrace/analyzer/stats"
)

// Headline lists the metrics of the metrics section; every measure.*
// metric (a workload's or program's own measurements) either side has
// joins them.
var Headline = []string{
	"trace.duration_ns",
	"procs.utilization",
	"procs.gc_utilization",
	"switches.per_sec",
	"sched.latency.p50_ns",
	"sched.latency.p99_ns",
	"block.completed_ns",
	"block.class.sync.completed_ns",
	"block.class.chan.completed_ns",
	"block.class.select.completed_ns",
	"block.class.network.completed_ns",
	"block.class.sleep.completed_ns",
	"syscalls.count",
	"syscalls.completed_ns",
	"gc.cycles",
	"gc.stw.total_ns",
	"gc.stw.max_ns",
	"gc.assist_ns",
	"goroutines.created",
	"goroutines.peak",
	"goroutines.leaked",
}

// metricsOf is a report's metrics: its own map, with those of its sections
// it lacks (a report written before a metric existed).
func metricsOf(r *analyzer.Report) map[string]float64 {
	m := analyzer.Metrics(r)
	for k, v := range r.Metrics {
		m[k] = v
	}
	return m
}

func (c *comparer) metrics(base, cur []*analyzer.Report) []MetricRow {
	tab := func(rs []*analyzer.Report) []*table {
		var out []*table
		for _, r := range rs {
			t := newTable()
			t.partial[""] = true // a metric a report lacks is unknown there, not 0
			for k, v := range metricsOf(r) {
				t.add(k, "", v)
			}
			out = append(out, t)
		}
		return out
	}
	bt, ct := tab(base), tab(cur)
	names := slices.Clone(Headline)
	for _, k := range keys(bt, ct) {
		if strings.HasPrefix(k.ent, "measure.") {
			names = append(names, k.ent)
		}
	}
	var rows []MetricRow
	for _, name := range names {
		k := key{name, ""}
		st, cm, ok := c.compare(samples(bt, k, ""), samples(ct, k, ""))
		if !ok {
			continue
		}
		st.Note = "" // the "not listed" notes are about stacks and groups
		if st.BaseN == 0 || st.CurrentN == 0 {
			st.Note = "only one side has this metric"
		}
		rows = append(rows, MetricRow{Metric: name, Unit: analyzer.MetricUnit(name), Values: valuesOf(st, cm)})
	}
	rankAbs(rows, func(r *MetricRow) (Stat, float64) { return r.Stat, relSize(r.Stat, r.Delta) }, nil)
	return rows
}

// Group states, as GroupRow.State names them.
const (
	StateRunning  = "running"
	StateRunnable = "runnable"
	StateSyscall  = "syscall"
	StateBlocked  = "blocked"
)

func (c *comparer) groups(base, cur []*analyzer.Report) []GroupRow {
	system := map[string]bool{}
	tab := func(rs []*analyzer.Report) []*table {
		var out []*table
		for _, r := range rs {
			t := newTable()
			g := &r.Goroutines
			t.partial[""] = g.GroupCount > len(g.Groups)
			for _, gr := range g.Groups {
				system[gr.Name] = gr.System
				t.add(gr.Name, StateRunning, float64(gr.Time.Exec))
				t.add(gr.Name, StateRunnable, float64(gr.Time.SchedWait))
				t.add(gr.Name, StateSyscall, float64(gr.Time.Syscall))
				if len(gr.Time.BlockedBy) == 0 && gr.Time.Blocked != 0 {
					t.add(gr.Name, StateBlocked+"\x00", float64(gr.Time.Blocked))
				}
				for class, v := range gr.Time.BlockedBy {
					t.add(gr.Name, StateBlocked+"\x00"+class, float64(v))
				}
			}
			out = append(out, t)
		}
		return out
	}
	bt, ct := tab(base), tab(cur)
	var rows []GroupRow
	for _, k := range keys(bt, ct) {
		st, cm, ok := c.compare(samples(bt, k, ""), samples(ct, k, ""))
		if !ok {
			continue
		}
		state, reason, _ := strings.Cut(k.sub, "\x00")
		rows = append(rows, GroupRow{Group: k.ent, System: system[k.ent], State: state, Reason: reason, Times: timesOf(st, cm)})
	}
	rankAbs(rows, func(r *GroupRow) (Stat, float64) { return r.Stat, r.DeltaNS }, func(r *GroupRow) bool { return r.System })
	return rows
}

// stackSource lists a report's stacks for a stack section, each under its
// scope (the wait reason, for blocking; "" for syscalls), and calls cut for
// each scope whose list the report cut at its top N.
type stackSource func(r *analyzer.Report, add func(scope string, st analyzer.StackTime), cut func(scope string))

func blockingStacks(r *analyzer.Report, add func(string, analyzer.StackTime), cut func(string)) {
	for _, br := range r.Blocking.ByReason {
		if br.Stacks > len(br.Top) {
			cut(br.Reason)
		}
		for _, st := range br.Top {
			add(br.Reason, st)
		}
	}
}

func syscallStacks(r *analyzer.Report, add func(string, analyzer.StackTime), cut func(string)) {
	if r.Syscalls.Stacks > len(r.Syscalls.Top) {
		cut("")
	}
	for _, st := range r.Syscalls.Top {
		add("", st)
	}
}

// stacks compares stacks by their functions, not their lines: an edit
// that moves code (the change a diff is usually about) keeps a stack the
// same stack. Each row shows the lines of the heaviest stack of its key on
// the current side (on the base side for a stack only it has).
func (c *comparer) stacks(base, cur []*analyzer.Report, src stackSource) []StackRow {
	type meta struct {
		reason string
		stack  []analyzer.Frame
		ns     int64 // of stack, in the report it came from
		cur    bool  // stack came from the current side
	}
	metas := map[string]*meta{}
	tab := func(rs []*analyzer.Report, current bool) []*table {
		var out []*table
		for _, r := range rs {
			t := newTable()
			src(r, func(reason string, st analyzer.StackTime) {
				ent := reason + "\x02" + stackKey(st.Stack)
				m := metas[ent]
				if m == nil || (current && !m.cur) || (current == m.cur && st.TotalNS > m.ns) {
					metas[ent] = &meta{reason, st.Stack, st.TotalNS, current}
				}
				t.add(ent, "ns", float64(st.TotalNS))
				t.add(ent, "count", float64(st.Count))
			}, func(scope string) { t.partial[scope] = true })
			out = append(out, t)
		}
		return out
	}
	bt, ct := tab(base, false), tab(cur, true)
	var rows []StackRow
	for _, k := range keys(bt, ct) {
		if k.sub != "ns" {
			continue
		}
		m := metas[k.ent]
		st, cm, ok := c.compare(samples(bt, k, m.reason), samples(ct, k, m.reason))
		if !ok {
			continue
		}
		kc := key{k.ent, "count"}
		row := StackRow{
			Reason: m.reason, Where: frames(m.stack), Times: timesOf(st, cm),
			BaseCount:    stats.Median(samples(bt, kc, m.reason)),
			CurrentCount: stats.Median(samples(ct, kc, m.reason)),
		}
		if f, ok := analyzer.UserFrame(m.stack); ok {
			row.User = &Frame{Function: f.Func, File: f.File, Line: f.Line}
		}
		rows = append(rows, row)
	}
	rankAbs(rows, func(r *StackRow) (Stat, float64) { return r.Stat, r.DeltaNS }, func(r *StackRow) bool { return r.User == nil })
	return rows
}

// Distributions compared, and their quantiles in the order shown.
var (
	distNames = []string{"sched.latency", "switches.run_slice"}
	quantiles = []string{"p50", "p90", "p99", "p999", "max", "mean"}
)

func (c *comparer) distributions(base, cur []*analyzer.Report) []QuantileRow {
	tab := func(rs []*analyzer.Report) []*table {
		var out []*table
		for _, r := range rs {
			t := newTable()
			for _, name := range distNames {
				d := &r.Latency.Dist
				if name == "switches.run_slice" {
					d = &r.Switches.RunSlice
				}
				t.add(name, "p50", float64(d.P50))
				t.add(name, "p90", float64(d.P90))
				t.add(name, "p99", float64(d.P99))
				t.add(name, "p999", float64(d.P999))
				t.add(name, "max", float64(d.Max))
				t.add(name, "mean", d.Mean)
			}
			out = append(out, t)
		}
		return out
	}
	bt, ct := tab(base), tab(cur)
	var rows []QuantileRow
	for _, name := range distNames {
		for _, q := range quantiles {
			k := key{name, q}
			st, cm, ok := c.compare(samples(bt, k, ""), samples(ct, k, ""))
			if !ok {
				continue
			}
			rows = append(rows, QuantileRow{Dist: name, Quantile: q, Times: timesOf(st, cm)})
		}
	}
	return rows
}

// Parts of a task type's quantities: each is a list a report has whole,
// cut, or not at all.
const (
	partLatency   = ""          // count and quantiles: always there
	partBreakdown = "breakdown" // every category, when the report has a breakdown
	partCritical  = "critical"  // the top rows of the critical path, when it has one
)

// taskQuantities lists the quantities compared for one task or region
// type, with their parts and labels: completed count and duration
// quantiles, and the shares of its breakdown and of its critical path (see
// TaskRow.Quantity). It returns whether the critical path is whole (no
// "(other)" row): a row missing from a cut one is unknown, not 0.
func taskQuantities(k *analyzer.AnnotationKind, add func(part, quantity, label string, v float64)) (wholePath bool) {
	add(partLatency, "count", "completed", float64(k.Count))
	if k.Duration.Count > 0 {
		add(partLatency, "p50_ns", "p50", float64(k.Duration.P50))
		add(partLatency, "p99_ns", "p99", float64(k.Duration.P99))
	}
	wholePath = true
	for _, b := range k.Breakdown {
		q, l := "breakdown."+b.State, "breakdown: "+b.State
		if b.Reason != "" {
			q, l = q+"."+b.Reason, l+" "+b.Reason
		}
		add(partBreakdown, q+"_share", l, b.Share)
	}
	for _, r := range k.CriticalPath {
		wholePath = wholePath && r.State != analyzer.StateOther
		q, l := "critical."+r.Function+"."+r.State, "critical path: "+r.Function+" "+r.State
		if r.Function == "" {
			q, l = "critical."+r.State, "critical path: "+r.State
		}
		if r.Reason != "" {
			q, l = q+"."+r.Reason, l+" "+r.Reason
		}
		if r.File != "" {
			at := fmt.Sprintf("%s:%d", path.Base(r.File), r.Line)
			q, l = q+"@"+at, l+" ("+at+")"
		}
		add(partCritical, q+"_share", l, r.Share)
	}
	return wholePath
}

func (c *comparer) tasks(base, cur []*analyzer.Report) []TaskRow {
	labels := map[string]string{}
	tab := func(rs []*analyzer.Report) []*table {
		var out []*table
		for _, r := range rs {
			t := newTable()
			for _, kind := range []struct {
				name  string
				types []analyzer.AnnotationKind
			}{{"task", r.Annotations.Tasks}, {"region", r.Annotations.Regions}} {
				for i := range kind.types {
					ak := &kind.types[i]
					// An entity per part: a part a report lacks (or cut) is
					// not listed, so that its rows are unknown there.
					ent := kind.name + "\x00" + ak.Type + "\x00"
					t.partial[ent+partBreakdown] = true
					t.partial[ent+partCritical] = true
					whole := taskQuantities(ak, func(part, q, l string, v float64) {
						labels[q] = l
						t.add(ent+part, q, v)
					})
					if !whole {
						delete(t.listed, ent+partCritical)
					}
				}
			}
			out = append(out, t)
		}
		return out
	}
	bt, ct := tab(base), tab(cur)
	var rows []TaskRow
	for _, k := range keys(bt, ct) {
		kind, rest, _ := strings.Cut(k.ent, "\x00")
		i := strings.LastIndexByte(rest, 0)
		typ, part := rest[:i], rest[i+1:]
		scope := ""
		if part != partLatency {
			scope = k.ent
		}
		st, cm, ok := c.compare(samples(bt, k, scope), samples(ct, k, scope))
		if !ok {
			continue
		}
		rows = append(rows, TaskRow{Kind: kind, Type: typ, Quantity: k.sub, Label: labels[k.sub], Unit: analyzer.MetricUnit(k.sub), Values: valuesOf(st, cm)})
	}
	rankAbs(rows, func(r *TaskRow) (Stat, float64) { return r.Stat, relSize(r.Stat, r.Delta) }, nil)
	return rows
}

// finding is what a diff needs of one finding of a report.
type finding struct {
	ID, Title string
	Impact    float64 // 0..1
}

// findingsOf returns the findings of a report: those it carries (a report
// gotrace wrote), or computed from it (package findings is a pure function
// of a report, so a trace analyzed here and an old JSON report get them too).
func findingsOf(r *analyzer.Report) []finding {
	fs := r.Findings
	if fs == nil {
		fs = findings.Of(r)
	}
	out := make([]finding, 0, len(fs))
	for _, f := range fs {
		out = append(out, finding{ID: f.ID, Title: f.Title, Impact: f.Impact})
	}
	return out
}

func (c *comparer) findings(base, cur []*analyzer.Report) []FindingRow {
	titles := map[string]string{}
	tab := func(rs []*analyzer.Report) []*table {
		var out []*table
		for _, r := range rs {
			t := newTable()
			for _, f := range findingsOf(r) {
				if _, ok := titles[f.ID]; !ok {
					titles[f.ID] = f.Title
				}
				t.add(f.ID, "impact", f.Impact)
				t.add(f.ID, "in", 1)
			}
			out = append(out, t)
		}
		return out
	}
	bt, ct := tab(base), tab(cur)
	var rows []FindingRow
	for _, k := range keys(bt, ct) {
		if k.sub != "impact" {
			continue
		}
		in := key{k.ent, "in"}
		row := FindingRow{ID: k.ent, Title: titles[k.ent], BaseIn: int(sum(samples(bt, in, ""))), CurrentIn: int(sum(samples(ct, in, "")))}
		st, cm, _ := c.compare(samples(bt, k, ""), samples(ct, k, ""))
		row.Impact = valuesOf(st, cm)
		switch {
		case row.BaseIn == 0:
			row.Status = Appeared
		case row.CurrentIn == 0:
			row.Status = Disappeared
		default:
			row.Status = Both
		}
		rows = append(rows, row)
	}
	// Appeared and disappeared first, then by the change of impact.
	slices.SortStableFunc(rows, func(a, b FindingRow) int {
		if (a.Status == Both) != (b.Status == Both) {
			if a.Status != Both {
				return -1
			}
			return 1
		}
		return cmp.Compare(math.Abs(b.Impact.Delta), math.Abs(a.Impact.Delta))
	})
	return rows
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
