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
// genExporter observes the generation's tracker and writes, in event order,
// in chunks of about chunkSize bytes that it compresses as it goes (each
// one TracePacket of compressed_packets):
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
	seqMerge  = 2 // what the merge writes: absolute timestamps, literal names
	noPCPU    = 1023
	prioGo    = 120 // the priority written for every goroutine
	stateIRQ  = 0x08
	counterNS = 100_000  // runnable and syscall counters: at most one value per counter per 100 µs
	chunkSize = 64 << 10 // bytes of packets compressed at once
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

// schedCols holds the compact-sched events of one P not yet written;
// flush writes them as columns.
type schedCols struct {
	sws  []swEv
	wks  []wkEv
	used bool // the P has had events in this generation
}

// swEv is a sched_switch: the P runs goroutine pid from t (0: none), the
// one it replaces leaving in task state state.
type swEv struct {
	t     int64
	pid   int64
	state uint64
}

// wkEv is a sched_waking of goroutine pid at t, on cpu.
type wkEv struct {
	t     int64
	pid   int64
	cpu   int32
	flags uint32
}

func (c *schedCols) n() int { return len(c.sws) + len(c.wks) }

func (c *schedCols) reset() {
	*c = schedCols{sws: c.sws[:0], wks: c.wks[:0]}
}

func (c *schedCols) sw(t int64, state uint64, pid int64) {
	c.sws = append(c.sws, swEv{t: t, pid: pid, state: state})
	c.used = true
}

func (c *schedCols) wake(t int64, pid int64, cpu int, flags uint64) {
	c.wks = append(c.wks, wkEv{t: t, pid: pid, cpu: int32(cpu), flags: uint32(flags)})
	c.used = true
}

// maxBundle is how many events a bundle holds before it is written out.
const maxBundle = 1 << 12

