package analyzer

import (
	"cmp"
	"slices"
	"strings"
)

// blockKey is a wait reason and blocking stack.
type blockKey struct {
	reason strID
	stack  stackID
}

// blockSlot is the blocking of one stack under its (first) wait reason.
type blockSlot struct {
	reason strID
	acc    stackAcc
}

// blockAgg accumulates completed Waiting intervals.
type blockAgg struct {
	byReason reasonAccs
	// byStack holds, per stack id, the time blocked under one reason; the
	// rare other reasons of the same stack go to more.
	byStack       []blockSlot
	more          map[blockKey]*stackAcc
	syncCompleted int64 // reason contains "chan", "sync" or "select"
	netCompleted  int64 // reason "network"
	// Waits begun before the trace: their count, and the part of the sync
	// and network totals they make (go tool trace has no reason for them).
	preexisting     int64
	preSync, preNet int64
	// Waiting time still open at the end, by reason.
	open   int64
	openBy reasonAccs
}

func (a *blockAgg) init() {
	a.more = map[blockKey]*stackAcc{}
}

func (a *blockAgg) reset() {
	a.byReason.reset()
	clear(a.byStack)
	a.byStack = a.byStack[:0]
	clear(a.more)
	a.syncCompleted, a.netCompleted = 0, 0
	a.preexisting, a.preSync, a.preNet, a.open = 0, 0, 0, 0
	a.openBy.reset()
}

func (a *blockAgg) add(s *span, d int64) {
	if s.cut&cutStart != 0 {
		a.preexisting++
	}
	if s.cut&cutEnd != 0 {
		a.open += d
		a.openBy.at(s.reason).add(d) // count: goroutines still waiting
		return
	}
	r := a.byReason.at(s.reason)
	if s.cut == 0 {
		r.add(d)
	} else {
		r.addTime(d)
	}
	a.addStack(s.reason, s.stack, 1, d)
	if isSyncCat(s.cat) {
		a.syncCompleted += d
		if s.cut != 0 {
			a.preSync += d
		}
	} else if s.cat == catNet {
		a.netCompleted += d
		if s.cut != 0 {
			a.preNet += d
		}
	}
}

// addStack adds n waits totalling d ns on stack k for reason r.
func (a *blockAgg) addStack(r strID, k stackID, n, d int64) {
	if int(k) >= len(a.byStack) {
		a.byStack = append(a.byStack, make([]blockSlot, int(k)+1-len(a.byStack))...)
	}
	sl := &a.byStack[k]
	if sl.acc.count == 0 {
		sl.reason = r
	}
	if sl.reason == r {
		sl.acc.count += n
		sl.acc.total += d
		return
	}
	m := a.more[blockKey{r, k}]
	if m == nil {
		m = new(stackAcc)
		a.more[blockKey{r, k}] = m
	}
	m.count += n
	m.total += d
}

// each calls f for every (reason, stack) with its accumulator.
func (a *blockAgg) each(f func(k blockKey, acc stackAcc)) {
	for k, sl := range a.byStack {
		if sl.acc.count > 0 {
			f(blockKey{sl.reason, stackID(k)}, sl.acc)
		}
	}
	for k, acc := range a.more {
		f(k, *acc)
	}
}

func (a *blockAgg) merge(o *blockAgg, m *remap) {
	a.byReason.merge(o.byReason, m.s)
	o.each(func(k blockKey, acc stackAcc) {
		a.addStack(m.s(k.reason), m.k(k.stack), acc.count, acc.total)
	})
	a.syncCompleted += o.syncCompleted
	a.netCompleted += o.netCompleted
	a.preexisting += o.preexisting
	a.preSync += o.preSync
	a.preNet += o.preNet
	a.open += o.open
	a.openBy.merge(o.openBy, m.s)
}

