package perfetto

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// A reader of the subset of the format gotrace writes, independent of the
// writer: it decodes every packet, resolves timestamps, interned ids and
// tracks as Perfetto's trace processor does, and checks what a viewer
// relies on. Tests and tools use it; it is not a general Perfetto parser.

// Track is a declared track.
type Track struct {
	UUID, Parent uint64
	Name         string
	PID, TID     int64 // process or thread tracks
	Process      bool
	Thread       bool
	Counter      bool
}

// Event is a decoded track event with its absolute timestamp.
type Event struct {
	TS    int64
	Track uint64
	Type  uint64
	Name  string
	Stack []string // "func file:line", outermost first
	Value int64    // counters
	Args  map[string]string
	Seq   uint32
}

// Switch is a compact sched_switch: from TS, cpu CPU runs thread Next
// (0: none); the thread it replaces left in state Prev.
type Switch struct {
	TS   int64
	CPU  int
	Prev int64
	Next int64
}

// Waking is a compact sched_waking of thread PID on cpu CPU.
type Waking struct {
	TS    int64
	CPU   int
	PID   int64
	Flags uint64
}

// Trace is a decoded trace.
type Trace struct {
	Packets  int
	Tracks   map[uint64]*Track
	Events   []Event // in file order
	Switches []Switch
	Wakings  []Waking
}

// seqState is the incremental state of one packet sequence.
type seqState struct {
	valid      bool
	clock      uint64 // default timestamp clock
	incBase    int64  // incremental clock's last value
	incSet     bool
	names      map[uint64]string
	funcs      map[uint64]string
	files      map[uint64]string
	frames     map[uint64]string
	callstacks map[uint64][]string
}

func (s *seqState) clear() {
	*s = seqState{valid: true, names: map[uint64]string{}, funcs: map[uint64]string{}, files: map[uint64]string{},
		frames: map[uint64]string{}, callstacks: map[uint64][]string{}}
}

// fields decodes one message into its fields, in order.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

func fields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			return nil, fmt.Errorf("unexpected wire type %d of field %d", typ, num)
		}
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		out = append(out, f)
	}
	return out, nil
}

func packed(b []byte) ([]uint64, error) {
	var out []uint64
	for len(b) > 0 {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		out = append(out, v)
		b = b[n:]
	}
	return out, nil
}

// Read decodes a whole trace.
func Read(r io.Reader) (*Trace, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	t := &Trace{Tracks: map[uint64]*Track{}}
	seqs := map[uint32]*seqState{}
	if err := t.readPackets(data, seqs); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Trace) readPackets(data []byte, seqs map[uint32]*seqState) error {
	top, err := fields(data)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	for _, f := range top {
		if f.num != TracePacketField || f.typ != protowire.BytesType {
			return fmt.Errorf("trace: field %d is not a packet", f.num)
		}
		if err := t.packet(f.b, seqs); err != nil {
			return fmt.Errorf("packet %d: %w", t.Packets, err)
		}
	}
	return nil
}

