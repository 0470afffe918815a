package analyzer

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gotrace/gotrace/analyzer/sketch"
	"golang.org/x/exp/trace"
)

// rangeKind is the kind of a runtime range event gotrace measures.
type rangeKind uint8

const (
	rkNone      rangeKind = iota
	rkMark                // "GC concurrent mark phase", global
	rkSTW                 // "stop-the-world (GC ...)", per goroutine
	rkAssist              // "GC mark assist", per goroutine
	rkSweep               // "GC incremental sweep", per P
	rkSTWTracer           // "stop-the-world (start trace|stop trace)": the tracer's own pauses
	rkSTWOther            // any other "stop-the-world (reason)": not the GC's
)

// rangeKey identifies an open range: its kind and the goroutine or P it is
// scoped to.
type rangeKey struct {
	kind rangeKind
	id   int64
}

// openRange is a range begun and not yet ended.
type openRange struct {
	start  int64
	reason strID
	known  bool    // false: active since an earlier generation, start unknown here
	stack  stackID // mark assists and non-GC pauses: the stack they began with
}

// rangeEnd is the end of a range whose begin lies in an earlier generation.
type rangeEnd struct {
	key    rangeKey
	t      int64
	reason strID
}

// rangeOpen is a range still open at the end of a generation.
type rangeOpen struct {
	key    rangeKey
	start  int64
	reason strID
}

// classifyRange maps a range event to what gotrace tracks. The STW reason
// is returned for stop-the-world ranges.
func classifyRange(r trace.Range) (rangeKey, string) {
	switch {
	case r.Name == "GC concurrent mark phase":
		return rangeKey{kind: rkMark}, ""
	case r.Name == "GC mark assist":
		return rangeKey{kind: rkAssist, id: int64(r.Scope.Goroutine())}, ""
	case r.Name == "GC incremental sweep":
		return rangeKey{kind: rkSweep, id: int64(r.Scope.Proc())}, ""
	case strings.HasPrefix(r.Name, "stop-the-world"):
		reason := strings.TrimSuffix(strings.TrimPrefix(r.Name, "stop-the-world ("), ")")
		kind := rkSTWOther
		switch {
		case strings.HasPrefix(reason, "GC "):
			kind = rkSTW
		case reason == "start trace" || reason == "stop trace":
			kind = rkSTWTracer
		}
		return rangeKey{kind: kind, id: int64(r.Scope.Goroutine())}, reason
	}
	return rangeKey{}, ""
}

// gcAgg accumulates garbage collection activity.
type gcAgg struct {
	cycles      int64 // mark phases begun, or under way when the trace began
	markNS      int64
	stw         sketch.Hist // the GC's pauses
	otherSTW    sketch.Hist // pauses neither the GC's nor the tracer's
	stwByReason reasonAccs
	stwKind     []rangeKind // by reason id: the kind of its pauses
	// assistByStack and otherByStack are the time of mark assists and of
	// non-GC pauses by the stack they began with (ranges begun and ended in
	// one generation).
	assistByStack, otherByStack stackAccs
	assistCount                 int64
	assistNS                    int64
	assistRun                   int64 // the part of assists their goroutines ran
	sweepNS                     int64

	heapMax, heapLast uint64
	goalMax, goalLast uint64
	heapLastT         int64
	goalLastT         int64
}

func (a *gcAgg) init() {}

func (a *gcAgg) reset() {
	m, h, o, k := a.stwByReason, a.stw, a.otherSTW, a.stwKind
	as, os := a.assistByStack, a.otherByStack
	m.reset()
	h.Reset()
	o.Reset()
	clear(k)
	as.reset()
	os.reset()
	*a = gcAgg{stwByReason: m, stw: h, otherSTW: o, stwKind: k[:0], assistByStack: as, otherByStack: os, heapLastT: -1, goalLastT: -1}
}

// complete records a finished range of duration d.
func (a *gcAgg) complete(kind rangeKind, reason strID, d int64) {
	d = max(d, 0)
	switch kind {
	case rkMark:
		a.markNS += d
	case rkSTW:
		a.stw.Add(uint64(d))
		a.addSTW(reason, kind, d)
	case rkSTWOther:
		a.otherSTW.Add(uint64(d))
		a.addSTW(reason, kind, d)
	case rkSTWTracer:
		// Caused by tracing itself: listed by reason, kept out of the STW
		// distributions so that it does not skew the program's numbers.
		a.addSTW(reason, kind, d)
	case rkAssist:
		a.assistCount++
		a.assistNS += d
	case rkSweep:
		a.sweepNS += d
	}
}

