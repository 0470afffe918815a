package analyzer

import (
	"cmp"
	"slices"

	"golang.org/x/exp/trace"
)

// Task and region instances: their breakdowns (where the time of the
// goroutines that worked on them went) and their critical paths.
//
// The goroutines that work on a task are the one that began it, those that
// had a region or a log in it, and those that goroutines of the task
// created; each is a member from the moment it became one until the task
// ended or the goroutine did. A region's only member is its goroutine.
// Every transition of a member adds the time of the state it leaves to the
// instances it is a member of (a goroutine is a member of few at once), so
// a breakdown costs nothing for goroutines outside tasks and regions.

// Breakdown slots: the time categories (catExec: running, catSched:
// runnable, catSyscall, and the wait categories), then these.
const (
	slotAssist = numCats + iota // running a GC mark assist
	slotSTW                     // while the world was stopped
	slotUnattr                  // no member was known
	numSlots
)

// breakdown is an instance's or a type's time by slot, in ns.
type breakdown [numSlots]int64

func (b *breakdown) add(o *breakdown) {
	for i := range b {
		b[i] += o[i]
	}
}

// taskInst is an open task or region of the generation.
type taskInst struct {
	bd        breakdown
	start     int64 // the generation's first event for one begun earlier
	zeroSince int64 // when the instance last had no member
	id        trace.TaskID
	g         trace.GoID // a region's goroutine
	typ       strID
	active    int32 // members
	members   int32 // 1 + index in taskPart.mems of the first member
	region    bool
	foreign   bool // begun in an earlier generation
	live      bool
}

// member is a goroutine's membership of an instance, on two lists: the
// goroutine's (gLocal.mem) and the instance's.
type member struct {
	join  int64 // the time counted up to
	stwAt int64 // stwCum at join
	g     trace.GoID
	inst  int32 // index in taskPart.insts; -1 when the instance ended
	nextG int32 // 1 + index of the goroutine's next membership
	nextI int32 // 1 + index of the instance's next member
	inG   bool  // on the goroutine's list
	inI   bool  // on the instance's list
	gone  bool  // the goroutine ended
}

// crossInst is the part of an instance a generation saw, for the merge:
// an instance still open at the end of the generation, or one that began
// in an earlier generation.
type crossInst struct {
	bd     breakdown
	start  int64 // begun in this generation: when
	end    int64 // ended in this generation: when; else 0
	id     trace.TaskID
	g      trace.GoID
	typ    strID
	region bool
	ended  bool
	begun  bool // begun in this generation
}

// pendingWalk is a critical path that goes on in an earlier generation:
// that of an instance that ended in this generation and began before it.
type pendingWalk struct {
	rows   []pathAcc // local ids
	how    walkEnd   // walkBoundary or walkLost
	contG  trace.GoID
	contAt int64 // where the walk stopped
	end    int64
	id     trace.TaskID
	g      trace.GoID
}

// taskPart is a generation's task and region state.
type taskPart struct {
	crit      critStore
	w         walker
	insts     []taskInst
	freeInsts []int32
	mems      []member
	freeMems  []int32
	foreign   map[trace.TaskID]int32 // 1 + inst of tasks begun earlier
	// Stop-the-world time so far: stwClosed of completed pauses, and the
	// open one since stwOpen (stwDepth pauses open).
	stwClosed, stwOpen int64
	stwDepth           int
	// annIdx indexes the announcements (partial.anns) up to annSorted by
	// goroutine id (annStack).
	annIdx    []annRef
	annSorted int
	cross     []crossInst
	starts    []int64 // scratch: starts of open instances
	pending   []pendingWalk
	off       bool // tasks and regions are not analyzed (benchmarks)
}

func (ts *taskPart) reset() {
	ts.crit.reset()
	ts.w.rows = ts.w.rows[:0]
	ts.w.frames = ts.w.frames[:0]
	ts.insts = ts.insts[:0]
	ts.freeInsts = ts.freeInsts[:0]
	ts.mems = ts.mems[:0]
	ts.freeMems = ts.freeMems[:0]
	if ts.foreign == nil {
		ts.foreign = map[trace.TaskID]int32{}
	}
	clear(ts.foreign)
	ts.stwClosed, ts.stwOpen, ts.stwDepth = 0, 0, 0
	ts.cross = ts.cross[:0]
	ts.pending = ts.pending[:0]
	ts.annIdx, ts.annSorted = ts.annIdx[:0], 0
}

// annRef is an announcement's goroutine and stack.
type annRef struct {
	id    trace.GoID
	stack stackID
}

