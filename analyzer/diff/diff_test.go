package diff

import (
	"math"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
)

// report builds a report with the given blocking stacks (reason -> stacks)
// and one goroutine group.
func report(name string, dur int64, block map[string][]analyzer.StackTime, cut bool) *analyzer.Report {
	r := &analyzer.Report{Source: analyzer.Source{Name: name}, Trace: analyzer.TraceInfo{DurationNS: dur}}
	for _, reason := range []string{"sync", "chan receive"} {
		sts, ok := block[reason]
		if !ok {
			continue
		}
		br := analyzer.BlockReason{Reason: reason, Top: sts, Stacks: len(sts)}
		if cut {
			br.Stacks++ // one more stack than the report lists
		}
		for _, st := range sts {
			br.Count += st.Count
			br.TotalNS += st.TotalNS
		}
		r.Blocking.ByReason = append(r.Blocking.ByReason, br)
	}
	r.Goroutines.Groups = []analyzer.GoroutineGroup{{Name: "main.worker", Count: 4, Time: analyzer.StateTimes{
		Exec: dur, Blocked: dur / 2, BlockedBy: map[string]int64{"sync": dur / 2},
	}}}
	r.Goroutines.GroupCount = 1
	r.Metrics = analyzer.Metrics(r)
	return r
}

var (
	lockStack = []analyzer.Frame{
		{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435},
		{Func: "runtime.semacquire1", File: "/go/src/runtime/sema.go", Line: 192},
		{Func: "sync.(*Mutex).Lock", File: "/go/src/sync/mutex.go", Line: 46},
		{Func: "example.com/app.(*Cache).Get", File: "/src/app/cache.go", Line: 41},
		{Func: "example.com/app.worker.func1", File: "/src/app/worker.go", Line: 12},
	}
	chanStack = []analyzer.Frame{
		{Func: "runtime.chanrecv1", File: "/go/src/runtime/chan.go", Line: 506},
		{Func: "example.com/app.collect", File: "/src/app/worker.go", Line: 30},
	}
	tracerStack = []analyzer.Frame{
		{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435},
		{Func: "runtime.traceStartReadCPU.func1", File: "/go/src/runtime/tracecpu.go", Line: 56},
	}
)

func side(reports ...*analyzer.Report) Side { return Side{Name: "s", Reports: reports} }

func TestCompareOneSampleASide(t *testing.T) {
	base := report("a", 100e6, map[string][]analyzer.StackTime{
		"sync":         {{Stack: lockStack, Count: 10, TotalNS: 20e6}},
		"chan receive": {{Stack: chanStack, Count: 5, TotalNS: 9e6}, {Stack: tracerStack, Count: 1, TotalNS: 50e6}},
	}, false)
	// The current run: the lock is held longer, the collector's wait is
	// gone, and the same Lock stack moved a line down (an edit above it).
	moved := append([]analyzer.Frame(nil), lockStack...)
	moved[3].Line = 44
	cur := report("b", 160e6, map[string][]analyzer.StackTime{
		"sync":         {{Stack: moved, Count: 40, TotalNS: 80e6}},
		"chan receive": {{Stack: tracerStack, Count: 1, TotalNS: 120e6}},
	}, false)
	d := Compare(side(base), side(cur), Options{})
	if d.Tested || d.Kind != Kind || d.Method == "" {
		t.Fatalf("one sample a side: tested %v kind %q method %q", d.Tested, d.Kind, d.Method)
	}
	if len(d.Blocking) != 3 {
		t.Fatalf("blocking rows %+v", d.Blocking)
	}
	// The program's own stacks first, largest change first; the tracer's
	// stack (no user frame) last although it changed more.
	lock, collect, tracer := d.Blocking[0], d.Blocking[1], d.Blocking[2]
	if lock.Reason != "sync" || lock.DeltaNS != 60e6 || lock.BaseNS != 20e6 || lock.CurrentNS != 80e6 || lock.Status != "" || lock.P != nil {
		t.Errorf("lock row %+v", lock)
	}
	if lock.User == nil || lock.User.Function != "example.com/app.(*Cache).Get" || lock.User.Line != 44 {
		t.Errorf("lock row's user frame %+v, want the current side's cache.go:44", lock.User)
	}
	if lock.BaseCount != 10 || lock.CurrentCount != 40 || lock.DeltaPct == nil || *lock.DeltaPct != 300 {
		t.Errorf("lock row counts %v -> %v, pct %v", lock.BaseCount, lock.CurrentCount, lock.DeltaPct)
	}
	if collect.Status != Vanished || collect.CurrentNS != 0 || collect.DeltaNS != -9e6 {
		t.Errorf("collector row %+v, want vanished", collect)
	}
	if tracer.User != nil || tracer.DeltaNS != 70e6 {
		t.Errorf("tracer row %+v", tracer)
	}
	m := metric(t, d, "trace.duration_ns")
	if m.Base != 100e6 || m.Current != 160e6 || m.Delta != 60e6 || m.Unit != analyzer.UnitNS {
		t.Errorf("duration row %+v", m)
	}
	// Metrics rank by relative change: the sync blocking class (+300%)
	// before the duration (+60%).
	if metricIndex(d, "block.class.sync.completed_ns") > metricIndex(d, "trace.duration_ns") {
		t.Errorf("metrics not ranked by relative change: %+v", d.Metrics)
	}
}

