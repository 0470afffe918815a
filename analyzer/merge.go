package analyzer

import (
	"cmp"
	"slices"

	"golang.org/x/exp/trace"
)

// gRec is what the merge knows of a live goroutine across generations:
// about 60 bytes and no pointers. Its times go to its group as they come
// (global.accOf); open regions are in global.regions.
type gRec struct {
	openState

	createdAt int64
	// seenAt is when the trace first showed a goroutine that existed before
	// it (see preTrace).
	seenAt int64
	name   strID
	lastP  int32

	created bool
	hasRun  bool
	// preTrace: the open state began before the trace (first seen
	// already in it), so it has lasted at least since the trace start,
	// which since holds.
	preTrace bool
}

// global is the state of the ordered merge: generation partials are merged
// into it one at a time, in trace order. It owns the global string and stack
// tables and the state of every live goroutine.
type global struct {
	strs   strTable
	stacks globalStacks
	cats   []uint8

	aggs aggs
	gs   gTable
	// unnamed holds the times of live goroutines whose start function is not
	// known yet; regions their stacks of open regions.
	unnamed map[trace.GoID]*gAcc
	regions map[trace.GoID][]openRegion

	groups      map[strID]*groupAcc
	preExisting int64
	// inSyscall is how many goroutines were in a syscall at the end of the
	// last merged generation; sysAdj corrects it, while a generation is
	// merged, for goroutines it announces in another state than recorded.
	inSyscall, sysAdj int64

	openRanges map[rangeKey]openRange
	openTasks  map[trace.TaskID]openTask

	procsSamples []procsSample
	start, end   int64
	started      bool
	events       int64
	gens         int
	lastPieceEnd int64 // input offset just past the last merged generation

	m       remap // reused per merge
	closing span  // the span closeRec hands to the analyses

	obs mergeObserver // nil unless something observes (observe.go)

	ts taskGlobal // instances and chains spanning generations (tasks_merge.go)
}

func newGlobal() *global {
	g := &global{
		strs:       newStrTable(),
		stacks:     newGlobalStacks(),
		cats:       []uint8{catUnknown},
		unnamed:    map[trace.GoID]*gAcc{},
		regions:    map[trace.GoID][]openRegion{},
		groups:     map[strID]*groupAcc{},
		openRanges: map[rangeKey]openRange{},
		openTasks:  map[trace.TaskID]openTask{},
	}
	g.aggs.init()
	g.ts.init()
	g.aggs.goroutines.maxNetAt = -1
	return g
}

func (g *global) str(s string) strID {
	id := g.strs.intern(s)
	if int(id) >= len(g.cats) {
		g.cats = append(g.cats, reasonCat(s))
	}
	return id
}