// flush writes the events as one FtraceEventBundle packet for cpu, in
// columns: timestamps delta-encoded from the bundle's first.
func (c *schedCols) flush(e *pf.Enc, cpu int) {
	if c.n() == 0 {
		return
	}
	e.Begin(pf.TracePacketField)
	e.Begin(pf.PacketFtraceEvents)
	e.Uint(pf.BundleCPU, uint64(cpu))
	e.Begin(pf.BundleCompactSched)
	e.String(pf.SchedInternTable, "")
	if len(c.sws) > 0 {
		e.Begin(pf.SwitchTimestamp)
		last := int64(0)
		for i := range c.sws {
			e.B = pf.AppendVarint(e.B, uint64(max(c.sws[i].t-last, 0)))
			last = c.sws[i].t
		}
		e.End()
		e.Begin(pf.SwitchPrevState)
		for i := range c.sws {
			e.B = pf.AppendVarint(e.B, c.sws[i].state)
		}
		e.End()
		e.Begin(pf.SwitchNextPID)
		for i := range c.sws {
			e.B = pf.AppendVarint(e.B, uint64(c.sws[i].pid))
		}
		e.End()
		// Every goroutine has the same priority and the one (empty)
		// name of the intern table.
		e.Repeated(pf.SwitchNextPrio, prioGo, len(c.sws))
		e.Repeated(pf.SwitchNextComm, 0, len(c.sws))
	}
	if len(c.wks) > 0 {
		e.Begin(pf.WakingTimestamp)
		last := int64(0)
		for i := range c.wks {
			e.B = pf.AppendVarint(e.B, uint64(max(c.wks[i].t-last, 0)))
			last = c.wks[i].t
		}
		e.End()
		e.Begin(pf.WakingPID)
		for i := range c.wks {
			e.B = pf.AppendVarint(e.B, uint64(c.wks[i].pid))
		}
		e.End()
		e.Begin(pf.WakingTargetCPU)
		for i := range c.wks {
			e.B = pf.AppendVarint(e.B, uint64(c.wks[i].cpu))
		}
		e.End()
		e.Repeated(pf.WakingPrio, prioGo, len(c.wks))
		e.Repeated(pf.WakingComm, 0, len(c.wks))
		e.Begin(pf.WakingFlags)
		for i := range c.wks {
			e.B = pf.AppendVarint(e.B, uint64(c.wks[i].flags))
		}
		e.End()
	}
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
	raw      pf.Enc        // packets not yet compressed: of sequence seqBody, track descriptors, ftrace bundles
	out      []byte        // the body so far, compressed
	z        pf.Compressor // compresses raw into out
	total    [3]int64      // the counters' deltas in this generation
	packetTS int64
	in       pf.Enc // interned data of the packet being built
	ev       pf.Enc // the track event being built (events other than pf.Small)
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
	e.raw.Reset()
	e.out = e.out[:0]
	e.in.Reset()
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

// Body packets do not set SEQ_NEEDS_INCREMENTAL_STATE: it only tells a
// reader to skip a packet when the sequence's incremental state is lost
// (a ring buffer that overwrote the packet that cleared it), and the clear
// is the first packet of every generation in the file. That saves two
// bytes a packet.

// start notes the body's clock base on the first packet.
func (e *genExporter) start(p *partial) {
	if !e.started {
		e.started = true
		e.base = p.first
		e.lastT = e.base
	}
}

// delta returns the timestamp of a packet at t on the incremental clock.
func (e *genExporter) delta(t int64) uint64 {
	d := uint64(max(t-e.lastT, 0))
	if t > e.lastT {
		e.lastT = t
	}
	return d
}

// small writes a small track event at t.
func (e *genExporter) small(p *partial, t int64, ev pf.Small) {
	e.start(p)
	e.raw.B = pf.AppendSmall(e.raw.B, e.delta(t), seqBody, e.in.B, &ev)
	e.in.Reset()
	e.chunk()
}

// begin starts a packet of the body at t whose track event is built in
// e.ev.
func (e *genExporter) begin(p *partial, t int64) {
	e.start(p)
	e.ev.Reset()
	e.ev.Begin(pf.PacketTrackEvent)
	e.packetTS = t
}

// end finishes the packet begun with begin.
func (e *genExporter) end() {
	e.ev.End()
	b := &e.raw
	b.Begin(pf.TracePacketField)
	b.Uint(pf.PacketTimestamp, e.delta(e.packetTS))
	b.Uint(pf.PacketSequenceID, seqBody)
	if len(e.in.B) > 0 {
		b.Bytes(pf.PacketInternedData, e.in.B)
		e.in.Reset()
	}
	b.B = append(b.B, e.ev.B...)
	b.End()
	e.chunk()
}

// chunk compresses the packets written so far once they fill a chunk.
func (e *genExporter) chunk() {
	if len(e.raw.B) >= chunkSize {
		e.flushRaw()
	}
}

// flushRaw compresses the packets written so far.
func (e *genExporter) flushRaw() {
	e.out = e.z.Append(e.out, e.raw.B)
	e.raw.Reset()
}

// name returns the iid of a fixed name (id < numFixedNames) or of local
// string s (id numFixedNames+s), interning it on first use.
func (e *genExporter) nameIID(p *partial, fixed int, s strID) uint64 {
	iid := uint64(fixed)
	if fixed == 0 {
		iid = uint64(numFixedNames) + uint64(s)
	}
	if iid < uint64(len(e.nameDone)) && e.nameDone[iid] {
		return iid
	}
	return e.internName(p, iid, fixed, s)
}

// internName interns name iid: fixed name fixed, or local string s.
func (e *genExporter) internName(p *partial, iid uint64, fixed int, s strID) uint64 {
	str := fixedNames[fixed]
	if fixed == 0 {
		str = p.strs.str(s)
	}
	for uint64(len(e.nameDone)) <= iid {
		e.nameDone = append(e.nameDone, false)
	}
	e.nameDone[iid] = true
	e.in.Begin(pf.InternedEventNames)
	e.in.Uint(pf.InternIID, iid)
	e.in.String(pf.InternName, cleanString(str))
	e.in.End()
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
	e.small(p, t, pf.Small{Type: typ, Track: track, Name: name, Callstack: stack})
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
	if c.n() >= maxBundle {
		c.flush(&e.raw, int(pid))
		e.chunk()
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
	if c.n() >= maxBundle {
		c.flush(&e.raw, cpu)
		e.chunk()
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
	e.small(p, t, pf.Small{Type: pf.TypeCounter, Track: fixedUUID(c.track), Value: c.pend})
	c.pend, c.lastT = 0, t
}

// describeGoroutine writes the track descriptor of a goroutine (and of its
// group, once per generation).
func (e *genExporter) describeGoroutine(p *partial, g *gLocal) {
	name := p.strs.str(g.name)
	if !e.groupsDone[g.name] {
		e.groupsDone[g.name] = true
		e.x.describeGroup(&e.raw, name)
	}
	describeGoroutine(&e.raw, g.id, name)
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
		var name uint64
		if tr.reason != 0 {
			name = e.nameIID(p, 0, tr.reason)
		} else {
			name = e.nameIID(p, nameWaiting, 0)
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
	describeTrack(&e.raw, threadUUID(m), fixedUUID(trThreads), fmt.Sprintf("M%d", m), 0)
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
				describeTrack(&e.raw, track, fixedUUID(trGC), fmt.Sprintf("sweep P%d", key.id), 0)
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
		e.small(p, t, pf.Small{Type: pf.TypeCounter, Track: fixedUUID(track), Value: int64(m.Value.Uint64())})
	case trace.EventTaskBegin:
		tk := ev.Task()
		parent := fixedUUID(trTasks)
		if tk.Parent != trace.NoTask && tk.Parent != tk.ID {
			parent = taskUUID(tk.Parent)
		}
		describeTrack(&e.raw, taskUUID(tk.ID), parent, cleanString(tk.Type), 0)
		e.slice(p, t, taskUUID(tk.ID), pf.TypeSliceBegin, e.nameIID(p, 0, p.str(tk.Type)), 0)
	case trace.EventTaskEnd:
		e.slice(p, t, taskUUID(p.taskOf(ev).ID), pf.TypeSliceEnd, 0, 0)
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
	if p.events > 0 {
		e.start(p)
	}
	for i := range e.counters {
		e.flushCounter(p, i, p.last)
	}
	for i := range e.sched {
		e.sched[i].flush(&e.raw, i)
	}
	e.flushRaw()
}

// cleanString makes a string from the trace valid UTF-8.
func cleanString(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
