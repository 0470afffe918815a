package analyzer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"golang.org/x/exp/trace"
)

// Short names for the goroutine states.
const (
	goUndetermined = trace.GoUndetermined
	goNotExist     = trace.GoNotExist
	goRunnable     = trace.GoRunnable
	goRunning      = trace.GoRunning
	goWaiting      = trace.GoWaiting
	goSyscall      = trace.GoSyscall
)

// span is a closed interval of one goroutine in one state, the unit every
// time-based analysis consumes.
type span struct {
	openState       // the state, from since
	end       int64 // when it ended
	to        trace.GoState
	hasRun    bool  // the goroutine had run before since
	cut       uint8 // cutStart, cutEnd: the interval is cut by an edge of the trace
	// unseen is, for a cutStart span, the time from the trace start to the
	// goroutine's first event in this state (what go tool trace leaves out).
	unseen int64
}

// The edges of the trace cut intervals, and every analysis treats a cut
// interval by one rule: its time counts in every time total (a state begun
// before the trace from the trace start, a state still open at the end up to
// the trace's last event), but it is not an event of the trace, so it enters
// no count and no distribution, whose true length is unknown.
const (
	cutStart uint8 = 1 << iota // began before the trace: since is the trace start
	cutEnd                     // still open at the end: end is the trace's last event
)

// aggs bundles the aggregates of every analysis. A generation fills one
// keyed by its local table ids; the global state holds one keyed by global
// ids, into which generations are merged in order.
type aggs struct {
	goroutines goroutineAgg
	latency    latencyAgg
	switches   switchAgg
	procs      procAgg
	blocking   blockAgg
	syscalls   syscallAgg
	gc         gcAgg
	ann        annAgg
	timeline   series
}

func (a *aggs) init() {
	a.latency.init()
	a.switches.init()
	a.blocking.init()
	a.syscalls.init()
	a.gc.init()
	a.ann.init()
	a.reset()
}

func (a *aggs) reset() {
	a.goroutines.reset()
	a.latency.reset()
	a.switches.reset()
	a.procs.reset()
	a.blocking.reset()
	a.syscalls.reset()
	a.gc.reset()
	a.ann.reset()
	a.timeline.reset()
}

// merge adds o, the aggregates of the next generation, translating its ids.
func (a *aggs) merge(o *aggs, m *remap) {
	a.goroutines.merge(&o.goroutines)
	a.latency.merge(&o.latency, m)
	a.switches.merge(&o.switches, m)
	a.procs.merge(&o.procs)
	a.blocking.merge(&o.blocking, m)
	a.syscalls.merge(&o.syscalls, m)
	a.gc.merge(&o.gc, m)
	a.ann.merge(&o.ann, m)
	a.timeline.merge(&o.timeline)
}

// closeSpan feeds a completed interval to every analysis, and to the
// per-goroutine accumulator acc.
func (a *aggs) closeSpan(acc *gAcc, s *span) {
	d := max(s.end-s.since, 0)
	switch s.state {
	case goRunning:
		acc.t[catExec] += d
		if s.cut == 0 {
			a.switches.runSlice.Add(uint64(d))
		}
		a.procs.addBusy(int(s.p), d, s.gc)
		a.timeline.addBusy(int(s.p), s.since, s.end, s.gc)
	case goRunnable:
		acc.t[catSched] += d
		if s.cut == 0 {
			acc.maxSched = max(acc.maxSched, d)
		}
		a.latency.add(s, d)
		a.timeline.addRunnable(s.since, s.end)
	case goWaiting:
		acc.t[s.cat] += d
		a.blocking.add(s, d)
	case goSyscall:
		acc.t[catSyscall] += d
		a.syscalls.add(s, d)
		if s.to == goRunning {
			a.procs.addSyscall(int(s.p), d)
		}
	}
}

// openState is a goroutine's current state and what began it.
type openState struct {
	since  int64
	reason strID   // Waiting: wait reason; Runnable: why it became runnable
	stack  stackID // stack of the event that began the state
	p      int32   // Running, Syscall: the P
	state  trace.GoState
	cat    uint8 // category of reason (Waiting)
	gc     bool  // Running: a GC mark worker
}

// span closes the state at t, on a transition to state to.
func (o *openState) span(t int64, to trace.GoState, hasRun bool) span {
	return span{openState: *o, end: t, to: to, hasRun: hasRun}
}

// remapped translates the state's ids into the global tables.
func (o openState) remapped(m *remap) openState {
	o.reason, o.stack = m.s(o.reason), m.k(o.stack)
	return o
}

