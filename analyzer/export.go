package analyzer

import (
	"bufio"
	"fmt"
	"io"
	"slices"

	"golang.org/x/exp/trace"

	pf "github.com/gotrace/gotrace/analyzer/perfetto"
)

// Export analyzes a trace read from r, like Analyze, and writes its
// timeline to w in Perfetto's protobuf trace format. It returns the report
// of the same pass. w receives one generation after the other while the
// trace is read; on an error, what was written is not a usable trace.
func Export(r io.Reader, w io.Writer, opts Options) (*Report, error) {
	x := newExporter(w)
	opts.export = x
	rep, err := Analyze(r, opts)
	return x.done(rep, err)
}

// ExportFile is Export of the named file ("-" reads standard input).
func ExportFile(path string, w io.Writer, opts Options) (*Report, error) {
	x := newExporter(w)
	opts.export = x
	rep, err := AnalyzeFile(path, opts)
	return x.done(rep, err)
}

// The timeline, generation by generation, in the order the merge takes
// them:
//
//   - a packet that clears sequence seqBody's incremental state and sets
//     its clock: timestamps are deltas from the generation's first event;
//   - the prologue, written by the merge: track descriptors, the counters'
//     values at the start of the generation (on seqBody, at that first
//     timestamp), and what the merge stitches: states, ranges, tasks and
//     regions begun before the trace or announced otherwise than the
//     previous generation left them, as packets with absolute timestamps
//     and compact scheduling bundles of their own;
//   - the body, written by the generation's tracker (exportgen.go) as it
//     reads the generation, in TracePackets of compressed_packets of about
//     64 KB of packets each (gzip, perfetto.Compressor), so that what a
//     generation in flight holds is its compressed body.
//
// After the last generation, an epilogue ends at the trace's end whatever
// is still open, so that every slice has both ends.

// exporter is the merge's side of the export.
type exporter struct {
	w   *bufio.Writer
	err error

	pro    pf.Enc      // the prologue being built
	stitch []schedCols // scheduling written by the merge, by cpu
	primed []bool      // cpus whose first switch (which Perfetto skips) was written

	fixedDone  bool
	described  map[trace.GoID]bool // announced goroutines with a descriptor
	groupsDone map[string]bool
	sysM       map[trace.GoID]trace.ThreadID // syscalls open at a generation's end: their thread
	totals     [3]int64                      // alive, runnable, in syscall at the start of the next generation
	adjust     [3]int64

	restates []restate
	befores  []before

	g *global
}

type restate struct {
	id       trace.GoID
	old, now openState
	hasOld   bool
	at       int64
}

// before is a range, task or region that began before the trace.
type before struct {
	kind rangeKind // rkNone: a task (task set) or a region (g set)
	key  rangeKey
	task trace.TaskID
	g    trace.GoID
	typ  strID // local id: task type, region type, STW reason
}

func newExporter(w io.Writer) *exporter {
	return &exporter{
		w:          bufio.NewWriterSize(w, 1<<20),
		described:  map[trace.GoID]bool{},
		groupsDone: map[string]bool{},
		sysM:       map[trace.GoID]trace.ThreadID{},
	}
}

// done finishes the export after the analysis.
func (x *exporter) done(rep *Report, err error) (*Report, error) {
	if err != nil {
		return nil, err
	}
	if x.err == nil {
		x.err = x.w.Flush()
	}
	if x.err != nil {
		return nil, fmt.Errorf("writing the timeline: %w", x.err)
	}
	return rep, nil
}

// observer returns the observer of partial p's generation.
func (x *exporter) observer(p *partial) genObserver {
	if x == nil {
		return nil
	}
	e, ok := p.obs.(*genExporter)
	if !ok || e.x != x {
		e = newGenExporter(x)
	}
	e.reset()
	return e
}

func (x *exporter) write(b []byte) {
	if x.err == nil {
		_, x.err = x.w.Write(b)
	}
}

func (x *exporter) restated(id trace.GoID, old *openState, now *openState, at int64) {
	r := restate{id: id, now: *now, at: at}
	if old != nil {
		r.old, r.hasOld = *old, true
	} else {
		r.at = now.since // a state held since before the trace counts from its start
	}
	x.restates = append(x.restates, r)
}