// annStack returns the stack the generation announced goroutine id with,
// or 0.
func (p *partial) annStack(id trace.GoID) stackID {
	ts := &p.ts
	if len(p.anns)-ts.annSorted > 64 {
		ts.annIdx = ts.annIdx[:0]
		for _, a := range p.anns {
			ts.annIdx = append(ts.annIdx, annRef{a.id, a.stack})
		}
		slices.SortStableFunc(ts.annIdx, func(a, b annRef) int { return cmp.Compare(a.id, b.id) })
		ts.annSorted = len(p.anns)
	}
	for i := len(p.anns) - 1; i >= ts.annSorted; i-- {
		if a := &p.anns[i]; a.id == id {
			return a.stack
		}
	}
	if i, ok := slices.BinarySearchFunc(ts.annIdx, id, func(a annRef, id trace.GoID) int { return cmp.Compare(a.id, id) }); ok {
		return ts.annIdx[i].stack
	}
	return 0
}

// stwCum is the stop-the-world time of the generation up to t.
func (ts *taskPart) stwCum(t int64) int64 {
	if ts.stwDepth > 0 {
		return ts.stwClosed + max(t-ts.stwOpen, 0)
	}
	return ts.stwClosed
}

// stw records a stop-the-world pause beginning (on) or ending at t.
func (p *partial) stw(on bool, t int64) {
	ts := &p.ts
	if on {
		if ts.stwDepth == 0 {
			ts.stwOpen = t
		}
		ts.stwDepth++
		return
	}
	if ts.stwDepth == 0 {
		// Begun in an earlier generation.
		ts.stwClosed += max(t-p.first, 0)
		return
	}
	ts.stwDepth--
	if ts.stwDepth == 0 {
		ts.stwClosed += max(t-ts.stwOpen, 0)
	}
}

// stackFrames and internStr let a walk name user frames (stackTables).
func (p *partial) stackFrames(id stackID) []Frame { return p.stacks.stacks[id].frames }
func (p *partial) internStr(s string) strID       { return p.str(s) }
func (p *partial) goName(id trace.GoID) strID {
	if g := p.lookup(id); g != nil {
		return g.name
	}
	return 0
}

// critLeave is called on every goroutine transition, before the tracker
// leaves g's state: it counts the state's time into g's instances and puts
// the state on g's chain (a wait a goroutine ends is replaced by the
// waker's history after the transition, in critWake).
func (p *partial) critLeave(g *gLocal, tr *transition, t int64) {
	if g.mem != 0 {
		p.account(g, t)
		if tr.to == goNotExist {
			p.leaveAll(g, t)
		}
	}
	switch {
	case tr.to == goNotExist:
		return
	case g.state == goWaiting && tr.to == goRunnable && tr.by != trace.NoGoroutine && tr.by != tr.id:
		return // critWake
	}
	s := &p.ts.crit
	if g.inPrefix {
		g.crit = s.boundary(g.id, g.state, g.name, p.first)
	} else {
		n, ref := s.alloc()
		*n = critNode{since: g.since, id: g.id, prev: g.crit, name: g.name, state: g.state}
		switch g.state {
		case goWaiting:
			n.reason, n.stack = g.reason, g.stack
		case goSyscall:
			n.stack = g.stack
		}
		g.crit = ref
	}
	if s.full() {
		p.critCompact()
	}
}

// critWake puts the waker's (or creator's) history on g's chain: g was
// woken or created at its since by goroutine by, whose stack then was
// g.stack.
func (p *partial) critWake(g *gLocal, by trace.GoID) {
	s := &p.ts.crit
	w := p.lookup(by)
	if w == nil {
		w = p.recordOf(by, -1, g.since)
	}
	switch {
	case w == nil || w.inPrefix:
		var name strID
		st := goRunning
		if w != nil {
			name, st = w.name, w.state
		}
		g.crit = s.boundary(by, st, name, p.first)
		s.at(g.crit).stack = g.stack
		s.at(g.crit).flags |= nodeWaker
	default:
		g.crit = s.push(critNode{since: w.since, id: by, prev: w.crit, name: w.name, state: w.state, stack: g.stack, flags: nodeWaker})
	}
	if s.full() {
		p.critCompact()
	}
}

// critCreated starts the chain of a goroutine created by another, and
// makes it a member of the creator's tasks.
func (p *partial) critCreated(g *gLocal, tr *transition, t int64) {
	if tr.by == trace.NoGoroutine || tr.by == g.id {
		return
	}
	p.critWake(g, tr.by)
	c := p.lookup(tr.by)
	if c == nil || c.mem == 0 || g.system {
		return // the runtime's goroutines (GC workers) work for no task
	}
	for ref := c.mem; ref != 0; {
		m := &p.ts.mems[ref-1]
		ref = m.nextG
		if m.inst >= 0 && !m.gone && !p.ts.insts[m.inst].region {
			p.join(g, m.inst, t)
		}
	}
}