// gLocal is what one generation knows of a goroutine that it created or
// that moved in it: 80 bytes (a goroutine that was only announced is an
// annRec). What fewer goroutines need is in a gCold, and open regions and
// the times of a goroutine whose start function is not known yet in side
// tables. The fields every transition touches come first.
type gLocal struct {
	openState

	ranLocal  bool  // ran in this generation
	created   bool  // created in this generation (else announced)
	inPrefix  bool  // the open state is the announced one, begun earlier
	system    bool  // name is a runtime function
	ended     bool  // ended in this generation
	preDone   bool  // the announced state ended here
	retired   bool  // a free record (see retire)
	inAssist  bool  // in a GC mark assist (its start is in openRanges)
	lastP     int32 // -1 when unknown
	firstRunP int32 // P of the first run start when no P was known before; -1
	name      strID // start function, 0 if not seen in this generation
	coldIdx   int32 // 1 + the index of its gCold in partial.cold; 0: none
	crit      int32 // 1 + index of its chain's last node before the open state (critical.go); 0: none
	mem       int32 // 1 + index of its first task or region membership (tasks.go); 0: none

	id trace.GoID
	// How the goroutine entered the generation: created in it at enterAt,
	// or announced by a status event at enterAt (then in annState since an
	// unknown time).
	enterAt  int64
	annStack stackID
	annState trace.GoState
}

// gCold is the part of a goroutine's record few goroutines of a generation
// need: how an announced state ended, an end, side tables.
type gCold struct {
	// The prefix is the announced state, begun in an earlier generation:
	// when it ended, into what, whether a GC mark worker ran, on which P.
	preEnd int64
	preP   int32 // -1 when unknown
	preTo  trace.GoState
	preGC  bool

	pendingRunnable int64 // Runnable ns completed before the first run here, for an announced goroutine
	endAt           int64
	// accIdx is 1 + the index in partial.accs of the goroutine's times while
	// its name is unknown (0: none); a named goroutine's times go straight
	// to its group. regIdx is 1 + the index in partial.regs of its stack of
	// open regions (0: none).
	accIdx, regIdx int32
}

// noCold is the cold part of a record that has none.
var noCold = gCold{preP: -1}

// coldOf returns g's cold part, making it.
func (p *partial) coldOf(g *gLocal) *gCold {
	if g.coldIdx == 0 {
		g.coldIdx = p.cold.push(noCold) + 1
	}
	return p.cold.at(g.coldIdx - 1)
}

// coldPeek returns g's cold part, or noCold.
func (p *partial) coldPeek(g *gLocal) gCold {
	if g.coldIdx == 0 {
		return noCold
	}
	return *p.cold.at(g.coldIdx - 1)
}

// partial is the analysis of one generation: the single state tracker and
// event loop of gotrace. It sees only its generation; what it cannot know
// (how long a state announced at its start had lasted, which group an old
// goroutine belongs to) it leaves for the ordered merge to stitch.
type partial struct {
	index int
	// endTask is the task of the task-end event being tracked when the
	// decoding goroutine read it (see streamBatch.ends), or nil.
	endTask *trace.Task

	strs      strTable
	stacks    localStacks
	cats      []uint8 // reasonCat of each local string
	preempted strID   // id of "preempted", 0 until seen
	scache    [sCacheSize]sCacheEntry

	// Fast path state (fastpath.go): local reason ids by the trace's string
	// id plus one, and transitions checked against StateTransition.
	reasonByID  []strID
	fastChecked [numFastTypes]uint8

	gidx    goIndex
	gcache  [gCacheSize]gCacheEntry
	gs      chunked[gLocal]
	cold    chunked[gCold]
	free    []int32    // indexes of retired records in gs
	groups  []groupAcc // by local name id: goroutines created and ended here, and the times of named goroutines
	accs    []gAcc     // times of goroutines whose name is not known yet (gLocal.accIdx)
	anns    []annRec   // announced goroutines without a record
	regs    [][]openRegion
	regFree []int32 // indexes of free region stacks in regs

	a aggs

	first, last int64 // absolute times of the first and last event
	events      int64
	lastThread  trace.ThreadID
	tcache      [64]trace.ThreadID // threads already recorded, direct-mapped

	// Old-format traces (Go 1.11-1.21) are converted by x/exp/trace with
	// simultaneous events in an order that changes from run to run, and
	// with timestamps bumped by 1ns to keep them increasing. Collapsing
	// such bumps back to the shared timestamp (real steps in those formats
	// are at least one tick, ~15ns) makes results independent of that order.
	v1      bool
	rawLast int64

	// Goroutine creations and ends at the current timestamp, applied to the
	// peak trackers once per timestamp so that the order of simultaneous
	// events does not matter.
	aliveT, aliveD int64

	procs      []procsSample
	openRanges map[rangeKey]openRange
	rangeEnds  []rangeEnd
	rangesOpen []rangeOpen
	openTasks  map[trace.TaskID]openTask
	taskEnds   []taskEnd
	regionEnds []regionEnd

	maxEvents int64 // 0: no limit

	// clean says p was reset and has seen no event since (begin need not
	// reset it again).
	clean bool

	closing span        // the span leave hands to the analyses
	ev      trace.Event // the event run reads into
	tr      transition  // the transition being handled

	obs    genObserver // nil unless something observes (observe.go)
	change goChange    // what observe hands over, reused

	ts taskPart // task and region instances, critical-path chains (tasks.go)
}

// maxProcsSamples bounds GOMAXPROCS samples kept per generation.
const maxProcsSamples = 4096