func (t *Trace) packet(b []byte, seqs map[uint32]*seqState) error {
	fs, err := fields(b)
	if err != nil {
		return err
	}
	var (
		seqID              uint32
		flags              uint64
		ts                 uint64
		hasTS              bool
		clockID            uint64
		te, td, in, clk    []byte
		defaults, bundle   []byte
		compressed         []byte
		hasTE, hasTD, hasB bool
	)
	for _, f := range fs {
		switch f.num {
		case PacketSequenceID:
			seqID = uint32(f.v)
		case PacketSequenceFlags:
			flags = f.v
		case PacketTimestamp:
			ts, hasTS = f.v, true
		case PacketTimestampClockID:
			clockID = f.v
		case PacketTrackEvent:
			te, hasTE = f.b, true
		case PacketTrackDescriptor:
			td, hasTD = f.b, true
		case PacketInternedData:
			in = f.b
		case PacketClockSnapshot:
			clk = f.b
		case PacketDefaults:
			defaults = f.b
		case PacketFtraceEvents:
			bundle, hasB = f.b, true
		case PacketCompressedPackets:
			compressed = f.b
		}
	}
	if compressed != nil {
		inner, err := Inflate(compressed)
		if err != nil {
			return fmt.Errorf("compressed packets: %w", err)
		}
		return t.readPackets(inner, seqs)
	}
	t.Packets++
	st := seqs[seqID]
	if st == nil {
		st = &seqState{}
		seqs[seqID] = st
	}
	if flags&SeqIncrementalStateCleared != 0 {
		if seqID == 0 {
			return errors.New("incremental state cleared on sequence 0")
		}
		st.clear()
	}
	if flags&SeqNeedsIncrementalState != 0 && (!st.valid || seqID == 0) {
		return fmt.Errorf("sequence %d needs incremental state it does not have", seqID)
	}
	if defaults != nil {
		dfs, err := fields(defaults)
		if err != nil {
			return err
		}
		for _, f := range dfs {
			if f.num == DefaultsTimestampClockID {
				st.clock = f.v
			}
		}
	}
	if in != nil {
		if err := st.intern(in); err != nil {
			return err
		}
	}
	if clk != nil {
		cfs, err := fields(clk)
		if err != nil {
			return err
		}
		for _, f := range cfs {
			if f.num != ClockSnapshotClocks {
				continue
			}
			c, err := fields(f.b)
			if err != nil {
				return err
			}
			var id, v uint64
			inc := false
			for _, x := range c {
				switch x.num {
				case ClockID:
					id = x.v
				case ClockTimestamp:
					v = x.v
				case ClockIsIncremental:
					inc = x.v != 0
				}
			}
			if id == ClockUser {
				if !inc {
					return errors.New("user clock is not incremental")
				}
				st.incBase, st.incSet = int64(v), true
			}
		}
		return nil
	}
	if hasTD {
		return t.descriptor(td)
	}
	if hasB {
		return t.bundle(bundle)
	}
	if !hasTE {
		return nil
	}
	if !hasTS {
		return errors.New("track event without a timestamp")
	}
	if seqID == 0 {
		// Perfetto's trace processor drops these.
		return errors.New("track event without trusted_packet_sequence_id")
	}
	abs := int64(ts)
	if clockID == 0 {
		clockID = st.clock
	}
	switch clockID {
	case 0, ClockBoottime:
	case ClockUser:
		if seqID == 0 || !st.incSet {
			return errors.New("incremental timestamp without a clock snapshot on its sequence")
		}
		st.incBase += int64(ts)
		abs = st.incBase
	default:
		return fmt.Errorf("unknown clock %d", clockID)
	}
	return t.trackEvent(te, abs, seqID, st)
}