// critCompact compacts the generation's arena: what no open instance of
// the generation can reach is dropped, and with it what a task begun
// before the generation would still need unless one is known to be open.
func (p *partial) critCompact() {
	ts := &p.ts
	ts.starts = ts.starts[:0]
	for i := range ts.insts {
		if in := &ts.insts[i]; in.live {
			ts.starts = append(ts.starts, in.start)
		}
	}
	slices.Sort(ts.starts)
	ts.crit.compact(func(yield func(*int32) bool) {
		for _, g := range p.gs.all() {
			if g.crit != 0 && !yield(&g.crit) {
				return
			}
		}
	}, ts.starts, p.last)
}

// newInst opens an instance.
func (p *partial) newInst(in taskInst) int32 {
	ts := &p.ts
	in.live = true
	in.zeroSince = in.start
	if n := len(ts.freeInsts); n > 0 {
		i := ts.freeInsts[n-1]
		ts.freeInsts = ts.freeInsts[:n-1]
		ts.insts[i] = in
		return i
	}
	ts.insts = append(ts.insts, in)
	return int32(len(ts.insts) - 1)
}

// join makes g a member of instance i from t.
func (p *partial) join(g *gLocal, i int32, t int64) {
	ts := &p.ts
	for ref := g.mem; ref != 0; ref = ts.mems[ref-1].nextG {
		if m := &ts.mems[ref-1]; m.inst == i && !m.gone {
			return
		}
	}
	in := &ts.insts[i]
	if in.active == 0 {
		in.bd[slotUnattr] += max(t-in.zeroSince, 0)
	}
	in.active++
	m := member{join: t, stwAt: ts.stwCum(t), g: g.id, inst: i, nextG: g.mem, nextI: in.members, inG: true, inI: true}
	var ref int32
	if n := len(ts.freeMems); n > 0 {
		ref = ts.freeMems[n-1] + 1
		ts.freeMems = ts.freeMems[:n-1]
		ts.mems[ref-1] = m
	} else {
		ts.mems = append(ts.mems, m)
		ref = int32(len(ts.mems))
	}
	g.mem, in.members = ref, ref
}

// account counts g's open state up to t into its instances, and drops the
// memberships of instances that ended.
func (p *partial) account(g *gLocal, t int64) {
	ts := &p.ts
	link := &g.mem
	for *link != 0 {
		ref := *link
		m := &ts.mems[ref-1]
		if m.inst < 0 {
			*link = m.nextG
			m.inG = false
			if !m.inI {
				ts.freeMems = append(ts.freeMems, ref-1)
			}
			continue
		}
		p.accountOne(g, m, t)
		link = &m.nextG
	}
}

// accountOne counts g's open state from m.join to t into m's instance.
func (p *partial) accountOne(g *gLocal, m *member, t int64) {
	ts := &p.ts
	since := g.since
	if g.inPrefix {
		since = p.first
	}
	from := max(since, m.join)
	d := t - from
	stw := ts.stwCum(t)
	if d > 0 {
		in := &ts.insts[m.inst]
		// A stop of the world holds up a goroutine that would run, not
		// one that waits.
		s := min(stw-m.stwAt, d)
		if s > 0 && g.state != goWaiting {
			in.bd[slotSTW] += s
			d -= s
		}
		slot := catExec
		switch g.state {
		case goRunning:
			if g.inAssist {
				a := min(t-max(from, p.assistStart(g)), d)
				if a > 0 {
					in.bd[slotAssist] += a
					d -= a
				}
			}
		case goRunnable:
			slot = catSched
		case goSyscall:
			slot = catSyscall
		case goWaiting:
			slot = int(g.cat)
		}
		in.bd[slot] += d
	}
	m.join, m.stwAt = max(t, m.join), stw
}

// leaveAll ends g's memberships: the goroutine ended at t.
func (p *partial) leaveAll(g *gLocal, t int64) {
	ts := &p.ts
	for ref := g.mem; ref != 0; {
		m := &ts.mems[ref-1]
		next := m.nextG
		if m.inst >= 0 && !m.gone {
			in := &ts.insts[m.inst]
			in.active--
			if in.active == 0 {
				in.zeroSince = t
			}
		}
		m.gone, m.inG = true, false
		if !m.inI {
			ts.freeMems = append(ts.freeMems, ref-1)
		}
		ref = next
	}
	g.mem = 0
}