func newPartial() *partial {
	p := &partial{}
	p.a.init()
	p.openRanges = map[rangeKey]openRange{}
	p.openTasks = map[trace.TaskID]openTask{}
	p.reset(0)
	return p
}

// reset prepares p for another generation, keeping allocations. Its cost
// is proportional to what the last generation used, not to the largest
// generation p ever held: a trace of a million tiny generations resets a
// million times.
func (p *partial) reset(index int) {
	p.index = index
	if p.strs.ids == nil {
		p.strs = newStrTable()
		p.stacks = newLocalStacks()
	} else {
		p.strs.reset()
		p.stacks.reset()
	}
	p.cats = append(p.cats[:0], catUnknown)
	p.preempted = 0
	// Emptied entry by entry, the index costs what the generation held,
	// not what the largest generation before it did.
	for _, g := range p.gs.all() {
		if !g.retired {
			p.gidx.del(g.id)
		}
	}
	clear(p.reasonByID)
	p.reasonByID = p.reasonByID[:0]
	p.fastChecked = [numFastTypes]uint8{}
	// The goroutine cache holds only ids of live records (retire clears
	// its entry): clear theirs, or all of it when there are many.
	if p.gs.len() < gCacheSize/8 {
		for _, g := range p.gs.all() {
			p.gcache[uint64(g.id)&(gCacheSize-1)] = gCacheEntry{}
		}
	} else {
		p.gcache = [gCacheSize]gCacheEntry{}
	}
	p.scache = [sCacheSize]sCacheEntry{}
	p.gs.truncate()
	p.cold.truncate()
	p.free = p.free[:0]
	clear(p.groups)
	p.groups = p.groups[:0]
	p.accs = p.accs[:0]
	p.anns = p.anns[:0]
	for i := range p.regs {
		p.regs[i] = p.regs[i][:0]
	}
	p.regs = p.regs[:0]
	p.regFree = p.regFree[:0]
	p.a.reset()
	p.first, p.last, p.events = 0, 0, 0
	p.rawLast, p.aliveT, p.aliveD = 0, 0, 0
	p.lastThread = trace.NoThread
	for i := range p.tcache {
		p.tcache[i] = trace.NoThread
	}
	p.procs = p.procs[:0]
	clear(p.openRanges)
	p.rangeEnds = p.rangeEnds[:0]
	p.rangesOpen = p.rangesOpen[:0]
	clear(p.openTasks)
	p.taskEnds = p.taskEnds[:0]
	p.regionEnds = p.regionEnds[:0]
	p.ts.reset()
	p.clean = true
}

// begin prepares p for piece index of input in.
func (p *partial) begin(index int, in *input, opts *Options) {
	if p.clean {
		p.index = index // reset when it was pooled
	} else {
		p.reset(index)
	}
	p.clean = false
	p.maxEvents = opts.MaxEvents
	p.v1 = !in.hdr.Generational()
	p.obs = opts.export.observer(p)
	p.ts.off = opts.NoTaskPaths
}

// ErrTooManyEvents is returned when a trace has more events than
// Options.MaxEvents allows.
var ErrTooManyEvents = errors.New("trace has more events than the limit")

// tooManyEvents is ErrTooManyEvents with the limit, kept out of the hot path.
//
//go:noinline
func tooManyEvents(limit int64) error {
	return fmt.Errorf("%w (%d events in one generation)", ErrTooManyEvents, limit)
}

// sCacheSize is the size of the direct-mapped string cache (a power of two).
const sCacheSize = 64

// sCacheEntry caches the id of a string by the address of its bytes:
// x/exp/trace hands out the same string value for the same table entry.
type sCacheEntry struct {
	ptr *byte
	n   int
	id  strID
}

// str interns s in the generation's table.
func (p *partial) str(s string) strID {
	if s == "" {
		return 0
	}
	ptr := unsafe.StringData(s)
	c := &p.scache[(uintptr(unsafe.Pointer(ptr))>>3)&(sCacheSize-1)]
	if c.ptr == ptr && c.n == len(s) {
		return c.id
	}
	id := p.strs.intern(s)
	if int(id) >= len(p.cats) {
		p.cats = append(p.cats, reasonCat(s))
		if s == "preempted" {
			p.preempted = id
		}
	}
	*c = sCacheEntry{ptr: ptr, n: len(s), id: id}
	return id
}