func (x *exporter) rangeBefore(e *rangeEnd) {
	x.befores = append(x.befores, before{kind: e.key.kind, key: e.key, typ: e.reason})
}

func (x *exporter) taskBefore(e *taskEnd) {
	x.befores = append(x.befores, before{task: e.id, typ: e.typ})
}

func (x *exporter) regionBefore(e *regionEnd) {
	x.befores = append(x.befores, before{g: e.g, typ: e.typ})
}

// counter contribution of a state: alive, runnable, in syscall.
func stateCounts(s trace.GoState) [3]int64 {
	c := [3]int64{1, 0, 0}
	switch s {
	case goRunnable:
		c[1] = 1
	case goSyscall:
		c[2] = 1
	case goNotExist, goUndetermined:
		c[0] = 0
	}
	return c
}

func (x *exporter) merged(g *global, p *partial) {
	x.g = g
	e, _ := p.obs.(*genExporter)
	if e == nil || p.events == 0 {
		x.restates, x.befores = x.restates[:0], x.befores[:0]
		return
	}
	base := e.base
	pro := &x.pro
	pro.Reset()
	// Clear the body's sequence and set its clock.
	pro.Begin(pf.TracePacketField)
	pro.Uint(pf.PacketSequenceID, seqBody)
	pro.Uint(pf.PacketSequenceFlags, pf.SeqIncrementalStateCleared|pf.SeqNeedsIncrementalState)
	pro.Begin(pf.PacketDefaults)
	pro.Uint(pf.DefaultsTimestampClockID, pf.ClockUser)
	pro.End()
	pro.Begin(pf.PacketClockSnapshot)
	pro.Begin(pf.ClockSnapshotClocks)
	pro.Uint(pf.ClockID, pf.ClockUser)
	pro.Uint(pf.ClockTimestamp, uint64(base))
	pro.Bool(pf.ClockIsIncremental, true)
	pro.End()
	pro.Begin(pf.ClockSnapshotClocks)
	pro.Uint(pf.ClockID, pf.ClockBoottime)
	pro.Uint(pf.ClockTimestamp, uint64(base))
	pro.End()
	pro.End()
	pro.End()
	if !x.fixedDone {
		x.fixedDone = true
		describeFixed(pro)
	}

	// What the merge stitches.
	for _, r := range x.restates {
		x.stitchRestate(pro, g, p, &r)
	}
	for _, b := range x.befores {
		x.stitchBefore(pro, g, p, &b)
	}
	x.restates, x.befores = x.restates[:0], x.befores[:0]

	// Counter values at the start of the generation.
	for i, tr := range []int{trAlive, trRunnable, trSyscall} {
		v := x.totals[i] + x.adjust[i]
		x.totals[i] = v
		x.adjust[i] = 0
		if v == 0 {
			continue
		}
		pro.Begin(pf.TracePacketField)
		pro.Uint(pf.PacketTimestamp, 0)
		pro.Uint(pf.PacketSequenceID, seqBody)
		pro.Begin(pf.PacketTrackEvent)
		pro.Uint(pf.EventType, pf.TypeCounter)
		pro.Uint(pf.EventTrackUUID, fixedUUID(tr))
		pro.Int(pf.EventCounterValue, v)
		pro.End()
		pro.End()
	}
	for i := range x.totals {
		x.totals[i] += e.total[i]
	}
	// Syscalls left open by the generation keep their thread for the end.
	for id, m := range e.sysM {
		x.sysM[id] = m
	}
	x.primeCPUs(pro, e.sched, base)
	x.flushStitch(pro, base)
	x.write(pro.B)
	x.write(e.out)
	// Goroutines that ended leave the live sets.
	for _, l := range p.gs.all() {
		if l.ended && !l.retired {
			delete(x.described, l.id)
			delete(x.sysM, l.id)
		}
	}
}