// merge folds the next generation's partial into the global state.
func (g *global) merge(p *partial) {
	m := &g.m
	if m.goName == nil {
		m.goName = g.goName
	}
	m.str = m.str[:0]
	for _, s := range p.strs.strs {
		m.str = append(m.str, g.str(s))
	}
	m.stack = m.stack[:0]
	for i := range p.stacks.stacks {
		m.stack = append(m.stack, g.stacks.add(&p.stacks.stacks[i]))
	}

	if p.events > 0 {
		if !g.started || p.first < g.start {
			g.start = p.first
		}
		if !g.started || p.last > g.end {
			g.end = p.last
		}
		g.started = true
	}
	g.events += p.events
	g.gens++
	g.procsSamples = append(g.procsSamples, p.procs...)

	g.sysAdj = 0
	for i := range p.anns {
		g.mergeAnnounced(&p.anns[i], m)
	}
	for _, l := range p.gs.all() {
		if !l.retired {
			g.mergeGoroutine(p, l, m)
		}
	}
	// Goroutines in a syscall at once: those under way when the generation
	// began, plus the generation's own walk from there.
	c0 := max(g.inSyscall+g.sysAdj, 0)
	sa := &g.aggs.syscalls
	sa.maxConc = max(sa.maxConc, c0+p.a.syscalls.conc.max)
	g.inSyscall = max(c0+p.a.syscalls.conc.cur, 0)
	for name := range p.groups {
		if o := &p.groups[name]; o.count > 0 || o.acc != (gAcc{}) {
			g.group(m.s(strID(name))).merge(o, m)
		}
	}

	g.aggs.merge(&p.a, m)

	// Ranges and tasks begun in earlier generations and ended in this one.
	for _, e := range p.rangeEnds {
		if o, ok := g.openRanges[e.key]; ok {
			reason := o.reason
			if reason == 0 {
				reason = m.s(e.reason)
			}
			g.aggs.gc.complete(e.key.kind, reason, e.t-o.start)
			delete(g.openRanges, e.key)
		} else {
			g.beforeTraceRange(e)
		}
	}
	for _, o := range p.rangesOpen {
		g.openRanges[o.key] = openRange{start: o.start, reason: m.s(o.reason), known: true}
	}
	for i, e := range p.taskEnds {
		if o, ok := g.openTasks[e.id]; ok {
			addKind(g.aggs.ann.tasks, o.typ, e.t-o.start)
			delete(g.openTasks, e.id)
			g.finishWalk(p, e.pend, kindOf(g.aggs.ann.tasks, o.typ), slowInst{id: uint64(e.id), start: o.start, end: e.t}, m)
		} else if g.obs != nil {
			g.obs.taskBefore(&p.taskEnds[i])
		}
	}
	for id, o := range p.openTasks {
		g.openTasks[id] = openTask{start: o.start, typ: m.s(o.typ)}
	}
	for i, e := range p.regionEnds {
		rs := g.regions[e.g]
		if len(rs) == 0 {
			if g.obs != nil {
				g.obs.regionBefore(&p.regionEnds[i])
			}
			continue // begun before the trace
		}
		top := rs[len(rs)-1]
		if len(rs) == 1 {
			delete(g.regions, e.g)
		} else {
			g.regions[e.g] = rs[:len(rs)-1]
		}
		addKind(g.aggs.ann.regions, top.typ, e.t-top.start)
		k := kindOf(g.aggs.ann.regions, top.typ)
		g.finishWalk(p, e.pend, k, slowInst{g: e.g, start: top.start, end: e.t}, m)
		g.regionDone(p, &p.regionEnds[i], top, k)
	}
	// Region begins of this generation that stay open.
	for _, l := range p.gs.all() {
		lr := p.openRegions(l)
		if len(lr) == 0 || l.retired || g.gs.get(l.id) == nil {
			continue
		}
		rs := g.regions[l.id]
		for _, o := range lr {
			rs = append(rs, openRegion{typ: m.s(o.typ), start: o.start})
		}
		g.regions[l.id] = rs
	}
	// Goroutines that ended in this generation leave the live set.
	for _, l := range p.gs.all() {
		if !l.ended || l.retired {
			continue
		}
		if r := g.gs.get(l.id); r != nil {
			g.fold(l.id, r, false)
			g.gs.del(l.id)
			delete(g.regions, l.id)
		}
	}
	g.mergeTasks(p, m)
	g.importChains(p, m)
	if g.obs != nil {
		g.obs.merged(g, p)
	}
}

// beforeTraceRange counts a range that ends in the trace but began before
// it: a GC cycle already marking when the trace started is a cycle, and its
// mark, assist and sweep time counts from the trace start (the part the
// trace covers). A stop-the-world pause cut by the trace start stays out of
// the pause distribution, whose durations would be wrong.
func (g *global) beforeTraceRange(e rangeEnd) {
	if g.obs != nil {
		g.obs.rangeBefore(&e)
	}
	switch e.key.kind {
	case rkMark:
		g.aggs.gc.cycles++
		fallthrough
	case rkAssist, rkSweep:
		g.aggs.gc.complete(e.key.kind, 0, e.t-g.start)
	}
}

