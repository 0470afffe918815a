package analyzer

import (
	"fmt"
	"hash/fnv"
	"strings"

	"golang.org/x/exp/trace"
	"google.golang.org/protobuf/encoding/protowire"

	pf "github.com/gotrace/gotrace/analyzer/perfetto"
)

// The Perfetto timeline of one generation (see export.go for the layout).
// genExporter observes the generation's tracker and writes, in event order:
//   - scheduling in ftrace's compact form, one column set per P: a switch
//     when a goroutine starts or stops running on the P, a waking when one
//     becomes runnable (on the P of the goroutine that woke or created it);
//   - track events on sequence seqBody: wait and syscall slices with their
//     reason and stack on goroutine tracks, syscalls on thread tracks, GC
//     ranges, tasks, regions, logs, CPU samples and counters, all interned
//     anew in each generation.

// Sequences of the exported trace.
const (
	seqBody   = 1 // per-generation bodies: incremental clock, interning
	noPCPU    = 1023
	prioGo    = 120 // the priority written for every goroutine
	stateIRQ  = 0x08
	counterNS = 100_000 // runnable and syscall counters: at most one value per counter per 100 µs
)

// Task states of sched_switch's prev_state, as Perfetto reads them (the
// kernel 4.4 layout it assumes without system info).
const (
	prevRunnable  = 0      // R: yielded
	prevSleeping  = 1      // S: Waiting
	prevDisk      = 2      // D: in a syscall
	prevDead      = 0x10   // X: ended
	prevPreempted = 0x0800 // R+: preempted
)

// Track uuids: an id shifted left by three bits, or'ed with its kind.
const (
	uuidGoroutine = 1
	uuidThread    = 2
	uuidTask      = 3
	uuidGroup     = 4
	uuidFixed     = 5
	uuidSweep     = 6
)

// Fixed tracks.
const (
	trGoroutines = iota + 1
	trThreads
	trGC
	trGCMark
	trSTW
	trTasks
	trLogs
	trCounters
	trAlive
	trRunnable
	trSyscall
	trHeap
	trGoal
	trProcs
	numFixed
)

func uuid(id uint64, kind uint64) uint64 { return id<<3 | kind }

func goUUID(id trace.GoID) uint64         { return uuid(uint64(id), uuidGoroutine) }
func threadUUID(id trace.ThreadID) uint64 { return uuid(uint64(id), uuidThread) }
func taskUUID(id trace.TaskID) uint64     { return uuid(uint64(id), uuidTask) }
func fixedUUID(id int) uint64             { return uuid(uint64(id), uuidFixed) }

// goTID is the thread id a goroutine is given in the timeline.
func goTID(id trace.GoID) int64 { return int64(uint64(id) & 0x3fffffff) }

// groupPID is the process id of a goroutine group: a hash of its start
// function, in a range no goroutine id below 2^30 reaches.
func groupPID(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int64(0x40000000 | h.Sum32()&0x3fffffff)
}

// Names every generation interns first, by iid.
var fixedNames = []string{
	"", "syscall", "GC mark assist", "GC concurrent mark phase", "GC incremental sweep",
	"CPU sample", "waiting",
}

const (
	nameSyscall = iota + 1
	nameAssist
	nameMark
	nameSweep
	nameSample
	nameWaiting
	numFixedNames
)

// schedCols are the compact-sched columns of one P.
type schedCols struct {
	swTS, swState, swPID, swPrio, swComm []byte
	wkTS, wkPID, wkCPU, wkPrio, wkComm   []byte
	wkFlags                              []byte
	lastSw, lastWk                       int64
	nSw, nWk                             int
	used                                 bool
}

func (c *schedCols) reset() {
	*c = schedCols{
		swTS: c.swTS[:0], swState: c.swState[:0], swPID: c.swPID[:0], swPrio: c.swPrio[:0], swComm: c.swComm[:0],
		wkTS: c.wkTS[:0], wkPID: c.wkPID[:0], wkCPU: c.wkCPU[:0], wkPrio: c.wkPrio[:0], wkComm: c.wkComm[:0],
		wkFlags: c.wkFlags[:0],
	}
}