// primeCPUs writes, for every cpu used for the first time, the first
// switch, which Perfetto reads only to learn what runs on the cpu.
func (x *exporter) primeCPUs(pro *pf.Enc, cols []schedCols, base int64) {
	for cpu := range max(len(cols), len(x.stitch)) {
		used := (cpu < len(cols) && cols[cpu].used) || (cpu < len(x.stitch) && x.stitch[cpu].n() > 0)
		if !used {
			continue
		}
		for len(x.primed) <= cpu {
			x.primed = append(x.primed, false)
		}
		if x.primed[cpu] {
			continue
		}
		x.primed[cpu] = true
		var c schedCols
		start := base
		if x.g != nil && x.g.started && x.g.start < start {
			start = x.g.start
		}
		c.sw(start-1, prevRunnable, 0)
		c.flush(pro, cpu)
	}
}

func (x *exporter) cols(pid int32) *schedCols {
	i := int(pid)
	if pid < 0 || i >= noPCPU {
		i = noPCPU
	}
	for len(x.stitch) <= i {
		x.stitch = append(x.stitch, schedCols{})
	}
	return &x.stitch[i]
}

func (x *exporter) flushStitch(pro *pf.Enc, base int64) {
	for cpu := range x.stitch {
		x.stitch[cpu].flush(pro, cpu)
	}
}

// stitchRestate writes what an announcement the merge did not expect
// changes: the end of the state the previous generation left open, and the
// beginning of the announced one.
func (x *exporter) stitchRestate(pro *pf.Enc, g *global, p *partial, r *restate) {
	if !r.hasOld {
		// First seen: it existed before the trace.
		if !x.described[r.id] {
			x.described[r.id] = true
			name := ""
			if gr := g.gs.get(r.id); gr != nil {
				name = g.strs.str(gr.name)
			}
			if name == "" {
				if l := p.lookup(r.id); l != nil {
					name = p.strs.str(l.name)
				}
			}
			x.describeGroup(pro, name)
			describeGoroutine(pro, r.id, name)
		}
	} else {
		c := stateCounts(r.old.state)
		for i := range x.adjust {
			x.adjust[i] -= c[i]
		}
		switch r.old.state {
		case goRunning:
			x.cols(r.old.p).sw(r.at, prevRunnable, 0)
		case goWaiting, goSyscall:
			absSlice(pro, r.at, goUUID(r.id), pf.TypeSliceEnd, "", nil)
			if m, ok := x.sysM[r.id]; ok && r.old.state == goSyscall {
				absSlice(pro, r.at, threadUUID(m), pf.TypeSliceEnd, "", nil)
				delete(x.sysM, r.id)
			}
		}
	}
	c := stateCounts(r.now.state)
	for i := range x.adjust {
		x.adjust[i] += c[i]
	}
	switch r.now.state {
	case goRunning:
		x.cols(r.now.p).sw(r.at, prevRunnable, goTID(r.id))
	case goRunnable:
		c := x.cols(-1)
		c.wake(r.at, goTID(r.id), noPCPU, stateIRQ)
	case goWaiting:
		var frames []Frame
		if r.now.stack != 0 {
			frames = g.stacks.stacks[r.now.stack].frames
		}
		name := g.strs.str(r.now.reason)
		if name == "" {
			name = stackReason(frames)
		}
		if name == "" {
			name = "waiting"
		}
		absSlice(pro, r.at, goUUID(r.id), pf.TypeSliceBegin, name, frames)
	case goSyscall:
		var frames []Frame
		if r.now.stack != 0 {
			frames = g.stacks.stacks[r.now.stack].frames
		}
		absSlice(pro, r.at, goUUID(r.id), pf.TypeSliceBegin, "syscall", frames)
	}
}

