package analyzer

import (
	"cmp"
	"slices"

	"golang.org/x/exp/trace"
)

// The merge's side of tasks and regions (tasks.go): it stitches breakdowns
// and critical paths of instances that span generations. Generation k's
// walks that reached its start go on along the chains the merge kept from
// generation k-1; then the chains of k's goroutines are imported, linked to
// those of k-1, as far back as an instance still open can reach.

// taskGlobal is the merge's task and region state.
type taskGlobal struct {
	crit  critStore
	heads map[trace.GoID]int32 // each goroutine's chain, as of the end of the last merged generation
	w     walker
	// Breakdowns so far of the instances open at the end of the last
	// merged generation.
	open        map[trace.TaskID]*openBD
	openRegions map[regionKey]*openBD
	newHeads    []headRef
	buf         []int32
	starts      []int64 // scratch: starts of open instances
}

type openBD struct {
	bd  breakdown
	gen int // the last generation that counted it
}

type regionKey struct {
	g     trace.GoID
	start int64
}

type headRef struct {
	id  trace.GoID
	ref int32
}

func (ts *taskGlobal) init() {
	ts.crit.reset()
	ts.heads = map[trace.GoID]int32{}
	ts.open = map[trace.TaskID]*openBD{}
	ts.openRegions = map[regionKey]*openBD{}
}

// stackFrames and internStr let a walk name user frames (stackTables).
func (g *global) stackFrames(id stackID) []Frame { return g.stacks.stacks[id].frames }
func (g *global) internStr(s string) strID       { return g.str(s) }
func (g *global) goName(id trace.GoID) strID {
	if r := g.gs.get(id); r != nil {
		return r.name
	}
	return 0
}

// finishWalk completes a path of generation p that reached its start: it
// goes on along the merged chains back to start, and is added to k.
func (g *global) finishWalk(p *partial, pend int32, k *kindAcc, s slowInst, m *remap) {
	if pend == 0 {
		return
	}
	pw := &p.ts.pending[pend-1]
	w := &g.ts.w
	w.rows, w.steps = w.rows[:0], 0
	for _, r := range pw.rows {
		w.add(r.key.remapped(m), r.ns)
	}
	cur := pw.contAt
	if pw.how == walkBoundary {
		if ref := g.ts.heads[pw.contG]; ref != 0 {
			var how walkEnd
			how, _, cur = w.walk(&g.ts.crit, g.ts.crit.at(ref), cur, s.start, g)
			if how == walkDone {
				cur = s.start
			}
		}
	}
	w.add(keyUnattributed, cur-s.start)
	k.addPath(w, s)
}

// mergeTasks folds the breakdowns of generation p's instances that span
// generations; the paths are finished where the merge pairs ends with
// begins.
func (g *global) mergeTasks(p *partial, m *remap) {
	ts := &g.ts
	for i := range p.ts.cross {
		c := &p.ts.cross[i]
		switch {
		case c.region:
			ts.openRegions[regionKey{c.g, c.start}] = &openBD{bd: c.bd, gen: g.gens}
		case c.begun:
			ts.open[c.id] = &openBD{bd: c.bd, gen: g.gens}
		default:
			o := ts.open[c.id]
			if o == nil {
				continue // begun before the trace
			}
			o.bd.add(&c.bd)
			o.gen = g.gens
			if c.ended {
				kindOf(g.aggs.ann.tasks, m.s(c.typ)).bd.add(&o.bd)
				delete(ts.open, c.id)
			}
		}
	}
	// What the generation did not see of an instance is unattributed.
	span := max(p.last-p.first, 0)
	for _, o := range ts.open {
		if o.gen != g.gens {
			o.bd[slotUnattr] += span
			o.gen = g.gens
		}
	}
	for _, o := range ts.openRegions {
		if o.gen != g.gens {
			o.bd[slotUnattr] += span
			o.gen = g.gens
		}
	}
}