func (c *schedCols) sw(t int64, state uint64, pid int64) {
	d := t
	if c.nSw > 0 {
		d = t - c.lastSw
	}
	c.lastSw = t
	c.nSw++
	c.swTS = protowire.AppendVarint(c.swTS, uint64(max(d, 0)))
	c.swState = protowire.AppendVarint(c.swState, state)
	c.swPID = protowire.AppendVarint(c.swPID, uint64(pid))
	c.swPrio = append(c.swPrio, prioGo)
	c.swComm = append(c.swComm, 0)
	c.used = true
}

func (c *schedCols) wake(t int64, pid int64, cpu int, flags uint64) {
	d := t
	if c.nWk > 0 {
		d = t - c.lastWk
	}
	c.lastWk = t
	c.nWk++
	c.wkTS = protowire.AppendVarint(c.wkTS, uint64(max(d, 0)))
	c.wkPID = protowire.AppendVarint(c.wkPID, uint64(pid))
	c.wkCPU = protowire.AppendVarint(c.wkCPU, uint64(cpu))
	c.wkPrio = append(c.wkPrio, prioGo)
	c.wkComm = append(c.wkComm, 0)
	c.wkFlags = protowire.AppendVarint(c.wkFlags, flags)
	c.used = true
}

// maxBundle is how many events a bundle holds before it is written out.
const maxBundle = 1 << 14

// flush writes the columns as one FtraceEventBundle packet for cpu.
func (c *schedCols) flush(e *pf.Enc, cpu int) {
	if c.nSw == 0 && c.nWk == 0 {
		return
	}
	e.Begin(pf.TracePacketField)
	e.Begin(pf.PacketFtraceEvents)
	e.Uint(pf.BundleCPU, uint64(cpu))
	e.Begin(pf.BundleCompactSched)
	e.String(pf.SchedInternTable, "")
	e.Packed(pf.SwitchTimestamp, c.swTS)
	e.Packed(pf.SwitchPrevState, c.swState)
	e.Packed(pf.SwitchNextPID, c.swPID)
	e.Packed(pf.SwitchNextPrio, c.swPrio)
	e.Packed(pf.SwitchNextComm, c.swComm)
	e.Packed(pf.WakingTimestamp, c.wkTS)
	e.Packed(pf.WakingPID, c.wkPID)
	e.Packed(pf.WakingTargetCPU, c.wkCPU)
	e.Packed(pf.WakingPrio, c.wkPrio)
	e.Packed(pf.WakingComm, c.wkComm)
	e.Packed(pf.WakingFlags, c.wkFlags)
	e.End()
	e.End()
	e.End()
	used := c.used
	c.reset()
	c.used = used
}

// counterAcc is an incremental counter of the body: deltas add up until
// they are written, at most once per counterNS.
type counterAcc struct {
	pend  int64
	lastT int64
	track int
}

// genExporter is the per-generation observer that writes the timeline.
type genExporter struct {
	x        *exporter
	base     int64 // timestamp the body's incremental clock starts from
	lastT    int64
	te       pf.Enc   // packets of sequence seqBody and track descriptors
	bun      pf.Enc   // ftrace bundles
	total    [3]int64 // the counters' deltas in this generation
	packetTS int64
	in       pf.Enc // interned data of the packet being built
	ev       pf.Enc // the track event being built
	sched    []schedCols
	stk      pf.Enc // scratch

	nameDone   []bool // by iid
	stackDone  []bool // by local stack id
	funcIIDs   map[string]uint64
	fileIIDs   map[string]uint64
	frameIID   uint64
	groupsDone map[strID]bool
	threads    map[trace.ThreadID]bool
	sweeps     map[int64]bool
	sysM       map[trace.GoID]trace.ThreadID // syscalls begun here: their thread
	counters   [3]counterAcc
	started    bool
}