// closeInst counts the members' time up to t into instance i and ends it
// (or, with keep, only counts: the generation ends).
func (p *partial) closeInst(i int32, t int64, keep bool) {
	ts := &p.ts
	for ref := ts.insts[i].members; ref != 0; {
		m := &ts.mems[ref-1]
		next := m.nextI
		if !m.gone {
			if g := p.lookup(m.g); g != nil {
				p.accountOne(g, m, t)
			}
		}
		if !keep {
			m.inst, m.inI = -1, false
			if !m.inG {
				ts.freeMems = append(ts.freeMems, ref-1)
			}
		}
		ref = next
	}
	in := &ts.insts[i]
	if in.active == 0 {
		in.bd[slotUnattr] += max(t-in.zeroSince, 0)
		in.zeroSince = t
	}
	if !keep {
		in.live = false
		in.members = 0
		ts.freeInsts = append(ts.freeInsts, i)
	}
}

// walkFrom walks the critical path back from goroutine id at end to start,
// into p.ts.w.rows (emptied first).
func (p *partial) walkFrom(id trace.GoID, end, start int64) (walkEnd, trace.GoID, int64) {
	ts := &p.ts
	s := &ts.crit
	ts.w.rows, ts.w.steps = ts.w.rows[:0], 0
	g := p.lookup(id)
	var head critNode
	switch {
	case g == nil || g.inPrefix:
		head = critNode{since: p.first, id: id, state: goRunning, flags: nodeBoundary}
		if g != nil {
			head.name = g.name
		}
	default:
		head = critNode{since: g.since, id: id, prev: g.crit, name: g.name, state: g.state}
		if g.state == goWaiting {
			head.reason, head.stack = g.reason, g.stack
		}
	}
	how, contG, contAt := ts.w.walk(s, &head, end, start, p)
	if how == walkLost && start != noStart {
		ts.w.add(keyUnattributed, contAt-start)
	}
	return how, contG, contAt
}

// taskBegin handles a task's begin on goroutine gid at t.
func (p *partial) taskBegin(id trace.TaskID, typ strID, gid trace.GoID, proc int32, t int64) int32 {
	i := p.newInst(taskInst{id: id, typ: typ, start: t})
	if g := p.recordOf(gid, proc, t); g != nil {
		p.join(g, i, t)
	}
	return i
}

// taskJoin makes the goroutine of a region or log in task id a member.
func (p *partial) taskJoin(id trace.TaskID, g *gLocal, t int64) {
	if id == 0 || g == nil || p.ts.off {
		return
	}
	if o, ok := p.openTasks[id]; ok {
		p.join(g, o.inst, t)
		return
	}
	p.join(g, p.foreignInst(id), t)
}

// foreignInst returns the instance of task id, begun in an earlier
// generation, making it.
func (p *partial) foreignInst(id trace.TaskID) int32 {
	if ref := p.ts.foreign[id]; ref != 0 {
		return ref - 1
	}
	i := p.newInst(taskInst{id: id, start: p.first, foreign: true})
	p.ts.foreign[id] = i + 1
	return i
}

// taskEnded handles the end of a task begun in this generation.
func (p *partial) taskEnded(o openTask, gid trace.GoID, t int64) {
	i := o.inst
	p.closeInst(i, t, false)
	in := &p.ts.insts[i]
	k := kindOf(p.a.ann.tasks, o.typ)
	k.bd.add(&in.bd)
	p.walkFrom(gid, t, o.start)
	k.addPath(&p.ts.w, slowInst{id: uint64(in.id), start: o.start, end: t})
}

// taskEndedForeign handles the end of a task begun in an earlier
// generation: its part of the breakdown and its path go to the merge.
func (p *partial) taskEndedForeign(id trace.TaskID, typ strID, gid trace.GoID, t int64) int32 {
	i := p.foreignInst(id)
	p.closeInst(i, t, false)
	p.ts.cross = append(p.ts.cross, crossInst{bd: p.ts.insts[i].bd, end: t, id: id, typ: typ, ended: true})
	delete(p.ts.foreign, id)
	return p.pend(gid, t, id)
}

// pend walks a path back to the generation's start and keeps it for the
// merge; it returns 1 + its index.
func (p *partial) pend(gid trace.GoID, t int64, id trace.TaskID) int32 {
	how, contG, contAt := p.walkFrom(gid, t, noStart)
	p.ts.pending = append(p.ts.pending, pendingWalk{
		rows: slices.Clone(p.ts.w.rows), how: how, contG: contG, contAt: contAt, end: t, id: id, g: gid,
	})
	return int32(len(p.ts.pending))
}