func (g *global) blockingStats(top int) BlockingStats {
	a := &g.aggs.blocking
	s := BlockingStats{SyncCompletedNS: a.syncCompleted, NetCompletedNS: a.netCompleted}
	perReason := map[strID]stackAccs{}
	var perPrim [numPrims]stackAccs
	a.each(func(k blockKey, acc stackAcc) {
		sa := perReason[k.reason]
		sa.addN(k.stack, acc.count, acc.total)
		perReason[k.reason] = sa
		if c := g.cats[k.reason]; c == catSync || c == catUnknown {
			if p := stackPrimitive(g.stacks.stacks[k.stack].frames); p != primNone {
				perPrim[p].addN(k.stack, acc.count, acc.total)
			}
		}
	})
	for p := primMutex; p < numPrims; p++ {
		bp := BlockPrimitive{Primitive: primNames[p]}
		for _, acc := range perPrim[p] {
			bp.Count += acc.count
			bp.TotalNS += acc.total
		}
		if bp.Count == 0 {
			continue
		}
		bp.Top, bp.Stacks = topStacksUserFirst(perPrim[p], top, &g.stacks, true)
		s.SyncByPrimitive = append(s.SyncByPrimitive, bp)
	}
	slices.SortStableFunc(s.SyncByPrimitive, func(x, y BlockPrimitive) int { return cmp.Compare(y.TotalNS, x.TotalNS) })
	for id, r := range a.byReason {
		if r.count == 0 && r.total == 0 {
			continue
		}
		name := g.strs.str(strID(id))
		if name == "" {
			name = unknownReason
		}
		br := BlockReason{Reason: name, Count: r.count, TotalNS: r.total, MaxNS: r.max}
		s.CompletedNS += r.total
		s.Count += r.count
		br.Top, br.Stacks = topStacksUserFirst(perReason[strID(id)], top, &g.stacks, true)
		for k, acc := range perReason[strID(id)] {
			if acc.count > 0 && RuntimeStack(g.stacks.stacks[k].frames) {
				br.RuntimeNS += acc.total
			}
		}
		s.ByReason = append(s.ByReason, br)
	}
	slices.SortFunc(s.ByReason, func(x, y BlockReason) int {
		if c := cmp.Compare(y.TotalNS, x.TotalNS); c != 0 {
			return c
		}
		return cmp.Compare(x.Reason, y.Reason)
	})
	s.OpenNS, s.Preexisting = a.open, a.preexisting
	for id, r := range a.openBy {
		if r.count == 0 {
			continue
		}
		name := g.strs.str(strID(id))
		if name == "" {
			name = unknownReason
		}
		s.OpenByReason = append(s.OpenByReason, BlockReason{Reason: name, Count: r.count, TotalNS: r.total, MaxNS: r.max})
	}
	slices.SortFunc(s.OpenByReason, func(x, y BlockReason) int {
		if c := cmp.Compare(y.TotalNS, x.TotalNS); c != 0 {
			return c
		}
		return cmp.Compare(x.Reason, y.Reason)
	})
	return s
}

// Sync primitives a blocking stack can show.
const (
	primNone = iota
	primMutex
	primRWMutex
	primWaitGroup
	primCond
	primOther
	numPrims
)

var primNames = [numPrims]string{
	primMutex: PrimMutex, primRWMutex: PrimRWMutex, primWaitGroup: PrimWaitGroup,
	primCond: PrimCond, primOther: PrimOtherSync,
}

// stackPrimitive names the sync primitive a blocking stack waits on: the
// outermost frame of one in the stack (sync.(*RWMutex).Lock waits in the
// Mutex it holds, and is an RWMutex wait). A stack that shows no sync
// primitive but a semaphore is primOther; one with neither (a wait begun
// before the trace on something else) is primNone.
func stackPrimitive(frames []Frame) int {
	prim := primNone
	for _, f := range frames {
		switch f.Func {
		case "sync.(*Mutex).Lock", "internal/sync.(*Mutex).Lock", "internal/sync.(*Mutex).lockSlow":
			prim = primMutex
		case "sync.(*RWMutex).Lock", "sync.(*RWMutex).RLock":
			prim = primRWMutex
		case "sync.(*WaitGroup).Wait":
			prim = primWaitGroup
		case "sync.(*Cond).Wait":
			prim = primCond
		default:
			if prim == primNone && (strings.Contains(f.Func, "runtime_Semacquire") || strings.HasPrefix(f.Func, "runtime.semacquire")) {
				prim = primOther
			}
		}
	}
	return prim
}