// Inflate decompresses the content of compressed_packets as Perfetto does:
// a gzip stream, or a zlib one.
func Inflate(z []byte) ([]byte, error) {
	br := bytes.NewReader(z)
	var r io.Reader
	if len(z) >= 2 && z[0] == 0x1f && z[1] == 0x8b {
		gr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		gr.Multistream(false) // one stream, as zlib's inflate reads
		r = gr
	} else {
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	out, err := io.ReadAll(r)
	if err == nil && br.Len() > 0 {
		err = fmt.Errorf("%d bytes after the compressed stream", br.Len())
	}
	return out, err
}

func (st *seqState) intern(b []byte) error {
	fs, err := fields(b)
	if err != nil {
		return err
	}
	for _, f := range fs {
		ifs, err := fields(f.b)
		if err != nil {
			return err
		}
		var iid uint64
		var str string
		var frameIDs []uint64
		var fn, file, line uint64
		for _, x := range ifs {
			switch {
			case x.num == InternIID:
				iid = x.v
			case x.num == InternName && f.num != InternedFrames && f.num != InternedCallstacks:
				str = string(x.b)
			case f.num == InternedFrames && x.num == FrameFuncID:
				fn = x.v
			case f.num == InternedFrames && x.num == FrameSourceID:
				file = x.v
			case f.num == InternedFrames && x.num == FrameLine:
				line = x.v
			case f.num == InternedCallstacks && x.num == CallstackFrames:
				if frameIDs, err = packed(x.b); err != nil {
					return err
				}
			}
		}
		if iid == 0 {
			return fmt.Errorf("interned entry of field %d without an iid", f.num)
		}
		switch f.num {
		case InternedEventNames:
			st.names[iid] = str
		case InternedFuncNames:
			st.funcs[iid] = str
		case InternedSourcePath:
			st.files[iid] = str
		case InternedFrames:
			name, ok := st.funcs[fn]
			if !ok {
				return fmt.Errorf("frame %d: function name %d not interned", iid, fn)
			}
			s := name
			if file != 0 {
				path, ok := st.files[file]
				if !ok {
					return fmt.Errorf("frame %d: source path %d not interned", iid, file)
				}
				s += fmt.Sprintf(" %s:%d", path, line)
			}
			st.frames[iid] = s
		case InternedCallstacks:
			var stack []string
			for _, id := range frameIDs {
				s, ok := st.frames[id]
				if !ok {
					return fmt.Errorf("callstack %d: frame %d not interned", iid, id)
				}
				stack = append(stack, s)
			}
			st.callstacks[iid] = stack
		default:
			return fmt.Errorf("unexpected interned field %d", f.num)
		}
	}
	return nil
}

func (t *Trace) descriptor(b []byte) error {
	fs, err := fields(b)
	if err != nil {
		return err
	}
	tr := &Track{}
	for _, f := range fs {
		switch f.num {
		case TrackUUID:
			tr.UUID = f.v
		case TrackParentUUID:
			tr.Parent = f.v
		case TrackName:
			tr.Name = string(f.b)
		case TrackCounter:
			tr.Counter = true
		case TrackProcess, TrackThread:
			sub, err := fields(f.b)
			if err != nil {
				return err
			}
			for _, x := range sub {
				switch {
				case f.num == TrackProcess && x.num == ProcessPID:
					tr.PID = int64(x.v)
				case f.num == TrackProcess && x.num == ProcessName:
					tr.Name = string(x.b)
				case f.num == TrackThread && x.num == ThreadPID:
					tr.PID = int64(x.v)
				case f.num == TrackThread && x.num == ThreadTID:
					tr.TID = int64(x.v)
				case f.num == TrackThread && x.num == ThreadName:
					tr.Name = string(x.b)
				}
			}
			tr.Process, tr.Thread = f.num == TrackProcess, f.num == TrackThread
		}
	}
	if tr.UUID == 0 {
		return errors.New("track descriptor without a uuid")
	}
	if old, ok := t.Tracks[tr.UUID]; ok && *old != *tr {
		return fmt.Errorf("track %d declared twice, differently: %+v and %+v", tr.UUID, *old, *tr)
	}
	t.Tracks[tr.UUID] = tr
	return nil
}

func (t *Trace) trackEvent(b []byte, ts int64, seq uint32, st *seqState) error {
	fs, err := fields(b)
	if err != nil {
		return err
	}
	ev := Event{TS: ts, Seq: seq}
	for _, f := range fs {
		switch f.num {
		case EventType:
			ev.Type = f.v
		case EventTrackUUID:
			ev.Track = f.v
		case EventName:
			ev.Name = string(f.b)
		case EventNameIID:
			name, ok := st.names[f.v]
			if !ok || seq == 0 {
				return fmt.Errorf("event name %d not interned on sequence %d", f.v, seq)
			}
			ev.Name = name
		case EventCallstackIID:
			stack, ok := st.callstacks[f.v]
			if !ok || seq == 0 {
				return fmt.Errorf("callstack %d not interned on sequence %d", f.v, seq)
			}
			ev.Stack = stack
		case EventInlineCallstack:
			frs, err := fields(f.b)
			if err != nil {
				return err
			}
			for _, fr := range frs {
				xs, err := fields(fr.b)
				if err != nil {
					return err
				}
				var fn, file string
				var line uint64
				for _, x := range xs {
					switch x.num {
					case InlineFunc:
						fn = string(x.b)
					case InlineFile:
						file = string(x.b)
					case InlineLine:
						line = x.v
					}
				}
				s := fn
				if file != "" {
					s += fmt.Sprintf(" %s:%d", file, line)
				}
				ev.Stack = append(ev.Stack, s)
			}
		case EventCounterValue:
			ev.Value = int64(f.v)
		case EventDebugAnnot:
			xs, err := fields(f.b)
			if err != nil {
				return err
			}
			var k, v string
			for _, x := range xs {
				switch x.num {
				case 10:
					k = string(x.b)
				case AnnotString:
					v = string(x.b)
				}
			}
			if ev.Args == nil {
				ev.Args = map[string]string{}
			}
			ev.Args[k] = v
		}
	}
	if ev.Type < TypeSliceBegin || ev.Type > TypeCounter {
		return fmt.Errorf("track event of type %d", ev.Type)
	}
	t.Events = append(t.Events, ev)
	return nil
}

func (t *Trace) bundle(b []byte) error {
	fs, err := fields(b)
	if err != nil {
		return err
	}
	cpu := -1
	var cs []byte
	for _, f := range fs {
		switch f.num {
		case BundleCPU:
			cpu = int(f.v)
		case BundleCompactSched:
			cs = f.b
		}
	}
	if cpu < 0 || cpu >= 1024 {
		return fmt.Errorf("bundle of cpu %d", cpu)
	}
	xs, err := fields(cs)
	if err != nil {
		return err
	}
	col := map[protowire.Number][]uint64{}
	var intern []string
	for _, x := range xs {
		if x.num == SchedInternTable {
			intern = append(intern, string(x.b))
			continue
		}
		v, err := packed(x.b)
		if err != nil {
			return err
		}
		col[x.num] = append(col[x.num], v...)
	}
	n := len(col[SwitchTimestamp])
	for _, k := range []protowire.Number{SwitchPrevState, SwitchNextPID, SwitchNextPrio, SwitchNextComm} {
		if len(col[k]) != n {
			return fmt.Errorf("compact sched: %d switch timestamps but %d values of field %d", n, len(col[k]), k)
		}
	}
	var ts int64
	for i := range n {
		ts += int64(col[SwitchTimestamp][i])
		if int(col[SwitchNextComm][i]) >= len(intern) {
			return errors.New("compact sched: comm index out of the intern table")
		}
		t.Switches = append(t.Switches, Switch{TS: ts, CPU: cpu, Prev: int64(col[SwitchPrevState][i]), Next: int64(col[SwitchNextPID][i])})
	}
	n = len(col[WakingTimestamp])
	for _, k := range []protowire.Number{WakingPID, WakingTargetCPU, WakingPrio, WakingComm, WakingFlags} {
		if len(col[k]) != n {
			return fmt.Errorf("compact sched: %d waking timestamps but %d values of field %d", n, len(col[k]), k)
		}
	}
	ts = 0
	for i := range n {
		ts += int64(col[WakingTimestamp][i])
		if int(col[WakingComm][i]) >= len(intern) {
			return errors.New("compact sched: comm index out of the intern table")
		}
		t.Wakings = append(t.Wakings, Waking{TS: ts, CPU: cpu, PID: int64(col[WakingPID][i]), Flags: col[WakingFlags][i]})
	}
	return nil
}

// Slice is a completed slice on a track.
type Slice struct {
	Track      uint64
	Name       string
	Start, End int64
	Depth      int
	Stack      []string
}

// Run is a completed running interval of a thread on a cpu.
type Run struct {
	TID        int64
	CPU        int
	Start, End int64
}

// Check verifies what a viewer relies on: every track used is declared,
// with its parent; slices nest on every track, each end after its begin;
// a thread runs on one cpu at a time. It returns the slices and the runs.
func (t *Trace) Check() ([]Slice, []Run, error) {
	for _, tr := range t.Tracks {
		if tr.Parent != 0 && t.Tracks[tr.Parent] == nil {
			return nil, nil, fmt.Errorf("track %d (%s): parent %d is not declared", tr.UUID, tr.Name, tr.Parent)
		}
	}
	// Perfetto sorts by timestamp; events of equal time keep file order.
	evs := slices.Clone(t.Events)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].TS < evs[j].TS })
	open := map[uint64][]Event{}
	var out []Slice
	for _, ev := range evs {
		tr := t.Tracks[ev.Track]
		if tr == nil {
			return nil, nil, fmt.Errorf("event at %d on undeclared track %d", ev.TS, ev.Track)
		}
		if (ev.Type == TypeCounter) != tr.Counter {
			return nil, nil, fmt.Errorf("event of type %d at %d on track %d (%s), counter %v", ev.Type, ev.TS, ev.Track, tr.Name, tr.Counter)
		}
		switch ev.Type {
		case TypeSliceBegin:
			if ev.Name == "" {
				return nil, nil, fmt.Errorf("unnamed slice at %d on track %d", ev.TS, ev.Track)
			}
			open[ev.Track] = append(open[ev.Track], ev)
		case TypeSliceEnd:
			st := open[ev.Track]
			if len(st) == 0 {
				return nil, nil, fmt.Errorf("slice end without a begin at %d on track %d (%s)", ev.TS, ev.Track, tr.Name)
			}
			b := st[len(st)-1]
			open[ev.Track] = st[:len(st)-1]
			out = append(out, Slice{Track: ev.Track, Name: b.Name, Start: b.TS, End: ev.TS, Depth: len(st) - 1, Stack: b.Stack})
		}
	}
	for id, st := range open {
		if len(st) > 0 {
			return nil, nil, fmt.Errorf("track %d (%s): %d slices never end (first %q at %d)", id, t.Tracks[id].Name, len(st), st[0].Name, st[0].TS)
		}
	}
	// Scheduling: Perfetto reads each cpu's switches in time order and
	// skips the first, which only says what runs there.
	sws := slices.Clone(t.Switches)
	sort.SliceStable(sws, func(i, j int) bool { return sws[i].TS < sws[j].TS })
	type cur struct {
		pid   int64
		since int64
		seen  bool
	}
	cpus := map[int]*cur{}
	on := map[int64]int{} // running thread -> cpu
	var runs []Run
	for _, s := range sws {
		c := cpus[s.CPU]
		if c == nil {
			c = &cur{}
			cpus[s.CPU] = c
		}
		if c.seen && c.pid != 0 {
			runs = append(runs, Run{TID: c.pid, CPU: s.CPU, Start: c.since, End: s.TS})
			delete(on, c.pid)
		}
		if s.Next != 0 {
			if cpu, ok := on[s.Next]; ok {
				return nil, nil, fmt.Errorf("thread %d switched in on cpu %d at %d while running on cpu %d", s.Next, s.CPU, s.TS, cpu)
			}
			if !c.seen {
				return nil, nil, fmt.Errorf("cpu %d: first switch (skipped by Perfetto) runs thread %d", s.CPU, s.Next)
			}
			on[s.Next] = s.CPU
		}
		c.pid, c.since, c.seen = s.Next, s.TS, true
	}
	for cpu, c := range cpus {
		if c.pid != 0 {
			return nil, nil, fmt.Errorf("cpu %d: thread %d still running at the end", cpu, c.pid)
		}
	}
	return out, runs, nil
}