func newGenExporter(x *exporter) *genExporter {
	e := &genExporter{x: x}
	e.funcIIDs = map[string]uint64{}
	e.fileIIDs = map[string]uint64{}
	e.groupsDone = map[strID]bool{}
	e.threads = map[trace.ThreadID]bool{}
	e.sweeps = map[int64]bool{}
	e.sysM = map[trace.GoID]trace.ThreadID{}
	return e
}

func (e *genExporter) reset() {
	e.te.Reset()
	e.in.Reset()
	e.bun.Reset()
	e.total = [3]int64{}
	for i := range e.sched {
		e.sched[i].reset()
	}
	clear(e.nameDone)
	e.nameDone = e.nameDone[:0]
	clear(e.stackDone)
	e.stackDone = e.stackDone[:0]
	clear(e.funcIIDs)
	clear(e.fileIIDs)
	e.frameIID = 0
	clear(e.groupsDone)
	clear(e.threads)
	clear(e.sweeps)
	clear(e.sysM)
	e.counters = [3]counterAcc{{track: trAlive}, {track: trRunnable}, {track: trSyscall}}
	e.started = false
	e.base, e.lastT = 0, 0
}

// begin starts a packet of the body at t.
func (e *genExporter) begin(p *partial, t int64) {
	if !e.started {
		e.started = true
		e.base = p.first
		e.lastT = e.base
	}
	e.ev.Reset()
	e.ev.Begin(pf.PacketTrackEvent)
	e.packetTS = t
}

// end finishes the packet begun with begin.
func (e *genExporter) end() {
	e.ev.End()
	b := &e.te
	b.Begin(pf.TracePacketField)
	t := e.packetTS
	b.Uint(pf.PacketTimestamp, uint64(max(t-e.lastT, 0)))
	if t > e.lastT {
		e.lastT = t
	}
	b.Uint(pf.PacketSequenceID, seqBody)
	b.Uint(pf.PacketSequenceFlags, pf.SeqNeedsIncrementalState)
	if len(e.in.B) > 0 {
		b.Bytes(pf.PacketInternedData, e.in.B)
		e.in.Reset()
	}
	b.B = append(b.B, e.ev.B...)
	b.End()
}

// name returns the iid of a fixed name (id < numFixedNames) or of local
// string s (id numFixedNames+s), interning it on first use.
func (e *genExporter) nameIID(p *partial, fixed int, s strID) uint64 {
	iid := uint64(fixed)
	str := ""
	if fixed == 0 {
		iid = uint64(numFixedNames) + uint64(s)
		str = p.strs.str(s)
	} else {
		str = fixedNames[fixed]
	}
	for uint64(len(e.nameDone)) <= iid {
		e.nameDone = append(e.nameDone, false)
	}
	if !e.nameDone[iid] {
		e.nameDone[iid] = true
		e.in.Begin(pf.InternedEventNames)
		e.in.Uint(pf.InternIID, iid)
		e.in.String(pf.InternName, cleanString(str))
		e.in.End()
	}
	return iid
}

// stackIID returns the callstack iid of local stack k (0: none), interning
// its frames on first use.
func (e *genExporter) stackIID(p *partial, k stackID) uint64 {
	if k == 0 {
		return 0
	}
	for stackID(len(e.stackDone)) <= k {
		e.stackDone = append(e.stackDone, false)
	}
	if e.stackDone[k] {
		return uint64(k)
	}
	e.stackDone[k] = true
	frames := p.stacks.stacks[k].frames
	e.stk.Reset()
	for i := len(frames) - 1; i >= 0; i-- { // outermost first
		f := &frames[i]
		fn := e.strIID(e.funcIIDs, pf.InternedFuncNames, f.Func)
		file := e.strIID(e.fileIIDs, pf.InternedSourcePath, f.File)
		e.frameIID++
		e.in.Begin(pf.InternedFrames)
		e.in.Uint(pf.InternIID, e.frameIID)
		e.in.Uint(pf.FrameFuncID, fn)
		if file != 0 {
			e.in.Uint(pf.FrameSourceID, file)
		}
		if f.Line > 0 {
			e.in.Uint(pf.FrameLine, uint64(f.Line))
		}
		e.in.End()
		e.stk.B = protowire.AppendVarint(e.stk.B, e.frameIID)
	}
	e.in.Begin(pf.InternedCallstacks)
	e.in.Uint(pf.InternIID, uint64(k))
	e.in.Bytes(pf.CallstackFrames, e.stk.B)
	e.in.End()
	return uint64(k)
}