// mergeGoroutine stitches one goroutine's generation record onto its global
// record.
func (g *global) mergeGoroutine(p *partial, l *gLocal, m *remap) {
	r := g.gs.get(l.id)
	c := p.coldPeek(l)
	preP := c.preP // the P of an announced Running state
	if l.inPrefix && l.state == goRunning {
		preP = l.p
	}
	if !l.created {
		// A goroutine announced in a syscall was in one when the generation
		// began; the count carried over assumed the recorded state.
		was, now := r != nil && r.state == goSyscall, l.annState == goSyscall
		if now && !was {
			g.sysAdj++
		} else if was && !now {
			g.sysAdj--
		}
	}
	if l.created {
		r = g.put(l.id)
		*r = gRec{created: true, createdAt: l.enterAt, name: m.s(l.name), lastP: -1}
	} else {
		if r == nil {
			// First seen already existing: it lived before the trace, and
			// its state counts from the trace start.
			r = g.gs.add(l.id)
			*r = gRec{
				openState: openState{state: l.annState, since: g.start, stack: m.k(l.annStack), cat: catUnknown, p: preP},
				lastP:     -1, preTrace: true, seenAt: l.enterAt,
			}
			g.preExisting++
			if g.obs != nil {
				g.obs.restated(l.id, nil, &r.openState, l.enterAt)
			}
		} else if r.state != l.annState {
			// The announced state disagrees with what the previous generation
			// left open; close that interval where the new one is announced.
			old := r.openState
			g.closeRec(l.id, r, l.enterAt, l.annState, 0)
			r.openState = openState{state: l.annState, since: l.enterAt, stack: m.k(l.annStack), cat: catUnknown, p: preP}
			r.preTrace = false
			if g.obs != nil {
				g.obs.restated(l.id, &old, &r.openState, l.enterAt)
			}
		}
		if r.name == 0 && l.name != 0 {
			r.name = m.s(l.name)
			if a := g.unnamed[l.id]; a != nil {
				g.group(r.name).acc.merge(a)
				delete(g.unnamed, l.id)
			}
		}
		if r.stack == 0 && l.annStack != 0 {
			r.stack = m.k(l.annStack)
		}
		if l.preDone {
			if r.state == goRunning && r.p < 0 {
				r.p = preP
			}
			r.gc = r.gc || c.preGC
			g.closeRec(l.id, r, c.preEnd, c.preTo, 0)
		}
		if l.ended {
			g.endAnnounced(r, c.endAt)
		}
	}
	// Contributions of this generation: a goroutine named here has its
	// times in the generation's groups already.
	if c.accIdx != 0 {
		g.accOf(l.id, r).merge(&p.accs[c.accIdx-1])
	}
	if c.pendingRunnable > 0 && r.hasRun {
		g.aggs.latency.afterFirstRun += c.pendingRunnable
	}
	if l.firstRunP >= 0 && r.lastP >= 0 && r.lastP != l.firstRunP {
		g.aggs.switches.migrations++
	}
	if l.lastP >= 0 {
		r.lastP = l.lastP
	}
	if l.ranLocal {
		r.hasRun = true
	}
	if !l.inPrefix && !l.ended {
		r.openState = l.openState.remapped(m)
		r.preTrace = false
	} else if l.inPrefix && l.gc {
		r.gc = true
	}
}

// mergeAnnounced stitches a goroutine the generation announced and that did
// nothing else in it: it goes on in the announced state.
func (g *global) mergeAnnounced(a *annRec, m *remap) {
	r := g.gs.get(a.id)
	was, now := r != nil && r.state == goSyscall, a.state == goSyscall
	if now && !was {
		g.sysAdj++
	} else if was && !now {
		g.sysAdj--
	}
	stack := m.k(a.stack)
	var old *openState // for the observer: the state the merge had
	restated := false
	if r == nil {
		// First seen already existing: it lived before the trace, and its
		// state counts from the trace start.
		p := int32(-1)
		if a.state == goRunning {
			p = a.proc
		}
		r = g.gs.add(a.id)
		*r = gRec{
			openState: openState{state: a.state, since: g.start, stack: stack, cat: catUnknown, p: p},
			lastP:     p, preTrace: true, seenAt: a.at,
		}
		g.preExisting++
		restated = true
	} else if r.state != a.state {
		// The announced state disagrees with what the previous generation
		// left open; close that interval where the new one is announced.
		o := r.openState
		old, restated = &o, true
		g.closeRec(a.id, r, a.at, a.state, 0)
		r.openState = openState{state: a.state, since: a.at, stack: stack, cat: catUnknown, p: -1}
		r.preTrace = false
		if a.state == goRunning {
			r.p = a.proc
		}
	}
	if r.name == 0 && a.name != 0 {
		r.name = m.s(a.name)
		if acc := g.unnamed[a.id]; acc != nil {
			g.group(r.name).acc.merge(acc)
			delete(g.unnamed, a.id)
		}
	}
	if r.stack == 0 {
		r.stack = stack
	}
	if a.state == goRunning {
		r.hasRun = true
		if r.p < 0 {
			r.p = a.proc
		}
		r.lastP = a.proc
	}
	if restated && g.obs != nil {
		g.obs.restated(a.id, old, &r.openState, a.at)
	}
}