// regionDone folds the breakdown of a region that ended in generation p
// and began in an earlier one.
func (g *global) regionDone(p *partial, e *regionEnd, top openRegion, k *kindAcc) {
	key := regionKey{e.g, top.start}
	if o := g.ts.openRegions[key]; o != nil {
		o.bd[slotUnattr] += max(e.t-p.first, 0) // the generation does not follow a region it did not see begin
		k.bd.add(&o.bd)
		delete(g.ts.openRegions, key)
	}
}

// importChains imports the chains of generation p's goroutines, as far
// back as an instance still open can reach, linked to the merged chains
// of the goroutines they began from.
func (g *global) importChains(p *partial, m *remap) {
	ts := &g.ts
	ts.starts = ts.starts[:0]
	for _, o := range g.openTasks {
		ts.starts = append(ts.starts, o.start)
	}
	for _, rs := range g.regions {
		for _, r := range rs {
			ts.starts = append(ts.starts, r.start)
		}
	}
	if len(ts.starts) == 0 || p.ts.off {
		ts.crit.reset()
		clear(ts.heads)
		return
	}
	slices.Sort(ts.starts)
	horizon := ts.crit.horizon(ts.starts, p.last)
	ls := &p.ts.crit
	// Each goroutine's open state is the head of its chain.
	ts.newHeads = ts.newHeads[:0]
	for _, l := range p.gs.all() {
		switch {
		case l.retired:
		case l.ended:
			delete(ts.heads, l.id)
		case !l.inPrefix:
			n := critNode{since: l.since, id: l.id, prev: l.crit, name: l.name, state: l.state}
			if l.state == goWaiting {
				n.reason, n.stack = l.reason, l.stack
			}
			ts.newHeads = append(ts.newHeads, headRef{l.id, ls.push(n)})
		}
	}
	n := ls.nodes.len()
	if int32(cap(ls.memo)) < n {
		ls.memo = make([]int32, n, n+n/4)
	}
	ls.memo = ls.memo[:n]
	clear(ls.memo)
	for i := range ts.newHeads {
		h := &ts.newHeads[i]
		h.ref = g.importRef(ls, h.ref, horizon, m)
	}
	for _, h := range ts.newHeads {
		ts.heads[h.id] = h.ref
	}
	if ts.crit.full() {
		ts.crit.compact(func(yield func(*int32) bool) {
			for id, ref := range ts.heads {
				r := ref
				if !yield(&r) {
					return
				}
				ts.heads[id] = r
			}
		}, ts.starts, p.last)
	}
}

// importRef copies the chain of local node ref into the merge's arena and
// returns its new reference.
func (g *global) importRef(ls *critStore, ref int32, horizon int64, m *remap) int32 {
	ts := &g.ts
	start := ref
	buf := ts.buf[:0]
	for ref != 0 && ls.memo[ref-1] == 0 {
		buf = append(buf, ref)
		nd := ls.at(ref)
		if nd.since <= horizon || nd.flags&nodeBoundary != 0 {
			break
		}
		ref = nd.prev
	}
	for i := len(buf) - 1; i >= 0; i-- {
		r := buf[i]
		nd := ls.at(r)
		gn := critNode{since: nd.since, id: nd.id, name: m.s(nd.name), stack: m.k(nd.stack), state: nd.state, flags: nd.flags &^ nodeBoundary}
		if gn.name == 0 {
			gn.name = g.goName(nd.id)
		}
		switch {
		case nd.flags&nodeBoundary != 0:
			gn.prev = ts.heads[nd.id]
		default:
			gn.reason = m.s(nd.reason)
			if nd.since > horizon && nd.prev != 0 {
				gn.prev = ls.memo[nd.prev-1]
			}
		}
		ls.memo[r-1] = ts.crit.push(gn)
	}
	ts.buf = buf
	if start == 0 {
		return 0
	}
	return ls.memo[start-1]
}

// addOpenBreakdowns adds the breakdowns of the instances still open at the
// end of the trace to their types.
func (g *global) addOpenBreakdowns() {
	a := &g.aggs.ann
	for id, o := range g.openTasks {
		if b := g.ts.open[id]; b != nil {
			kindOf(a.tasks, o.typ).bd.add(&b.bd)
		}
	}
	for id, rs := range g.regions {
		for _, r := range rs {
			if b := g.ts.openRegions[regionKey{id, r.start}]; b != nil {
				kindOf(a.regions, r.typ).bd.add(&b.bd)
			}
		}
	}
}