// run reads every event of the generation.
func (p *partial) run(r *trace.Reader) error {
	// The event lives in p: handed to an observer through an interface, a
	// local would escape, one allocation per event.
	ev := &p.ev
	for {
		var err error
		if *ev, err = r.ReadEvent(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if err := p.event(ev); err != nil {
			return err
		}
	}
	*ev = trace.Event{} // drop the generation's tables
	p.finish()
	return nil
}

// event handles one event.
func (p *partial) event(ev *trace.Event) error {
	// The frequent goroutine transitions are recognized by their wire type
	// before anything else; p.tr is fully written by the fast path.
	fast := p.fastTransition(ev, &p.tr)
	k := trace.EventStateTransition
	var t int64
	var th trace.ThreadID
	if fast {
		// The layout is the one fastTransition checked; reading the
		// fields through Event's value methods would copy the event.
		raw := (*rawEvent)(unsafe.Pointer(ev))
		t, th = raw.time, trace.ThreadID(raw.m)
	} else {
		k = ev.Kind()
		if k == trace.EventSync {
			return nil
		}
		t, th = int64(ev.Time()), ev.Thread()
	}
	if p.v1 {
		raw := t
		if p.events > 0 && raw-p.rawLast <= v1TieBump {
			t = p.last
		}
		p.rawLast = raw
	}
	if p.events == 0 {
		p.first = t
	}
	p.last = t
	p.events++
	if p.maxEvents > 0 && p.events > p.maxEvents {
		return tooManyEvents(p.maxEvents)
	}
	if th != p.lastThread && th != trace.NoThread {
		p.lastThread = th
		if c := &p.tcache[uint64(th)&uint64(len(p.tcache)-1)]; *c != th {
			*c = th
			p.a.syscalls.threads[th] = struct{}{}
		}
	}
	if fast {
		p.goTransition(&p.tr, t)
		return nil
	}
	if p.obs != nil && k != trace.EventStateTransition {
		p.obs.event(p, ev, k, t)
	}
	switch k {
	case trace.EventStateTransition:
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			if p.obs != nil {
				p.obs.event(p, ev, k, t)
			}
			break
		}
		p.slowTransition(ev, &st, &p.tr)
		p.goTransition(&p.tr, t)
	case trace.EventRangeBegin, trace.EventRangeActive, trace.EventRangeEnd:
		p.rangeEvent(ev, k, t)
	case trace.EventMetric:
		m := ev.Metric()
		if m.Value.Kind() != trace.ValueUint64 {
			break
		}
		v := m.Value.Uint64()
		if m.Name == "/sched/gomaxprocs:threads" {
			if len(p.procs) < maxProcsSamples && v <= 1<<20 {
				p.procs = append(p.procs, procsSample{t: t, v: int(v)})
			}
		} else {
			p.a.gc.metric(m.Name, t, v)
		}
	case trace.EventLabel:
		if l := ev.Label(); strings.HasPrefix(l.Label, "GC ") {
			if g := p.recordOf(ev.Goroutine(), int32(ev.Proc()), t); g != nil && g.state == goRunning {
				g.gc = true
			}
		}
	case trace.EventTaskBegin:
		tk := ev.Task()
		o := openTask{start: t, typ: p.str(tk.Type)}
		if !p.ts.off {
			o.inst = p.taskBegin(tk.ID, o.typ, ev.Goroutine(), int32(ev.Proc()), t)
		}
		p.openTasks[tk.ID] = o
	case trace.EventTaskEnd:
		tk := p.taskOf(ev)
		if o, ok := p.openTasks[tk.ID]; ok {
			addKind(p.a.ann.tasks, o.typ, t-o.start)
			delete(p.openTasks, tk.ID)
			if !p.ts.off {
				p.taskEnded(o, ev.Goroutine(), t)
			}
		} else {
			e := taskEnd{id: tk.ID, t: t, typ: p.str(tk.Type)}
			if !p.ts.off {
				e.pend = p.taskEndedForeign(tk.ID, e.typ, ev.Goroutine(), t)
			}
			p.taskEnds = append(p.taskEnds, e)
		}
	case trace.EventRegionBegin:
		if g := p.recordOf(ev.Goroutine(), int32(ev.Proc()), t); g != nil {
			o := openRegion{typ: p.str(ev.Region().Type), start: t}
			if !p.ts.off {
				o.inst = p.regionBegin(g, o.typ, ev.Region().Task, t)
			}
			rs := p.regionsOf(g)
			*rs = append(*rs, o)
		}
	case trace.EventRegionEnd:
		id := ev.Goroutine()
		typ := p.str(ev.Region().Type)
		g := p.lookup(id)
		if rs := p.openRegions(g); len(rs) > 0 {
			top := rs[len(rs)-1]
			p.regs[p.coldPeek(g).regIdx-1] = rs[:len(rs)-1]
			addKind(p.a.ann.regions, top.typ, t-top.start)
			if !p.ts.off {
				p.regionEnded(top, id, t)
			}
		} else {
			e := regionEnd{g: id, typ: typ, t: t}
			if !p.ts.off {
				e.pend = p.pend(id, t, 0)
			}
			p.regionEnds = append(p.regionEnds, e)
		}
	case trace.EventLog:
		l := ev.Log()
		if l.Task != 0 && !p.ts.off {
			p.taskJoin(l.Task, p.recordOf(ev.Goroutine(), int32(ev.Proc()), t), t)
		}
		p.a.ann.logCount++
		if strings.HasPrefix(l.Category, "gotrace.") {
			p.a.ann.log(l.Category, l.Message)
		}
		if len(p.a.ann.logs) < MaxLogs {
			p.a.ann.logs = append(p.a.ann.logs, LogLine{
				AtNS: t, Goroutine: int64(ev.Goroutine()), Task: uint64(l.Task),
				Category: l.Category, Message: l.Message,
			})
		}
	}
	return nil
}