// stitchBefore begins, at the trace's start, a range, task or region that
// began before the trace. The begins come a nanosecond before the trace's
// start, so that goroutine states begun at its start nest inside them.
func (x *exporter) stitchBefore(pro *pf.Enc, g *global, p *partial, b *before) {
	t := g.start - 1
	typ := p.strs.str(b.typ)
	switch {
	case b.kind != rkNone:
		switch b.key.kind {
		case rkMark:
			absSlice(pro, t, fixedUUID(trGCMark), pf.TypeSliceBegin, fixedNames[nameMark], nil)
		case rkSTW, rkSTWTracer:
			absSlice(pro, t, fixedUUID(trSTW), pf.TypeSliceBegin, "stop-the-world ("+typ+")", nil)
		case rkAssist:
			absSlice(pro, t, goUUID(trace.GoID(b.key.id)), pf.TypeSliceBegin, fixedNames[nameAssist], nil)
		case rkSweep:
			track := uuid(uint64(b.key.id), uuidSweep)
			describeTrack(pro, track, fixedUUID(trGC), fmt.Sprintf("sweep P%d", b.key.id), 0)
			absSlice(pro, t, track, pf.TypeSliceBegin, fixedNames[nameSweep], nil)
		}
	case b.g != 0:
		absSlice(pro, t, goUUID(b.g), pf.TypeSliceBegin, typ, nil)
	default:
		describeTrack(pro, taskUUID(b.task), fixedUUID(trTasks), cleanString(typ), 0)
		absSlice(pro, t, taskUUID(b.task), pf.TypeSliceBegin, typ, nil)
	}
}

// end writes the epilogue: whatever is open ends at the trace's end.
func (x *exporter) end(g *global) {
	if x.err != nil || !g.started {
		return
	}
	t := g.end
	pro := &x.pro
	pro.Reset()
	ids := make([]trace.GoID, 0, g.gs.len())
	for id := range g.gs.all() {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := g.gs.get(id)
		switch r.state {
		case goRunning:
			x.cols(r.p).sw(t, prevRunnable, 0)
		case goWaiting, goSyscall:
			absSlice(pro, t, goUUID(id), pf.TypeSliceEnd, "", nil)
			if m, ok := x.sysM[id]; ok && r.state == goSyscall {
				absSlice(pro, t, threadUUID(m), pf.TypeSliceEnd, "", nil)
			}
		}
	}
	keys := make([]rangeKey, 0, len(g.openRanges))
	for k := range g.openRanges {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rangeKey) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return int(a.id - b.id)
	})
	for _, k := range keys {
		var track uint64
		switch k.kind {
		case rkMark:
			track = fixedUUID(trGCMark)
		case rkSTW, rkSTWTracer:
			track = fixedUUID(trSTW)
		case rkAssist:
			track = goUUID(trace.GoID(k.id))
		case rkSweep:
			track = uuid(uint64(k.id), uuidSweep)
		default:
			continue
		}
		absSlice(pro, t, track, pf.TypeSliceEnd, "", nil)
	}
	for _, id := range ids {
		for range g.regions[id] {
			absSlice(pro, t, goUUID(id), pf.TypeSliceEnd, "", nil)
		}
	}
	tasks := make([]trace.TaskID, 0, len(g.openTasks))
	for id := range g.openTasks {
		tasks = append(tasks, id)
	}
	slices.Sort(tasks)
	slices.Reverse(tasks) // children (later ids) first
	for _, id := range tasks {
		absSlice(pro, t, taskUUID(id), pf.TypeSliceEnd, "", nil)
	}
	x.primeCPUs(pro, nil, t)
	x.flushStitch(pro, t)
	x.write(pro.B)
}

// absSlice writes a track event with an absolute timestamp, a literal name
// and an inline stack, on sequence seqMerge, which has no incremental
// state: the merge writes few of them. (Perfetto drops a track event on
// no sequence.)
func absSlice(e *pf.Enc, t int64, track uint64, typ uint64, name string, frames []Frame) {
	e.Begin(pf.TracePacketField)
	e.Uint(pf.PacketTimestamp, uint64(t))
	e.Uint(pf.PacketSequenceID, seqMerge)
	e.Begin(pf.PacketTrackEvent)
	e.Uint(pf.EventType, typ)
	e.Uint(pf.EventTrackUUID, track)
	if name != "" {
		e.String(pf.EventName, cleanString(name))
	}
	if len(frames) > 0 {
		e.Begin(pf.EventInlineCallstack)
		for i := len(frames) - 1; i >= 0; i-- {
			f := &frames[i]
			e.Begin(pf.InlineFrames)
			e.String(pf.InlineFunc, cleanString(f.Func))
			if f.File != "" {
				e.String(pf.InlineFile, cleanString(f.File))
			}
			if f.Line > 0 {
				e.Uint(pf.InlineLine, uint64(f.Line))
			}
			e.End()
		}
		e.End()
	}
	e.End()
	e.End()
}