func TestCompareSamples(t *testing.T) {
	var base, cur []*analyzer.Report
	for i := range 6 {
		j := int64(i)
		base = append(base, report("b", 100e6+j*1e6, map[string][]analyzer.StackTime{
			"sync":         {{Stack: lockStack, Count: 10, TotalNS: 20e6 + j*1e5}},
			"chan receive": {{Stack: tracerStack, Count: 1, TotalNS: 50e6 + j*3e6}},
		}, false))
		cur = append(cur, report("c", 100e6+(5-j)*1e6, map[string][]analyzer.StackTime{
			"sync":         {{Stack: lockStack, Count: 40, TotalNS: 80e6 + j*1e5}},
			"chan receive": {{Stack: tracerStack, Count: 1, TotalNS: 65e6 - j*3e6}, {Stack: chanStack, Count: 3, TotalNS: 1e6 + j}},
		}, false))
	}
	d := Compare(side(base...), side(cur...), Options{})
	if !d.Tested {
		t.Fatal("six samples a side: not tested")
	}
	if len(d.Blocking) != 3 {
		t.Fatalf("blocking rows %+v", d.Blocking)
	}
	lock, newRow, tracer := d.Blocking[0], d.Blocking[1], d.Blocking[2]
	if !lock.Significant || lock.P == nil || *lock.P >= 0.01 || lock.DeltaNS != 60e6 {
		t.Errorf("lock row %+v p=%v", lock, lock.P)
	}
	// A small new stack is significant and ranks before the tracer's
	// large but unsystematic change.
	if newRow.Status != New || !newRow.Significant || newRow.BaseN != 6 || newRow.BaseNS != 0 {
		t.Errorf("new row %+v", newRow)
	}
	if tracer.Significant || tracer.P == nil {
		t.Errorf("tracer row %+v: the same distribution must not be significant", tracer)
	}
	if m := metric(t, d, "trace.duration_ns"); m.Significant || m.Delta != 0 {
		t.Errorf("duration drawn the same on both sides: %+v", m)
	}
}

func TestCompareCutLists(t *testing.T) {
	// The base reports list only their top stacks; the Lock stack is not
	// among them. It is unknown there, not 0, so it is not "new".
	base := report("b", 100e6, map[string][]analyzer.StackTime{
		"sync": {{Stack: chanStack, Count: 5, TotalNS: 30e6}},
	}, true)
	cur := report("c", 100e6, map[string][]analyzer.StackTime{
		"sync": {{Stack: chanStack, Count: 5, TotalNS: 30e6}, {Stack: lockStack, Count: 2, TotalNS: 1e6}},
	}, false)
	d := Compare(side(base), side(cur), Options{})
	var lock *StackRow
	for i := range d.Blocking {
		if d.Blocking[i].User != nil && d.Blocking[i].User.Line == 41 {
			lock = &d.Blocking[i]
		}
	}
	if lock == nil {
		t.Fatalf("no Lock row in %+v", d.Blocking)
	}
	if lock.Status != "" || lock.BaseN != 0 || lock.Note == "" {
		t.Errorf("lock row %+v: want no status, no base sample and a note", lock)
	}
}