// v1TieBump is the largest step between old-format events taken as a tie
// bumped apart by the parser rather than a real time step.
const v1TieBump = 8

// alive counts a goroutine created (d=1) or ended (d=-1) at t.
func (p *partial) alive(t, d int64) {
	if t != p.aliveT {
		p.flushAlive()
		p.aliveT = t
	}
	p.aliveD += d
}

func (p *partial) flushAlive() {
	if p.aliveD != 0 {
		p.a.goroutines.addNet(p.aliveT, p.aliveD)
		p.a.timeline.addAlive(p.aliveT, p.aliveD)
		p.aliveD = 0
	}
}

// gCacheSize is the number of entries of the direct-mapped cache in front
// of the goroutine map (a power of two).
const gCacheSize = 1024

// gCacheEntry caches the index of a goroutine's record; idx is one more than
// the index so that the zero value is empty.
type gCacheEntry struct {
	id  trace.GoID
	idx int32
}

// lookup returns the goroutine's record in this generation, or nil.
func (p *partial) lookup(id trace.GoID) *gLocal {
	c := &p.gcache[uint64(id)&(gCacheSize-1)]
	if c.idx > 0 && c.id == id {
		return p.gs.at(c.idx - 1)
	}
	if i, ok := p.gidx.get(id); ok {
		c.id, c.idx = id, i+1
		return p.gs.at(i)
	}
	return nil
}

func (p *partial) add(id trace.GoID) *gLocal {
	rec := gLocal{id: id, firstRunP: -1, lastP: -1, openState: openState{p: -1}}
	var i int32
	if n := len(p.free); n > 0 {
		i = p.free[n-1]
		p.free = p.free[:n-1]
		*p.gs.at(i) = rec
	} else {
		i = p.gs.push(rec)
	}
	p.gidx.set(id, i)
	p.gcache[uint64(id)&(gCacheSize-1)] = gCacheEntry{id: id, idx: i + 1}
	return p.gs.at(i)
}

// retire folds a goroutine created and ended in this generation into its
// group and frees its record: nothing later in the trace can refer to it, so
// the records held stay about as many as the goroutines alive at once.
func (p *partial) retire(g *gLocal) {
	i, ok := p.gidx.get(g.id)
	if !ok {
		return // not a record of the table: the merge folds it instead
	}
	gr := p.group(g.name)
	var side *gAcc
	c := p.coldPeek(g)
	if c.accIdx != 0 {
		side = &p.accs[c.accIdx-1] // name 0: no start function seen
	}
	gr.add(true, false, side)
	if c.regIdx != 0 {
		p.regs[c.regIdx-1] = p.regs[c.regIdx-1][:0]
		p.regFree = append(p.regFree, c.regIdx-1)
	}
	p.gidx.del(g.id)
	if c := &p.gcache[uint64(g.id)&(gCacheSize-1)]; c.id == g.id {
		*c = gCacheEntry{}
	}
	*p.gs.at(i) = gLocal{retired: true}
	p.free = append(p.free, i)
}

// setName records the start function of g from one of its own stacks.
func (p *partial) setName(g *gLocal, stk stackID) {
	if g.name != 0 || stk == 0 {
		return
	}
	fn := p.stacks.stacks[stk].root()
	if truncatedRoot(fn) {
		return // wait for a stack that reaches the start function
	}
	g.name = p.str(fn)
	g.system = isSystemFunc(fn)
	gr := p.group(g.name) // accOf relies on it
	if g.coldIdx != 0 {
		if c := p.cold.at(g.coldIdx - 1); c.accIdx != 0 {
			// Times gathered while the name was unknown join the group.
			gr.acc.merge(&p.accs[c.accIdx-1])
			c.accIdx = 0
		}
	}
}

// group returns the accumulator of the generation's goroutines named by
// local string id name.
func (p *partial) group(name strID) *groupAcc {
	if int(name) >= len(p.groups) {
		p.groups = append(p.groups, make([]groupAcc, int(name)+1-len(p.groups))...)
	}
	return &p.groups[name]
}

// accOf returns where g's times go: its group's accumulator, or while its
// name is unknown one of its own.
func (p *partial) accOf(g *gLocal) *gAcc {
	if g.name != 0 {
		return &p.groups[g.name].acc // setName grew groups
	}
	c := p.coldOf(g)
	if c.accIdx == 0 {
		p.accs = append(p.accs, gAcc{})
		c.accIdx = int32(len(p.accs))
	}
	return &p.accs[c.accIdx-1]
}

// openRegions returns g's stack of open regions (nil for a nil g).
func (p *partial) openRegions(g *gLocal) []openRegion {
	if g == nil {
		return nil
	}
	if c := p.coldPeek(g); c.regIdx != 0 {
		return p.regs[c.regIdx-1]
	}
	return nil
}