// regionBegin opens a region instance on g at t.
func (p *partial) regionBegin(g *gLocal, typ strID, task trace.TaskID, t int64) int32 {
	i := p.newInst(taskInst{typ: typ, start: t, g: g.id, region: true})
	p.join(g, i, t)
	p.taskJoin(task, g, t)
	return i + 1
}

// regionEnded handles the end of a region begun in this generation.
func (p *partial) regionEnded(o openRegion, gid trace.GoID, t int64) {
	if o.inst == 0 {
		return
	}
	i := o.inst - 1
	p.closeInst(i, t, false)
	k := kindOf(p.a.ann.regions, o.typ)
	k.bd.add(&p.ts.insts[i].bd)
	p.walkFrom(gid, t, o.start)
	k.addPath(&p.ts.w, slowInst{g: gid, start: o.start, end: t})
}

// taskFinish exports, at the end of the generation, the instances still
// open and the parts of those begun earlier.
func (p *partial) taskFinish() {
	ts := &p.ts
	for i := range ts.insts {
		in := &ts.insts[i]
		if !in.live {
			continue
		}
		p.closeInst(int32(i), p.last, true)
		if in.region && in.foreign {
			continue
		}
		ts.cross = append(ts.cross, crossInst{bd: in.bd, start: in.start, id: in.id, g: in.g, typ: in.typ, region: in.region, begun: !in.foreign})
	}
	// Map order must not leak into results.
	slices.SortFunc(ts.cross, func(a, b crossInst) int {
		if c := cmp.Compare(a.end, b.end); c != 0 {
			return c
		}
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		if c := cmp.Compare(a.g, b.g); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
}

// slowInst is one of the slowest instances of a type, with its path.
type slowInst struct {
	rows       []pathAcc
	id         uint64
	g          trace.GoID
	start, end int64
}

func (s *slowInst) latency() int64 { return s.end - s.start }

// slower orders instances slowest first, then by start.
func slower(a, b *slowInst) int {
	if c := cmp.Compare(b.latency(), a.latency()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.start, b.start); c != 0 {
		return c
	}
	if c := cmp.Compare(a.id, b.id); c != 0 {
		return c
	}
	return cmp.Compare(a.g, b.g)
}

// kindOf returns the accumulator of type typ, making it.
func kindOf(m map[strID]*kindAcc, typ strID) *kindAcc {
	k := m[typ]
	if k == nil {
		k = new(kindAcc)
		m[typ] = k
	}
	return k
}

// addPath adds the path in w.rows of instance s.
func (k *kindAcc) addPath(w *walker, s slowInst) {
	for _, r := range w.rows {
		k.path.add(r.key, r.ns)
		k.pathNS += r.ns
	}
	k.paths++
	if len(k.slow) == MaxSlowest && slower(&s, &k.slow[MaxSlowest-1]) >= 0 {
		return
	}
	s.rows = slices.Clone(w.rows)
	k.insertSlow(s)
}

func (k *kindAcc) insertSlow(s slowInst) {
	i, _ := slices.BinarySearchFunc(k.slow, &s, func(a slowInst, b *slowInst) int { return slower(&a, b) })
	k.slow = slices.Insert(k.slow, i, s)
	if len(k.slow) > MaxSlowest {
		k.slow = k.slow[:MaxSlowest]
	}
}

// mergePaths adds o's breakdown and paths, translating ids.
func (k *kindAcc) mergePaths(o *kindAcc, m *remap) {
	k.bd.add(&o.bd)
	for _, r := range o.path.rows {
		k.path.add(r.key.remapped(m), r.ns)
	}
	k.pathNS += o.pathNS
	k.paths += o.paths
	for _, s := range o.slow {
		if len(k.slow) == MaxSlowest && slower(&s, &k.slow[MaxSlowest-1]) >= 0 {
			continue
		}
		rows := make([]pathAcc, len(s.rows))
		for i, r := range s.rows {
			rows[i] = pathAcc{key: r.key.remapped(m), ns: r.ns}
		}
		s.rows = rows
		k.insertSlow(s)
	}
}

func (k pathKey) remapped(m *remap) pathKey {
	k.name, k.reason, k.file = m.s(k.name), m.s(k.reason), m.s(k.file)
	if k.name == 0 && k.id != 0 && m.goName != nil {
		if k.name = m.goName(k.id); k.name != 0 {
			k.id = 0
		}
	}
	return k
}