// describeTrack writes a plain track descriptor.
func describeTrack(e *pf.Enc, id, parent uint64, name string, rank int) {
	e.Begin(pf.TracePacketField)
	e.Begin(pf.PacketTrackDescriptor)
	e.Uint(pf.TrackUUID, id)
	if parent != 0 {
		e.Uint(pf.TrackParentUUID, parent)
	}
	e.String(pf.TrackName, name)
	if rank != 0 {
		e.Int(pf.TrackOrderRank, int64(rank))
	}
	e.End()
	e.End()
}

// describeGroup writes the process descriptor of a goroutine group.
func (x *exporter) describeGroup(e *pf.Enc, name string) {
	pid := groupPID(name)
	e.Begin(pf.TracePacketField)
	e.Begin(pf.PacketTrackDescriptor)
	e.Uint(pf.TrackUUID, uuid(uint64(pid), uuidGroup))
	e.Begin(pf.TrackProcess)
	e.Int(pf.ProcessPID, pid)
	if name == "" {
		name = "(start function unknown)"
	}
	e.String(pf.ProcessName, cleanString(name))
	e.End()
	e.End()
	e.End()
}

// describeGoroutine writes the thread descriptor of a goroutine.
func describeGoroutine(e *pf.Enc, id trace.GoID, name string) {
	e.Begin(pf.TracePacketField)
	e.Begin(pf.PacketTrackDescriptor)
	e.Uint(pf.TrackUUID, goUUID(id))
	e.Begin(pf.TrackThread)
	e.Int(pf.ThreadPID, groupPID(name))
	e.Int(pf.ThreadTID, goTID(id))
	tn := fmt.Sprintf("G%d", id)
	if name != "" {
		tn += " " + name
	}
	e.String(pf.ThreadName, cleanString(tn))
	e.End()
	e.End()
	e.End()
}

// describeFixed writes the descriptors of the tracks every export has.
func describeFixed(e *pf.Enc) {
	root := func(id int, name string, rank int) {
		describeTrack(e, fixedUUID(id), 0, name, rank)
	}
	root(trGC, "GC", 1)
	root(trCounters, "Counters", 2)
	root(trTasks, "Tasks", 3)
	root(trLogs, "Logs", 4)
	root(trThreads, "Threads (Ms)", 5)
	describeTrack(e, fixedUUID(trGCMark), fixedUUID(trGC), "GC mark phase", 0)
	describeTrack(e, fixedUUID(trSTW), fixedUUID(trGC), "stop-the-world", 0)
	counter := func(id int, name string, unit uint64, incremental bool) {
		e.Begin(pf.TracePacketField)
		e.Begin(pf.PacketTrackDescriptor)
		e.Uint(pf.TrackUUID, fixedUUID(id))
		e.Uint(pf.TrackParentUUID, fixedUUID(trCounters))
		e.String(pf.TrackName, name)
		e.Begin(pf.TrackCounter)
		e.Uint(pf.CounterUnit, unit)
		if incremental {
			e.Bool(pf.CounterIncrement, true)
		}
		e.End()
		e.End()
		e.End()
	}
	counter(trAlive, "goroutines alive", pf.CounterUnitCount, true)
	counter(trRunnable, "goroutines runnable", pf.CounterUnitCount, true)
	counter(trSyscall, "goroutines in syscalls", pf.CounterUnitCount, true)
	counter(trHeap, "heap in use (bytes)", pf.CounterUnitBytes, false)
	counter(trGoal, "heap goal (bytes)", pf.CounterUnitBytes, false)
	counter(trProcs, "GOMAXPROCS", pf.CounterUnitCount, false)
}