// regionsOf returns g's stack of open regions, making one.
func (p *partial) regionsOf(g *gLocal) *[]openRegion {
	c := p.coldOf(g)
	if c.regIdx == 0 {
		if n := len(p.regFree); n > 0 {
			c.regIdx = p.regFree[n-1] + 1
			p.regFree = p.regFree[:n-1]
		} else {
			if len(p.regs) < cap(p.regs) {
				p.regs = p.regs[:len(p.regs)+1] // the slot's array, emptied by reset
			} else {
				p.regs = append(p.regs, nil)
			}
			c.regIdx = int32(len(p.regs))
		}
	}
	return &p.regs[c.regIdx-1]
}

// truncatedRoot reports whether a stack whose outermost frame is fn stops
// short of the goroutine's start function: a stack taken at an asynchronous
// preemption ends in the signal frame.
func truncatedRoot(fn string) bool {
	return fn == "runtime.asyncPreempt" || fn == "runtime.asyncPreempt2"
}

// transition is a goroutine state transition as the tracker needs it,
// decoded from an event either by x/exp/trace's StateTransition or by the
// fast path (fastpath.go).
type transition struct {
	id       trace.GoID
	from, to trace.GoState
	reason   strID       // local id of the reason string
	stack    trace.Stack // StateTransition.Stack: the goroutine's own stack, or a new goroutine's start
	evStack  trace.Stack // Event.Stack: the stack of the goroutine that emitted the event
	proc     int32       // Event.Proc
	by       trace.GoID  // Event.Goroutine: the waker of an unblock, the creator
}

// slowTransition decodes a goroutine transition with x/exp/trace.
func (p *partial) slowTransition(ev *trace.Event, st *trace.StateTransition, tr *transition) {
	tr.id = st.Resource.Goroutine()
	tr.from, tr.to = st.Goroutine()
	tr.reason = p.str(st.Reason)
	tr.stack = normStack(st.Stack)
	tr.evStack = normStack(ev.Stack())
	tr.proc = int32(ev.Proc())
	tr.by = ev.Goroutine()
}

// goTransition handles a goroutine state transition.
func (p *partial) goTransition(tr *transition, t int64) {
	from, to := tr.from, tr.to
	if from == goUndetermined || from == to {
		p.announce(tr, to, t)
		return
	}
	if from == goNotExist {
		g := p.create(tr, t)
		if !p.ts.off {
			p.critCreated(g, tr, t)
		}
		if p.obs != nil {
			p.obs.created(p, g, tr, t)
		}
		return
	}
	g := p.lookup(tr.id)
	if g == nil {
		// The first transition of a goroutine the generation announced (or,
		// breaking the format's rules, never did): its record begins here,
		// in state from since an earlier time; finish joins the
		// announcement's details to it.
		g = p.materialize(tr, from, t)
	}
	if p.obs != nil {
		p.observe(g, tr, t)
	}
	if p.ts.off {
		p.leave(g, tr, t)
		p.enter(g, tr, t)
		return
	}
	wake := g.state == goWaiting && to == goRunnable && tr.by != trace.NoGoroutine && tr.by != tr.id
	p.critLeave(g, tr, t)
	p.leave(g, tr, t)
	p.enter(g, tr, t)
	if wake {
		p.critWake(g, tr.by)
	}
}

// annRec is a goroutine a status event announced: in state since a time the
// generation does not know. Every generation re-announces every live
// goroutine and most do nothing more in it, so announcements are kept in a
// flat list, and a goroutine gets a record (gLocal) only when it moves.
type annRec struct {
	id    trace.GoID
	at    int64
	stack stackID
	name  strID // start function from stack, 0 if unknown
	proc  int32
	state trace.GoState
}

// announce handles a status event.
func (p *partial) announce(tr *transition, s trace.GoState, t int64) {
	if p.lookup(tr.id) != nil {
		return // re-stated after it moved: nothing new
	}
	a := annRec{id: tr.id, at: t, state: s, proc: tr.proc}
	if tr.stack != trace.NoStack {
		a.stack = p.stacks.intern(tr.stack)
		if fn := p.stacks.stacks[a.stack].root(); !truncatedRoot(fn) {
			a.name = p.str(fn)
		}
	}
	p.anns = append(p.anns, a)
}

// materialize makes the record of a goroutine in state s since before t.
func (p *partial) materialize(tr *transition, s trace.GoState, t int64) *gLocal {
	g := p.add(tr.id)
	g.annState, g.enterAt = s, t
	g.inPrefix = true
	g.state, g.since = s, t
	if tr.stack != trace.NoStack {
		g.annStack = p.stacks.intern(tr.stack)
		g.stack = g.annStack
		p.setName(g, g.annStack)
	}
	if g.name == 0 && !p.ts.off {
		// Critical-path chains name goroutines as they go: take the name
		// from the announcement now rather than when the generation ends.
		p.setName(g, p.annStack(tr.id))
	}
	switch s {
	case goRunning:
		g.p = tr.proc
		g.lastP = g.p
		g.ranLocal = true
	}
	// A goroutine announced in a syscall was in it when the generation
	// began: the merge counts it in the syscalls under way then.
	return g
}