// Report rows.

var slotStates = func() [numSlots][2]string {
	var s [numSlots][2]string
	s[catExec] = [2]string{StateRunning, ""}
	s[catSched] = [2]string{StateRunnable, ""}
	s[catSyscall] = [2]string{StateSyscall, ""}
	for c := catSync; c < numCats; c++ {
		s[c] = [2]string{StateWaiting, catNames[c]}
	}
	s[slotAssist] = [2]string{StateAssist, ""}
	s[slotSTW] = [2]string{StateSTW, ""}
	s[slotUnattr] = [2]string{StateUnattributed, ""}
	return s
}()

// breakdownRows returns the rows of a breakdown, largest first.
func breakdownRows(bd *breakdown) []TimeShare {
	var total int64
	for _, v := range bd {
		total += v
	}
	if total <= 0 {
		return nil
	}
	var out []TimeShare
	for i, v := range bd {
		if v > 0 {
			out = append(out, TimeShare{State: slotStates[i][0], Reason: slotStates[i][1], NS: v, Share: float64(v) / float64(total)})
		}
	}
	slices.SortStableFunc(out, func(a, b TimeShare) int { return cmp.Compare(b.NS, a.NS) })
	return out
}

// pathRows turns rows of a path into report rows, largest first, at most
// MaxPathRows with the rest as "(other)".
func (g *global) pathRows(rows []pathAcc) []PathRow {
	var total int64
	for _, r := range rows {
		total += r.ns
	}
	if total <= 0 {
		return nil
	}
	out := make([]PathRow, 0, min(len(rows), MaxPathRows))
	for _, r := range rows {
		out = append(out, g.pathRow(r.key, r.ns))
	}
	slices.SortFunc(out, func(a, b PathRow) int {
		if c := cmp.Compare(b.NS, a.NS); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Function, b.Function); c != 0 {
			return c
		}
		if c := cmp.Compare(a.State, b.State); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Reason, b.Reason); c != 0 {
			return c
		}
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
	if len(out) > MaxPathRows {
		other := PathRow{Function: "(other)", State: StateOther}
		for _, r := range out[MaxPathRows-1:] {
			other.NS += r.NS
		}
		out = append(out[:MaxPathRows-1], other)
	}
	for i := range out {
		out[i].Share = float64(out[i].NS) / float64(total)
	}
	return out
}

func (g *global) pathRow(k pathKey, ns int64) PathRow {
	r := PathRow{NS: ns, File: g.strs.str(k.file), Line: int(k.line), Reason: g.strs.str(k.reason)}
	switch k.state {
	case stateUnattributed:
		r.State = StateUnattributed
		return r
	case stateOther:
		r.Function, r.State = "(other)", StateOther
		return r
	case goRunning:
		r.State = StateRunning
	case goRunnable:
		r.State = StateRunnable
	case goSyscall:
		r.State = StateSyscall
	case goWaiting:
		r.State = StateWaiting
		if r.Reason == "" {
			r.Reason = unknownReason
		}
	default:
		r.State = k.state.String()
	}
	r.Function = g.strs.str(k.name)
	if r.Function == "" {
		r.Function = "(unknown)"
	}
	return r
}

// fillPaths sets the breakdown, critical path and slowest instances of a
// report row from its accumulator.
func (g *global) fillPaths(out *AnnotationKind, k *kindAcc) {
	out.Breakdown = breakdownRows(&k.bd)
	if len(k.path.rows) > 0 {
		out.CriticalPath = g.pathRows(k.path.rows)
	}
	for _, s := range k.slow {
		in := Instance{
			ID: s.id, Goroutine: int64(s.g),
			StartNS: max(s.start-g.start, 0), EndNS: max(s.end-g.start, 0), LatencyNS: s.latency(),
			CriticalPath: g.pathRows(s.rows),
		}
		out.Slowest = append(out.Slowest, in)
	}
}