func TestCompareTop(t *testing.T) {
	var sts []analyzer.StackTime
	for i := range 15 {
		st := append([]analyzer.Frame(nil), chanStack...)
		st[1].Func += string(rune('a' + i))
		sts = append(sts, analyzer.StackTime{Stack: st, Count: 1, TotalNS: int64(i+1) * 1e6})
	}
	base := report("b", 1e8, map[string][]analyzer.StackTime{"chan receive": sts}, false)
	cur := report("c", 1e8, nil, false)
	d := Compare(side(base), side(cur), Options{Top: 4})
	if len(d.Blocking) != 4 || d.Omitted["blocking"] != 11 || d.Blocking[0].DeltaNS != -15e6 {
		t.Errorf("top 4 of 15: %d rows, omitted %v, first %+v", len(d.Blocking), d.Omitted, d.Blocking[0])
	}
	all := Compare(side(base), side(cur), Options{Top: -1})
	if len(all.Blocking) != 15 || all.Omitted != nil {
		t.Errorf("all: %d rows, omitted %v", len(all.Blocking), all.Omitted)
	}
}

func TestCompareGroupsAndTasks(t *testing.T) {
	mk := func(exec, sync int64, p50 uint64) *analyzer.Report {
		r := report("x", 1e8, nil, false)
		r.Goroutines.Groups[0].Time = analyzer.StateTimes{Exec: exec, Blocked: sync, BlockedBy: map[string]int64{"sync": sync}}
		r.Goroutines.Groups = append(r.Goroutines.Groups, analyzer.GoroutineGroup{Name: "runtime.bgsweep", System: true, Time: analyzer.StateTimes{Blocked: 9e9, BlockedBy: map[string]int64{"gc": 9e9}}})
		r.Goroutines.GroupCount = 2
		r.Annotations.Tasks = []analyzer.AnnotationKind{{Type: "request", Count: 100, Duration: analyzer.Dist{Count: 100, P50: p50, P99: 2 * p50}}}
		return r
	}
	d := Compare(side(mk(50e6, 10e6, 1e6)), side(mk(55e6, 90e6, 3e6)), Options{})
	g := d.Groups[0]
	if g.Group != "main.worker" || g.State != StateBlocked || g.Reason != "sync" || g.DeltaNS != 80e6 {
		t.Errorf("first group row %+v, want main.worker blocked (sync) +80ms", g)
	}
	for _, r := range d.Groups {
		if r.Group == "runtime.bgsweep" && r.System && r.DeltaNS != 0 {
			t.Errorf("unchanged runtime group changed: %+v", r)
		}
	}
	var p50 *TaskRow
	for i := range d.Tasks {
		if d.Tasks[i].Quantity == "p50_ns" {
			p50 = &d.Tasks[i]
		}
	}
	if p50 == nil || p50.Kind != "task" || p50.Type != "request" || p50.Delta != 2e6 || p50.Unit != analyzer.UnitNS {
		t.Errorf("task p50 row %+v", p50)
	}
	if d.Tasks[0].Quantity == "count" {
		t.Errorf("an unchanged count ranks first: %+v", d.Tasks)
	}
}