// recordOf returns the record of goroutine id, which emitted an event at t
// on P proc, making it for a goroutine only announced so far: from its
// announcement when that is among the last few (a label follows its
// goroutine's status), else as Running (it emits events) since t;
// joinAnnouncements completes it from its announcement.
func (p *partial) recordOf(id trace.GoID, proc int32, t int64) *gLocal {
	if g := p.lookup(id); g != nil || id == trace.NoGoroutine {
		return g
	}
	for i := len(p.anns) - 1; i >= 0 && i >= len(p.anns)-8; i-- {
		if a := &p.anns[i]; a.id == id {
			tr := transition{id: id, proc: a.proc}
			g := p.materialize(&tr, a.state, a.at)
			if a.stack != 0 {
				g.annStack, g.stack = a.stack, a.stack
				p.setName(g, a.stack)
			}
			return g
		}
	}
	tr := transition{id: id, proc: proc}
	return p.materialize(&tr, goRunning, t)
}

// joinAnnouncements gives the records of goroutines that moved after their
// announcement the announcement's time and stack, and drops those
// announcements: what stays in anns is the goroutines that did not move.
func (p *partial) joinAnnouncements() {
	n := 0
	for _, a := range p.anns {
		g := p.lookup(a.id)
		if g == nil || g.retired {
			p.anns[n] = a
			n++
			continue
		}
		if g.created {
			continue // announced, then created anew: the trace is inconsistent
		}
		g.enterAt = min(g.enterAt, a.at)
		if a.stack != 0 {
			// The status stack is where the announced state began.
			g.annStack = a.stack
			if g.inPrefix {
				g.stack = a.stack
			}
			p.setName(g, a.stack)
		}
		switch {
		case a.state != goRunning:
		case g.inPrefix:
			if g.p < 0 {
				g.p = a.proc
			}
		case p.coldPeek(g).preP < 0:
			p.coldOf(g).preP = a.proc
		}
	}
	p.anns = p.anns[:n]
}

// observe hands a state change to the observer.
func (p *partial) observe(g *gLocal, tr *transition, t int64) {
	p.change = goChange{t: t, id: tr.id, g: g, prefix: g.inPrefix, tr: tr, by: tr.by}
	p.obs.goChange(p, &p.change)
}

// create handles a goroutine coming into existence.
func (p *partial) create(tr *transition, t int64) *gLocal {
	g := p.lookup(tr.id)
	if g == nil {
		g = p.add(tr.id)
	} else {
		// An id reused within one generation: the trace is inconsistent.
		// Start over with this goroutine.
		*g = gLocal{id: tr.id, firstRunP: -1, lastP: -1, openState: openState{p: -1}}
	}
	g.created, g.enterAt = true, t
	g.state, g.since = tr.to, t
	if tr.stack != trace.NoStack {
		p.setName(g, p.stacks.intern(tr.stack))
	}
	g.stack = p.stacks.intern(tr.evStack) // the creator's stack made it runnable
	if g.name != 0 {
		// Where the group's goroutines are started (the go statement).
		p.group(g.name).noteCreated(g.stack)
	}
	ga := &p.a.goroutines
	ga.created++
	if !g.system {
		ga.userCreated++
	}
	p.alive(t, 1)
	if tr.to == goSyscall {
		p.a.syscalls.enter(t)
	}
	return g
}

// leave closes g's open interval at t, on the transition tr.
func (p *partial) leave(g *gLocal, tr *transition, t int64) {
	from, to := g.state, tr.to
	if g.inAssist && from == goRunning {
		// The part of a mark assist the goroutine ran (not the time it
		// waited for a P or for work).
		p.a.gc.assistRun += max(t-max(g.since, p.assistStart(g)), 0)
	}
	if from == goRunning {
		sw := &p.a.switches
		switch to {
		case goWaiting, goRunnable:
			switch {
			case tr.reason != 0 && tr.reason == p.preempted:
				// To the run queue, or parked for a GC stack scan: either
				// way an involuntary switch.
				sw.preempted++
			case to == goWaiting:
				sw.blocked++
				sw.addBlocked(tr.reason, 1)
			default:
				sw.yielded++
			}
		case goSyscall:
			sw.syscall++
		case goNotExist:
			sw.exited++
		}
		// The goroutine's own stack names it.
		if g.name == 0 && tr.stack != trace.NoStack {
			p.setName(g, p.stacks.intern(tr.stack))
		}
	}
	if from == goSyscall {
		p.a.syscalls.leave(t)
	}
	if g.inPrefix {
		g.inPrefix = false
		g.preDone = true
		c := p.coldOf(g)
		c.preEnd, c.preTo, c.preGC = t, to, g.gc
		if g.state == goRunning {
			c.preP = g.p
		}
		return
	}
	// The span is built in place: a span value returned and copied is
	// assembled on the stack from stores of mixed widths, and reading it
	// back stalls on store forwarding (measured: 5% of the whole run).
	s := &p.closing
	s.openState = g.openState
	s.end, s.to, s.hasRun = t, to, g.ranLocal
	if from == goRunnable && !g.ranLocal && !g.created {
		// Whether the goroutine ran before this generation is known only
		// to the merge.
		p.coldOf(g).pendingRunnable += max(t-g.since, 0)
	}
	p.a.closeSpan(p.accOf(g), s)
}