func (e *genExporter) strIID(m map[string]uint64, field protowire.Number, s string) uint64 {
	if s == "" {
		return 0
	}
	if iid, ok := m[s]; ok {
		return iid
	}
	iid := uint64(len(m) + 1)
	m[s] = iid
	e.in.Begin(field)
	e.in.Uint(pf.InternIID, iid)
	e.in.Bytes(pf.InternName, []byte(cleanString(s)))
	e.in.End()
	return iid
}

// slice writes a slice begin (name iid, stack) or end on track.
func (e *genExporter) slice(p *partial, t int64, track uint64, typ uint64, name uint64, stack uint64) {
	e.begin(p, t)
	e.ev.Uint(pf.EventType, typ)
	e.ev.Uint(pf.EventTrackUUID, track)
	if name != 0 {
		e.ev.Uint(pf.EventNameIID, name)
	}
	if stack != 0 {
		e.ev.Uint(pf.EventCallstackIID, stack)
	}
	e.end()
}

func (e *genExporter) cols(pid int32) *schedCols {
	i := int(pid)
	if pid < 0 || i >= noPCPU {
		i = noPCPU
	}
	for len(e.sched) <= i {
		e.sched = append(e.sched, schedCols{})
	}
	return &e.sched[i]
}

// switchTo records that P pid starts running goroutine next (0: none) at
// t, the previous one leaving in state prev.
func (e *genExporter) switchTo(pid int32, t int64, prev uint64, next int64) {
	if pid < 0 {
		return
	}
	c := e.cols(pid)
	c.sw(t, prev, next)
	if c.nSw+c.nWk >= maxBundle {
		c.flush(&e.bun, int(pid))
	}
}

// wake records that goroutine id becomes runnable at t, woken on P pid
// (by what runs there) or, irq, by no goroutine.
func (e *genExporter) wake(pid int32, t int64, id trace.GoID, irq bool) {
	flags := uint64(0)
	if irq || pid < 0 {
		flags = stateIRQ
	}
	c := e.cols(pid)
	cpu := int(pid)
	if pid < 0 {
		cpu = noPCPU
	}
	c.wake(t, goTID(id), cpu, flags)
	if c.nSw+c.nWk >= maxBundle {
		c.flush(&e.bun, cpu)
	}
}

// counter adds d to counter i at t.
func (e *genExporter) counter(p *partial, i int, t int64, d int64) {
	c := &e.counters[i]
	c.pend += d
	e.total[i] += d
	if i != 0 && t-c.lastT < counterNS {
		return
	}
	e.flushCounter(p, i, t)
}

func (e *genExporter) flushCounter(p *partial, i int, t int64) {
	c := &e.counters[i]
	if c.pend == 0 {
		return
	}
	e.begin(p, t)
	e.ev.Uint(pf.EventType, pf.TypeCounter)
	e.ev.Uint(pf.EventTrackUUID, fixedUUID(c.track))
	e.ev.Int(pf.EventCounterValue, c.pend)
	e.end()
	c.pend, c.lastT = 0, t
}

// describeGoroutine writes the track descriptor of a goroutine (and of its
// group, once per generation).
func (e *genExporter) describeGoroutine(p *partial, g *gLocal) {
	name := p.strs.str(g.name)
	if !e.groupsDone[g.name] {
		e.groupsDone[g.name] = true
		e.x.describeGroup(&e.te, name)
	}
	describeGoroutine(&e.te, g.id, name)
}

