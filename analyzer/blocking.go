package analyzer

import (
	"cmp"
	"slices"
)

// blockKey is a wait reason and blocking stack.
type blockKey struct {
	reason strID
	stack  stackID
}

// blockAgg accumulates completed Waiting intervals.
type blockAgg struct {
	byReason      map[strID]*reasonAcc
	byStack       map[blockKey]*stackAcc
	syncCompleted int64 // reason contains "chan", "sync" or "select"
	netCompleted  int64 // reason "network"
}

func (a *blockAgg) init() {
	a.byReason = map[strID]*reasonAcc{}
	a.byStack = map[blockKey]*stackAcc{}
}

func (a *blockAgg) reset() {
	clear(a.byReason)
	clear(a.byStack)
	a.syncCompleted, a.netCompleted = 0, 0
}

func (a *blockAgg) add(s *span, d int64) {
	r := a.byReason[s.reason]
	if r == nil {
		r = new(reasonAcc)
		a.byReason[s.reason] = r
	}
	r.add(d)
	addStack(a.byStack, blockKey{s.reason, s.stack}, d)
	if isSyncCat(s.cat) {
		a.syncCompleted += d
	} else if s.cat == catNet {
		a.netCompleted += d
	}
}

func (a *blockAgg) merge(o *blockAgg, m *remap) {
	mergeReasons(a.byReason, o.byReason, m.s)
	mergeStacks(a.byStack, o.byStack, func(k blockKey) blockKey { return blockKey{m.s(k.reason), m.k(k.stack)} })
	a.syncCompleted += o.syncCompleted
	a.netCompleted += o.netCompleted
}

func (g *global) blockingStats(top int) BlockingStats {
	a := &g.aggs.blocking
	s := BlockingStats{SyncCompletedNS: a.syncCompleted, NetCompletedNS: a.netCompleted}
	perReason := map[strID]map[blockKey]*stackAcc{}
	for k, v := range a.byStack {
		m := perReason[k.reason]
		if m == nil {
			m = map[blockKey]*stackAcc{}
			perReason[k.reason] = m
		}
		m[k] = v
	}
	for id, r := range a.byReason {
		name := g.strs.str(id)
		if name == "" {
			name = unknownReason
		}
		br := BlockReason{Reason: name, Count: r.count, TotalNS: r.total, MaxNS: r.max}
		br.Top = topStacks(perReason[id], top, func(k blockKey) stackID { return k.stack }, &g.stacks)
		s.ByReason = append(s.ByReason, br)
	}
	slices.SortFunc(s.ByReason, func(x, y BlockReason) int {
		if c := cmp.Compare(y.TotalNS, x.TotalNS); c != 0 {
			return c
		}
		return cmp.Compare(x.Reason, y.Reason)
	})
	for _, r := range g.gs {
		if r.state == goWaiting {
			s.OpenNS += max(g.end-r.since, 0)
		}
	}
	return s
}