// enter opens g's interval in state tr.to at t.
func (p *partial) enter(g *gLocal, tr *transition, t int64) {
	to := tr.to
	g.state, g.since = to, t
	g.reason, g.cat, g.stack, g.gc = 0, catUnknown, 0, false
	switch to {
	case goRunning:
		pid := tr.proc
		g.p = pid
		if tr.from == goRunnable {
			sw := &p.a.switches
			sw.total++
			p.a.procs.addSwitch(int(pid))
			p.a.timeline.addSwitch(t)
			if g.lastP >= 0 && g.lastP != pid {
				sw.migrations++
			} else if g.lastP < 0 && !g.created && g.firstRunP < 0 {
				g.firstRunP = pid
			}
		}
		g.lastP = pid
		g.ranLocal = true
	case goRunnable:
		g.reason = tr.reason
		g.stack = p.stacks.intern(tr.evStack)
	case goWaiting:
		g.reason = tr.reason
		g.cat = p.cats[g.reason]
		g.stack = p.stacks.intern(tr.stack)
	case goSyscall:
		g.stack = p.stacks.intern(tr.stack)
		g.p = tr.proc
		p.a.syscalls.enter(t)
	case goNotExist:
		g.ended = true
		if !g.created {
			p.coldOf(g).endAt = t // the merge knows when it was created
		}
		ga := &p.a.goroutines
		ga.ended++
		p.alive(t, -1)
		if g.created && !g.system {
			ga.userEnded++
			ga.lifetime.Add(uint64(max(t-g.enterAt, 0)))
		}
		if g.created {
			p.retire(g)
		}
	}
}

// rangeEvent handles GC, STW, mark assist and sweep ranges.
func (p *partial) rangeEvent(ev *trace.Event, k trace.EventKind, t int64) {
	key, reason := classifyRange(ev.Range())
	if key.kind == rkNone {
		return
	}
	var rid strID
	if reason != "" {
		rid = p.str(reason)
	}
	if isSTW(key.kind) && !p.ts.off {
		p.stw(k != trace.EventRangeEnd, t)
	}
	switch k {
	case trace.EventRangeBegin:
		if key.kind == rkMark {
			p.a.gc.cycles++
		}
		o := openRange{start: t, reason: rid, known: true}
		if stacked(key.kind) {
			o.stack = p.stacks.intern(ev.Stack())
		}
		p.openRanges[key] = o
		p.assist(key, true, t)
	case trace.EventRangeActive:
		p.openRanges[key] = openRange{reason: rid}
		p.assist(key, true, t)
	case trace.EventRangeEnd:
		p.assist(key, false, t)
		o, ok := p.openRanges[key]
		delete(p.openRanges, key)
		if ok && o.known {
			p.a.gc.complete(key.kind, o.reason, t-o.start)
			if stacked(key.kind) {
				p.a.gc.addStack(key.kind, o.stack, t-o.start)
			}
		} else {
			if ok && o.reason != 0 {
				rid = o.reason
			}
			p.rangeEnds = append(p.rangeEnds, rangeEnd{key: key, t: t, reason: rid})
		}
	}
}

// assist marks the goroutine of a mark assist range as assisting (begin or
// active) or not (end); at the end, the part of the assist it ran since
// its run began counts.
func (p *partial) assist(key rangeKey, on bool, t int64) {
	if key.kind != rkAssist {
		return
	}
	g := p.lookup(trace.GoID(key.id))
	if g == nil {
		return
	}
	if !on && g.inAssist && g.state == goRunning {
		p.a.gc.assistRun += max(t-max(g.since, p.assistStart(g)), 0)
	}
	g.inAssist = on
}

// assistStart is when g's open mark assist began, or the generation's
// first event for one active since an earlier generation.
func (p *partial) assistStart(g *gLocal) int64 {
	if o := p.openRanges[rangeKey{kind: rkAssist, id: int64(g.id)}]; o.known {
		return o.start
	}
	return p.first
}

// finish records what stays open at the end of the generation.
func (p *partial) finish() {
	p.joinAnnouncements()
	p.flushAlive()
	p.a.syscalls.conc.commit()
	if !p.ts.off {
		p.taskFinish()
	}
	if p.obs != nil {
		p.obs.finish(p)
	}
	for k, o := range p.openRanges {
		if o.known {
			p.rangesOpen = append(p.rangesOpen, rangeOpen{key: k, start: o.start, reason: o.reason})
		}
	}
	// Map order must not leak into results.
	sortRangesOpen(p.rangesOpen)
}

// taskOf returns the task of a task-begin or task-end event: a task end's
// as the decoding goroutine read it, when another goroutine decodes.
func (p *partial) taskOf(ev *trace.Event) trace.Task {
	if p.endTask != nil && ev.Kind() == trace.EventTaskEnd {
		return *p.endTask
	}
	return ev.Task()
}