// prevState maps the state a goroutine leaves Running for to a task state.
func (e *genExporter) prevState(p *partial, tr *transition) uint64 {
	switch tr.to {
	case goWaiting:
		if tr.reason != 0 && tr.reason == p.preempted {
			return prevPreempted
		}
		return prevSleeping
	case goRunnable:
		if tr.reason != 0 && tr.reason == p.preempted {
			return prevPreempted
		}
		return prevRunnable
	case goSyscall:
		return prevDisk
	case goNotExist:
		return prevDead
	}
	return prevRunnable
}

func (e *genExporter) goChange(p *partial, c *goChange) {
	g, tr, t := c.g, c.tr, c.t
	from := g.state
	// Leave the old state.
	switch from {
	case goRunning:
		e.switchTo(g.p, t, e.prevState(p, tr), 0)
	case goRunnable:
		e.counter(p, 1, t, -1)
	case goWaiting:
		e.slice(p, t, goUUID(c.id), pf.TypeSliceEnd, 0, 0)
	case goSyscall:
		e.counter(p, 2, t, -1)
		e.slice(p, t, goUUID(c.id), pf.TypeSliceEnd, 0, 0)
		m := p.lastThread
		if bm, ok := e.sysM[c.id]; ok {
			m = bm
			delete(e.sysM, c.id)
		}
		if m != trace.NoThread {
			e.slice(p, t, threadUUID(m), pf.TypeSliceEnd, 0, 0)
		}
	}
	e.enter(p, c.id, tr, t, c.by)
}

// enter writes what a goroutine entering tr.to at t starts.
func (e *genExporter) enter(p *partial, id trace.GoID, tr *transition, t int64, by trace.GoID) {
	switch tr.to {
	case goRunning:
		e.switchTo(tr.proc, t, prevRunnable, goTID(id))
	case goRunnable:
		e.counter(p, 1, t, 1)
		if tr.from != goRunning {
			e.wake(tr.proc, t, id, by == trace.NoGoroutine)
		}
	case goWaiting:
		name := e.nameIID(p, nameWaiting, 0)
		if tr.reason != 0 {
			name = e.nameIID(p, 0, tr.reason)
		}
		e.slice(p, t, goUUID(id), pf.TypeSliceBegin, name, e.stackIID(p, p.stacks.intern(tr.stack)))
	case goSyscall:
		e.counter(p, 2, t, 1)
		stk := e.stackIID(p, p.stacks.intern(tr.stack))
		e.slice(p, t, goUUID(id), pf.TypeSliceBegin, e.nameIID(p, nameSyscall, 0), stk)
		if m := p.lastThread; m != trace.NoThread {
			e.describeThread(m)
			e.sysM[id] = m
			e.slice(p, t, threadUUID(m), pf.TypeSliceBegin, e.nameIID(p, nameSyscall, 0), stk)
		}
	case goNotExist:
		e.counter(p, 0, t, -1)
	}
}

func (e *genExporter) describeThread(m trace.ThreadID) {
	if e.threads[m] {
		return
	}
	e.threads[m] = true
	describeTrack(&e.te, threadUUID(m), fixedUUID(trThreads), fmt.Sprintf("M%d", m), 0)
}

func (e *genExporter) created(p *partial, g *gLocal, tr *transition, t int64) {
	e.describeGoroutine(p, g)
	e.counter(p, 0, t, 1)
	e.enter(p, g.id, tr, t, tr.by)
}