func TestTaskPathShares(t *testing.T) {
	mk := func(worker, lock float64, paths bool) *analyzer.Report {
		r := report("x", 1e8, nil, false)
		k := analyzer.AnnotationKind{Type: "request", Count: 100, Duration: analyzer.Dist{Count: 100, P50: 1e6, P99: 2e6}}
		if paths {
			k.Breakdown = []analyzer.TimeShare{{State: analyzer.StateRunning, Share: worker}, {State: analyzer.StateWaiting, Reason: "sync", Share: lock}}
			k.CriticalPath = []analyzer.PathRow{
				{Function: "main.worker", State: analyzer.StateRunning, File: "/src/app/cache.go", Line: 41, Share: worker},
				{Function: "main.worker", State: analyzer.StateWaiting, Reason: "sleep", Share: lock},
			}
			if lock == 0 {
				k.CriticalPath = k.CriticalPath[:1] // no row is a share of 0
			}
		}
		r.Annotations.Tasks = []analyzer.AnnotationKind{k}
		return r
	}
	row := func(d *Diff, q string) *TaskRow {
		for i := range d.Tasks {
			if d.Tasks[i].Quantity == q {
				return &d.Tasks[i]
			}
		}
		return nil
	}
	const running = "critical.main.worker.running@cache.go:41_share"
	const sleep = "critical.main.worker.waiting.sleep_share"
	d := Compare(side(mk(0.3, 0.7, true)), side(mk(0.8, 0, true)), Options{})
	for _, want := range []struct {
		q, label         string
		base, cur, delta float64
	}{
		{running, "critical path: main.worker running (cache.go:41)", 0.3, 0.8, 0.5},
		{sleep, "critical path: main.worker waiting sleep", 0.7, 0, -0.7},
		{"breakdown.running_share", "breakdown: running", 0.3, 0.8, 0.5},
		{"breakdown.waiting.sync_share", "breakdown: waiting sync", 0.7, 0, -0.7},
	} {
		r := row(d, want.q)
		if r == nil {
			t.Errorf("no row %s in %+v", want.q, d.Tasks)
			continue
		}
		if r.Label != want.label || r.Unit != analyzer.UnitRatio || math.Abs(r.Base-want.base) > 1e-9 || math.Abs(r.Current-want.cur) > 1e-9 || math.Abs(r.Delta-want.delta) > 1e-9 {
			t.Errorf("%s: %+v, want %q %v -> %v (%+v)", want.q, *r, want.label, want.base, want.cur, want.delta)
		}
	}
	// A side analyzed without task paths does not know the shares, nor one
	// whose critical path was cut (an "(other)" row) the rows it lacks:
	// unknown there, rather than a fall to 0.
	cut := mk(0.8, 0, true)
	k := &cut.Annotations.Tasks[0]
	k.CriticalPath = append(k.CriticalPath, analyzer.PathRow{Function: "(other)", State: "other", Share: 0.2})
	for name, cur := range map[string]*analyzer.Report{"no paths": mk(0, 0, false), "cut path": cut} {
		d = Compare(side(mk(0.3, 0.7, true)), side(cur), Options{})
		if r := row(d, sleep); r == nil || r.Stat.CurrentN != 0 || r.Stat.Note == "" {
			t.Errorf("%s: sleep row %+v, want unknown on the current side", name, r)
		}
		if r := row(d, "p50_ns"); r == nil || r.Stat.CurrentN != 1 {
			t.Errorf("%s: p50 row %+v", name, r)
		}
	}
	d = Compare(side(mk(0.3, 0.7, true)), side(cut), Options{})
	if r := row(d, running); r == nil || r.Stat.CurrentN != 1 || r.Current != 0.8 {
		t.Errorf("cut path: the row it has: %+v", r)
	}
}

func TestMetricsOfOldReport(t *testing.T) {
	// A report read from JSON written before the block.class metrics
	// existed: its sections give them.
	r := report("old", 1e8, map[string][]analyzer.StackTime{"sync": {{Stack: lockStack, Count: 1, TotalNS: 5e6}}}, false)
	r.Metrics = map[string]float64{"trace.duration_ns": 1e8, "measure.ops_per_sec": 10}
	m := metricsOf(r)
	if m["block.class.sync.completed_ns"] != 5e6 || m["measure.ops_per_sec"] != 10 {
		t.Errorf("metrics %v", m)
	}
}

func TestStackKey(t *testing.T) {
	a := []analyzer.Frame{{Func: "main.run.func2", Line: 3}, {Func: "main.main", Line: 9}}
	b := []analyzer.Frame{{Func: "main.run.func1", Line: 5}, {Func: "main.main", Line: 10}}
	c := []analyzer.Frame{{Func: "main.other", Line: 5}, {Func: "main.main", Line: 10}}
	if stackKey(a) != stackKey(b) {
		t.Error("closure numbers and lines make a stack different")
	}
	if stackKey(a) == stackKey(c) {
		t.Error("different functions make the same stack")
	}
}

func metric(t *testing.T, d *Diff, name string) MetricRow {
	t.Helper()
	if i := metricIndex(d, name); i >= 0 {
		return d.Metrics[i]
	}
	t.Fatalf("no metric row %s in %+v", name, d.Metrics)
	return MetricRow{}
}

func metricIndex(d *Diff, name string) int {
	for i, m := range d.Metrics {
		if m.Metric == name {
			return i
		}
	}
	return -1
}
