package analyzer

import (
	"cmp"
	"slices"

	"github.com/gotrace/gotrace/analyzer/sketch"
	"golang.org/x/exp/trace"
)

// MaxLogs is the number of log events kept in a report, in time order.
const MaxLogs = 1000

// kindAcc accumulates completed tasks or regions of one type.
type kindAcc struct {
	count int64
	hist  sketch.Hist

	// Breakdowns of the instances (tasks.go), and their critical paths:
	// time by row, in all (pathNS) and of how many (paths), and the
	// slowest instances, slowest first.
	bd     breakdown
	path   pathSet
	pathNS int64
	paths  int64
	slow   []slowInst
}

// openTask is a task begun and not yet ended.
type openTask struct {
	start int64
	typ   strID
	inst  int32 // in a generation: its instance (tasks.go)
}

// taskEnd is the end of a task whose begin lies in an earlier generation.
type taskEnd struct {
	id   trace.TaskID
	t    int64
	typ  strID
	pend int32 // 1 + index of its critical path in taskPart.pending; 0: none
}

// openRegion is a region begun on a goroutine and not yet ended.
type openRegion struct {
	typ   strID
	start int64
	inst  int32 // in a generation: 1 + index of its instance (tasks.go); 0: none
}

// regionEnd is the end of a region whose begin lies in an earlier generation.
type regionEnd struct {
	g    trace.GoID
	typ  strID
	t    int64
	pend int32 // 1 + index of its critical path in taskPart.pending; 0: none
}

// annAgg accumulates user annotations.
type annAgg struct {
	tasks    map[strID]*kindAcc
	regions  map[strID]*kindAcc
	logCount int64
	logs     []LogLine // AtNS is absolute until the report is built

	// The gotrace log convention (see measure.go).
	measures []Measurement
	workload string // first WorkloadCategory message
	stopped  string // first StoppedCategory message
	panicked string // first PanicCategory message
}

func (a *annAgg) init() {
	a.tasks = map[strID]*kindAcc{}
	a.regions = map[strID]*kindAcc{}
}

func (a *annAgg) reset() {
	clear(a.tasks)
	clear(a.regions)
	a.logCount = 0
	a.logs = a.logs[:0]
	a.measures = a.measures[:0]
	a.workload, a.stopped, a.panicked = "", "", ""
}

// log records a log event's convention-specific meaning.
func (a *annAgg) log(category, message string) {
	switch category {
	case MeasureCategory:
		if m, ok := ParseMeasurement(message); ok && len(a.measures) < maxMeasurements {
			a.measures = append(a.measures, m)
		}
	case WorkloadCategory:
		if a.workload == "" {
			a.workload = message
		}
	case StoppedCategory:
		if a.stopped == "" {
			a.stopped = message
		}
	case PanicCategory:
		if a.panicked == "" {
			a.panicked = message
		}
	}
}

func addKind(m map[strID]*kindAcc, typ strID, d int64) {
	k := m[typ]
	if k == nil {
		k = new(kindAcc)
		m[typ] = k
	}
	k.count++
	k.hist.Add(uint64(max(d, 0)))
}

func mergeKinds(dst, src map[strID]*kindAcc, m *remap) {
	for typ, k := range src {
		typ = m.s(typ)
		d := dst[typ]
		if d == nil {
			d = new(kindAcc)
			dst[typ] = d
		}
		d.count += k.count
		d.hist.Merge(&k.hist)
		d.mergePaths(k, m)
	}
}

func (a *annAgg) merge(o *annAgg, m *remap) {
	mergeKinds(a.tasks, o.tasks, m)
	mergeKinds(a.regions, o.regions, m)
	a.logCount += o.logCount
	for _, l := range o.logs {
		if len(a.logs) >= MaxLogs {
			break
		}
		a.logs = append(a.logs, l)
	}
	for _, m := range o.measures {
		if len(a.measures) >= maxMeasurements {
			break
		}
		a.measures = append(a.measures, m)
	}
	if a.workload == "" {
		a.workload = o.workload
	}
	if a.stopped == "" {
		a.stopped = o.stopped
	}
	if a.panicked == "" {
		a.panicked = o.panicked
	}
}

func (g *global) annotationStats() AnnotationStats {
	a := &g.aggs.ann
	g.addOpenBreakdowns()
	s := AnnotationStats{LogCount: a.logCount}
	unfinishedTasks := map[strID]int64{}
	for _, t := range g.openTasks {
		unfinishedTasks[t.typ]++
	}
	unfinishedRegions := map[strID]int64{}
	for _, rs := range g.regions {
		for _, o := range rs {
			unfinishedRegions[o.typ]++
		}
	}
	s.Tasks = g.kinds(a.tasks, unfinishedTasks)
	s.Regions = g.kinds(a.regions, unfinishedRegions)
	for _, l := range a.logs {
		l.AtNS = max(l.AtNS-g.start, 0)
		s.Logs = append(s.Logs, l)
	}
	// Simultaneous logs may come in any order from old-format traces.
	slices.SortStableFunc(s.Logs, func(x, y LogLine) int {
		if c := cmp.Compare(x.AtNS, y.AtNS); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Goroutine, y.Goroutine); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Category, y.Category); c != 0 {
			return c
		}
		return cmp.Compare(x.Message, y.Message)
	})
	return s
}

func (g *global) kinds(done map[strID]*kindAcc, unfinished map[strID]int64) []AnnotationKind {
	var out []AnnotationKind
	seen := map[strID]bool{}
	for typ, k := range done {
		seen[typ] = true
		ak := AnnotationKind{Type: g.strs.str(typ), Count: k.count, Unfinished: unfinished[typ]}
		if k.count > 0 {
			ak.Duration = dist(&k.hist)
		}
		g.fillPaths(&ak, k)
		if k.count == 0 && ak.Unfinished == 0 && ak.Breakdown == nil && ak.CriticalPath == nil {
			continue
		}
		out = append(out, ak)
	}
	for typ, n := range unfinished {
		if !seen[typ] {
			out = append(out, AnnotationKind{Type: g.strs.str(typ), Unfinished: n})
		}
	}
	slices.SortFunc(out, func(x, y AnnotationKind) int {
		if c := cmp.Compare(y.Count+y.Unfinished, x.Count+x.Unfinished); c != 0 {
			return c
		}
		return cmp.Compare(x.Type, y.Type)
	})
	return out
}