// stacked reports whether ranges of a kind are counted by their stack.
// isSTW reports whether k is a stop-the-world pause.
func isSTW(k rangeKind) bool { return k == rkSTW || k == rkSTWTracer || k == rkSTWOther }

func stacked(k rangeKind) bool { return k == rkAssist || k == rkSTWOther }

// addStack counts d ns of a range of kind k that began with stack stk.
func (a *gcAgg) addStack(k rangeKind, stk stackID, d int64) {
	switch k {
	case rkAssist:
		a.assistByStack.add(stk, max(d, 0))
	case rkSTWOther:
		a.otherByStack.add(stk, max(d, 0))
	}
}

// addSTW counts a pause of d ns of the given reason and kind.
func (a *gcAgg) addSTW(reason strID, kind rangeKind, d int64) {
	a.stwByReason.at(reason).add(d)
	for int(reason) >= len(a.stwKind) {
		a.stwKind = append(a.stwKind, rkNone)
	}
	a.stwKind[reason] = kind
}

func (a *gcAgg) metric(name string, t int64, v uint64) {
	switch name {
	case "/memory/classes/heap/objects:bytes":
		a.heapMax = max(a.heapMax, v)
		a.heapLast, a.heapLastT = v, t
	case "/gc/heap/goal:bytes":
		a.goalMax = max(a.goalMax, v)
		a.goalLast, a.goalLastT = v, t
	}
}

// merge adds o, the aggregate of a later generation.
func (a *gcAgg) merge(o *gcAgg, m *remap) {
	a.cycles += o.cycles
	a.markNS += o.markNS
	a.stw.Merge(&o.stw)
	a.otherSTW.Merge(&o.otherSTW)
	a.assistByStack.merge(o.assistByStack, m.k)
	a.otherByStack.merge(o.otherByStack, m.k)
	a.stwByReason.merge(o.stwByReason, m.s)
	for id, k := range o.stwKind {
		if k != rkNone {
			gid := m.s(strID(id))
			for int(gid) >= len(a.stwKind) {
				a.stwKind = append(a.stwKind, rkNone)
			}
			a.stwKind[gid] = k
		}
	}
	a.assistCount += o.assistCount
	a.assistNS += o.assistNS
	a.assistRun += o.assistRun
	a.sweepNS += o.sweepNS
	a.heapMax = max(a.heapMax, o.heapMax)
	a.goalMax = max(a.goalMax, o.goalMax)
	if o.heapLastT >= 0 && o.heapLastT >= a.heapLastT {
		a.heapLast, a.heapLastT = o.heapLast, o.heapLastT
	}
	if o.goalLastT >= 0 && o.goalLastT >= a.goalLastT {
		a.goalLast, a.goalLastT = o.goalLast, o.goalLastT
	}
}

func (g *global) gcStats(top int) GCStats {
	a := &g.aggs.gc
	s := GCStats{
		Cycles: a.cycles, MarkNS: a.markNS, STW: dist(&a.stw), OtherSTW: dist(&a.otherSTW),
		AssistCount: a.assistCount, AssistNS: a.assistNS, AssistRunningNS: a.assistRun, SweepNS: a.sweepNS,
		HeapMaxBytes: a.heapMax, HeapLastBytes: a.heapLast,
		GoalMaxBytes: a.goalMax, GoalLastBytes: a.goalLast,
	}
	for id, r := range a.stwByReason {
		if r.count > 0 {
			kind := STWOther
			if id < len(a.stwKind) {
				switch a.stwKind[id] {
				case rkSTW:
					kind = STWGC
				case rkSTWTracer:
					kind = STWTracer
				}
			}
			s.STWByReason = append(s.STWByReason, STWReason{Reason: g.strs.str(strID(id)), Kind: kind, Count: r.count, TotalNS: r.total, MaxNS: r.max})
		}
	}
	s.AssistTop, _ = topStacksUserFirst(a.assistByStack, top, &g.stacks, true)
	s.OtherSTWTop, _ = topStacksUserFirst(a.otherByStack, top, &g.stacks, true)
	slices.SortFunc(s.STWByReason, func(x, y STWReason) int {
		if c := cmp.Compare(y.TotalNS, x.TotalNS); c != 0 {
			return c
		}
		return cmp.Compare(x.Reason, y.Reason)
	})
	return s
}