// Dump writes a readable listing of the trace: tracks, then events in time
// order, then scheduling.
func (t *Trace) Dump(w io.Writer) error {
	var b strings.Builder
	ids := make([]uint64, 0, len(t.Tracks))
	for id := range t.Tracks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		tr := t.Tracks[id]
		kind := "track"
		switch {
		case tr.Process:
			kind = fmt.Sprintf("process pid=%d", tr.PID)
		case tr.Thread:
			kind = fmt.Sprintf("thread pid=%d tid=%d", tr.PID, tr.TID)
		case tr.Counter:
			kind = "counter"
		}
		fmt.Fprintf(&b, "track %d parent=%d %s %q\n", id, tr.Parent, kind, tr.Name)
	}
	evs := slices.Clone(t.Events)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].TS < evs[j].TS })
	types := []string{"", "B", "E", "I", "C"}
	for _, ev := range evs {
		fmt.Fprintf(&b, "%d %s track=%d", ev.TS, types[ev.Type], ev.Track)
		if ev.Name != "" {
			fmt.Fprintf(&b, " %q", ev.Name)
		}
		if ev.Type == TypeCounter {
			fmt.Fprintf(&b, " %d", ev.Value)
		}
		if len(ev.Stack) > 0 {
			fmt.Fprintf(&b, " stack=%q", ev.Stack[len(ev.Stack)-1])
		}
		b.WriteByte('\n')
	}
	sws := slices.Clone(t.Switches)
	sort.SliceStable(sws, func(i, j int) bool { return sws[i].TS < sws[j].TS })
	for _, s := range sws {
		fmt.Fprintf(&b, "%d switch cpu=%d prev_state=%d next=%d\n", s.TS, s.CPU, s.Prev, s.Next)
	}
	wks := slices.Clone(t.Wakings)
	sort.SliceStable(wks, func(i, j int) bool { return wks[i].TS < wks[j].TS })
	for _, k := range wks {
		fmt.Fprintf(&b, "%d waking cpu=%d pid=%d flags=%d\n", k.TS, k.CPU, k.PID, k.Flags)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