// endAnnounced counts the end of a goroutine created before this generation.
func (g *global) endAnnounced(r *gRec, endAt int64) {
	fn := g.strs.str(r.name)
	if isSystemFunc(fn) {
		return
	}
	ga := &g.aggs.goroutines
	ga.userEnded++
	if r.created {
		ga.lifetime.Add(uint64(max(endAt-r.createdAt, 0)))
	}
}

// put returns id's record, emptied, or a new one.
func (g *global) put(id trace.GoID) *gRec {
	if r := g.gs.get(id); r != nil {
		return r // an id created again while alive: the trace is inconsistent
	}
	return g.gs.add(id)
}

// fold adds a goroutine to its group. alive says it was alive at the end.
func (g *global) fold(id trace.GoID, r *gRec, alive bool) {
	a := g.unnamed[id] // times not yet in a group: the name is unknown
	delete(g.unnamed, id)
	g.group(r.name).add(r.created, alive, a)
}

// accOf returns where r's times go: its group's accumulator, or while its
// name is unknown one of its own.
func (g *global) accOf(id trace.GoID, r *gRec) *gAcc {
	if r.name != 0 {
		return &g.group(r.name).acc
	}
	a := g.unnamed[id]
	if a == nil {
		a = new(gAcc)
		g.unnamed[id] = a
	}
	return a
}

// group returns the accumulator of the goroutines named name.
func (g *global) group(name strID) *groupAcc {
	gr := g.groups[name]
	if gr == nil {
		gr = new(groupAcc)
		g.groups[name] = gr
	}
	return gr
}

// openSince is when r's open state began, as far as the trace tells: the
// trace start for a state held since before the trace.
func (g *global) openSince(r *gRec) int64 {
	if r.preTrace {
		return g.start
	}
	return r.since
}

// openReason is the wait reason of r's open state. The trace records none
// for a wait that began before it; the blocking stack usually tells
// (stackReason), else it is 0.
func (g *global) openReason(r *gRec) strID {
	if !r.preTrace || r.reason != 0 {
		return r.reason
	}
	if sr := stackReason(g.stacks.stacks[r.stack].frames); sr != "" {
		return g.str(sr)
	}
	return 0
}

// closeRec closes r's open state at end, on a transition to state to (or,
// with cutEnd, because the trace ends), and feeds the interval to every
// analysis. A state held since before the trace is cut by its start, and
// its wait reason, which the trace does not record, is read from the stack.
func (g *global) closeRec(id trace.GoID, r *gRec, end int64, to trace.GoState, cut uint8) {
	s := &g.closing
	*s = r.span(end, to, r.hasRun)
	s.cut = cut
	if r.preTrace {
		s.cut |= cutStart
		s.unseen = max(r.seenAt-r.since, 0)
		if s.state == goWaiting {
			s.reason = g.openReason(r)
			s.cat = g.cats[s.reason]
		}
	}
	g.aggs.closeSpan(g.accOf(id, r), s)
}

// closeOpen ends the trace: every goroutine still alive has its state
// counted up to the trace's last event, by every analysis at once, and is
// added to its group.
func (g *global) closeOpen() {
	for id, r := range g.gs.all() {
		g.closeRec(id, r, g.end, goUndetermined, cutEnd)
		g.fold(id, r, true)
	}
}

func sortRangesOpen(s []rangeOpen) {
	slices.SortFunc(s, func(a, b rangeOpen) int {
		if c := cmp.Compare(a.key.kind, b.key.kind); c != 0 {
			return c
		}
		return cmp.Compare(a.key.id, b.key.id)
	})
}