func (e *genExporter) event(p *partial, ev *trace.Event, k trace.EventKind, t int64) {
	switch k {
	case trace.EventRangeBegin, trace.EventRangeEnd:
		key, reason := classifyRange(ev.Range())
		track, name := uint64(0), uint64(0)
		switch key.kind {
		case rkMark:
			track, name = fixedUUID(trGCMark), nameMark
		case rkSTW, rkSTWTracer:
			track = fixedUUID(trSTW)
			if k == trace.EventRangeBegin {
				name = e.nameIID(p, 0, p.str("stop-the-world ("+reason+")"))
			}
		case rkAssist:
			track, name = goUUID(trace.GoID(key.id)), nameAssist
		case rkSweep:
			track, name = uuid(uint64(key.id), uuidSweep), nameSweep
			if !e.sweeps[key.id] {
				e.sweeps[key.id] = true
				describeTrack(&e.te, track, fixedUUID(trGC), fmt.Sprintf("sweep P%d", key.id), 0)
			}
		default:
			return
		}
		if k == trace.EventRangeEnd {
			e.slice(p, t, track, pf.TypeSliceEnd, 0, 0)
			return
		}
		if name < numFixedNames {
			name = e.nameIID(p, int(name), 0)
		}
		e.slice(p, t, track, pf.TypeSliceBegin, name, 0)
	case trace.EventMetric:
		m := ev.Metric()
		if m.Value.Kind() != trace.ValueUint64 {
			return
		}
		track := 0
		switch m.Name {
		case "/sched/gomaxprocs:threads":
			track = trProcs
		case "/memory/classes/heap/objects:bytes":
			track = trHeap
		case "/gc/heap/goal:bytes":
			track = trGoal
		default:
			return
		}
		e.begin(p, t)
		e.ev.Uint(pf.EventType, pf.TypeCounter)
		e.ev.Uint(pf.EventTrackUUID, fixedUUID(track))
		e.ev.Int(pf.EventCounterValue, int64(m.Value.Uint64()))
		e.end()
	case trace.EventTaskBegin:
		tk := ev.Task()
		parent := fixedUUID(trTasks)
		if tk.Parent != trace.NoTask && tk.Parent != tk.ID {
			parent = taskUUID(tk.Parent)
		}
		describeTrack(&e.te, taskUUID(tk.ID), parent, cleanString(tk.Type), 0)
		e.slice(p, t, taskUUID(tk.ID), pf.TypeSliceBegin, e.nameIID(p, 0, p.str(tk.Type)), 0)
	case trace.EventTaskEnd:
		e.slice(p, t, taskUUID(ev.Task().ID), pf.TypeSliceEnd, 0, 0)
	case trace.EventRegionBegin:
		if id := ev.Goroutine(); id != trace.NoGoroutine {
			e.slice(p, t, goUUID(id), pf.TypeSliceBegin, e.nameIID(p, 0, p.str(ev.Region().Type)), 0)
		}
	case trace.EventRegionEnd:
		if id := ev.Goroutine(); id != trace.NoGoroutine {
			e.slice(p, t, goUUID(id), pf.TypeSliceEnd, 0, 0)
		}
	case trace.EventLog:
		l := ev.Log()
		track := fixedUUID(trLogs)
		if id := ev.Goroutine(); id != trace.NoGoroutine {
			track = goUUID(id)
		}
		e.begin(p, t)
		e.ev.Uint(pf.EventType, pf.TypeInstant)
		e.ev.Uint(pf.EventTrackUUID, track)
		e.ev.Uint(pf.EventNameIID, e.nameIID(p, 0, p.str(l.Category)))
		e.ev.Begin(pf.EventDebugAnnot)
		e.ev.String(10, "message") // DebugAnnotation.name
		e.ev.String(pf.AnnotString, cleanString(l.Message))
		e.ev.End()
		e.end()
	case trace.EventStackSample:
		id := ev.Goroutine()
		if id == trace.NoGoroutine {
			return
		}
		stk := e.stackIID(p, p.stacks.intern(ev.Stack()))
		e.slice(p, t, goUUID(id), pf.TypeInstant, e.nameIID(p, nameSample, 0), stk)
	}
}

func (e *genExporter) finish(p *partial) {
	if !e.started && p.events > 0 {
		e.started = true
		e.base = p.first
		e.lastT = e.base
	}
	for i := range e.counters {
		e.flushCounter(p, i, p.last)
	}
	for i := range e.sched {
		e.sched[i].flush(&e.bun, i)
	}
}

// cleanString makes a string from the trace valid UTF-8.
func cleanString(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
