package analyzer

import (
	"cmp"
	"slices"

	"golang.org/x/exp/trace"
)

// gRec is what the merge knows of a live goroutine across generations.
type gRec struct {
	created   bool
	createdAt int64
	createStk stackID
	name      strID

	openState

	hasRun bool
	// preTrace: the open state began before the trace (first seen
	// already in it), so it has lasted at least since the trace start.
	preTrace bool
	lastP    int32
	acc      gAcc
	regions  []openRegion
}

// global is the state of the ordered merge: generation partials are merged
// into it one at a time, in trace order. It owns the global string and stack
// tables and the state of every live goroutine.
type global struct {
	strs   strTable
	stacks globalStacks
	cats   []uint8

	aggs aggs
	gs   map[trace.GoID]*gRec

	groups      map[strID]*groupAcc
	preExisting int64

	openRanges map[rangeKey]openRange
	openTasks  map[trace.TaskID]openTask

	procsSamples []procsSample
	start, end   int64
	started      bool
	events       int64
	gens         int
	lastPieceEnd int64 // input offset just past the last merged generation

	m remap // reused per merge
}

func newGlobal() *global {
	g := &global{
		strs:       newStrTable(),
		stacks:     newGlobalStacks(),
		cats:       []uint8{catUnknown},
		gs:         map[trace.GoID]*gRec{},
		groups:     map[strID]*groupAcc{},
		openRanges: map[rangeKey]openRange{},
		openTasks:  map[trace.TaskID]openTask{},
	}
	g.aggs.init()
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

	for i := range p.gs {
		if !p.gs[i].retired {
			g.mergeGoroutine(&p.gs[i], m)
		}
	}
	for name := range p.groups {
		if o := &p.groups[name]; o.count > 0 {
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
	for _, e := range p.taskEnds {
		if o, ok := g.openTasks[e.id]; ok {
			addKind(g.aggs.ann.tasks, o.typ, e.t-o.start)
			delete(g.openTasks, e.id)
		}
	}
	for id, o := range p.openTasks {
		g.openTasks[id] = openTask{start: o.start, typ: m.s(o.typ)}
	}
	for _, e := range p.regionEnds {
		r := g.gs[e.g]
		if r == nil || len(r.regions) == 0 {
			continue // begun before the trace
		}
		top := r.regions[len(r.regions)-1]
		r.regions = r.regions[:len(r.regions)-1]
		addKind(g.aggs.ann.regions, top.typ, e.t-top.start)
	}
	// Region begins of this generation that stay open.
	for i := range p.gs {
		l := &p.gs[i]
		if len(l.regions) == 0 || l.retired {
			continue
		}
		if r := g.gs[l.id]; r != nil {
			for _, o := range l.regions {
				r.regions = append(r.regions, openRegion{typ: m.s(o.typ), start: o.start})
			}
		}
	}
	// Goroutines that ended in this generation leave the live set.
	for i := range p.gs {
		l := &p.gs[i]
		if !l.ended || l.retired {
			continue
		}
		if r := g.gs[l.id]; r != nil {
			g.fold(r, false)
			delete(g.gs, l.id)
		}
	}
}

// beforeTraceRange counts a range that ends in the trace but began before
// it: a GC cycle already marking when the trace started is a cycle, and its
// mark, assist and sweep time counts from the trace start (the part the
// trace covers). A stop-the-world pause cut by the trace start stays out of
// the pause distribution, whose durations would be wrong.
func (g *global) beforeTraceRange(e rangeEnd) {
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
func (g *global) mergeGoroutine(l *gLocal, m *remap) {
	r := g.gs[l.id]
	if l.created {
		r = &gRec{created: true, createdAt: l.createdAt, createStk: m.k(l.createStk), name: m.s(l.name), lastP: -1}
		g.gs[l.id] = r
	} else {
		if r == nil {
			// First seen already existing: it lived before the trace.
			r = &gRec{
				openState: openState{state: l.annState, since: l.annAt, stack: m.k(l.annStack), cat: catUnknown, p: l.preP},
				lastP:     -1, preTrace: true,
			}
			g.gs[l.id] = r
			g.preExisting++
		} else if r.state != l.annState {
			// The announced state disagrees with what the previous generation
			// left open; close that interval where the new one is announced.
			s := r.span(l.annAt, l.annState, r.hasRun)
			g.aggs.closeSpan(&r.acc, &s)
			r.openState = openState{state: l.annState, since: l.annAt, stack: m.k(l.annStack), cat: catUnknown, p: l.preP}
			r.preTrace = false
		}
		if r.name == 0 && l.name != 0 {
			r.name = m.s(l.name)
		}
		if r.stack == 0 && l.annStack != 0 {
			r.stack = m.k(l.annStack)
		}
		if l.preDone {
			if r.state == goRunning && r.p < 0 {
				r.p = l.preP
			}
			r.gc = r.gc || l.preGC
			s := r.span(l.preEnd, l.preTo, r.hasRun)
			g.aggs.closeSpan(&r.acc, &s)
		}
		if l.ended {
			g.endAnnounced(r, l)
		}
	}
	// Contributions of this generation.
	r.acc.merge(&l.acc)
	if l.pendingRunnable > 0 && r.hasRun {
		g.aggs.latency.afterFirstRun += l.pendingRunnable
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

// endAnnounced counts the end of a goroutine created before this generation.
func (g *global) endAnnounced(r *gRec, l *gLocal) {
	fn := g.strs.str(r.name)
	if isSystemFunc(fn) {
		return
	}
	ga := &g.aggs.goroutines
	ga.userEnded++
	if r.created {
		ga.lifetime.Add(uint64(max(l.endAt-r.createdAt, 0)))
	}
}

// fold adds a goroutine to its group. alive says it was alive at the end.
func (g *global) fold(r *gRec, alive bool) {
	gr := g.group(r.name)
	gr.add(r.created, alive, &r.acc)
	gr.noteCreated(r.createStk)
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
// (stackReason), else it is 0. Only open states use this: completed totals
// keep the trace's own (absent) reason, as go tool trace does.
func (g *global) openReason(r *gRec) strID {
	if !r.preTrace || r.reason != 0 {
		return r.reason
	}
	if sr := stackReason(g.stacks.stacks[r.stack].frames); sr != "" {
		return g.strs.intern(sr)
	}
	return 0
}

// foldLive adds every goroutine still alive at the end to its group, with
// the state it is still in counted up to the end of the trace.
func (g *global) foldLive() {
	for _, r := range g.gs {
		d := max(g.end-g.openSince(r), 0)
		switch r.state {
		case goRunning:
			r.acc.t[catExec] += d
		case goRunnable:
			r.acc.t[catSched] += d
		case goSyscall:
			r.acc.t[catSyscall] += d
		case goWaiting:
			cat := r.cat
			if r.preTrace {
				cat = reasonCat(g.strs.str(g.openReason(r)))
			}
			r.acc.t[cat] += d
		}
		g.fold(r, true)
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
