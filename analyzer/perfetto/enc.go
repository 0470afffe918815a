// Package perfetto writes and reads Perfetto's protobuf trace format: a
// Trace message that is a stream of TracePackets (field 1). It knows the few
// messages gotrace writes — track descriptors, track events, interned data,
// clock snapshots, packet defaults and ftrace's compact scheduling bundles —
// by their field numbers in Perfetto's protos
// (protos/perfetto/trace/trace_packet.proto and the files it imports), and
// encodes them by hand with google.golang.org/protobuf/encoding/protowire.
//
// Enc appends to a byte slice, so a caller can build one buffer per
// generation of a Go trace in parallel and write the buffers in order;
// AppendSmall writes the track events a timeline has millions of, and
// Compressor packs runs of packets into compressed_packets.
package perfetto

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the messages gotrace writes, named Message_field.
const (
	TracePacketField = 1 // Trace.packet

	// TracePacket.
	PacketTimestamp         = 8
	PacketTimestampClockID  = 58
	PacketSequenceID        = 10 // trusted_packet_sequence_id
	PacketSequenceFlags     = 13
	PacketTrackEvent        = 11
	PacketTrackDescriptor   = 60
	PacketInternedData      = 12
	PacketDefaults          = 59 // trace_packet_defaults
	PacketClockSnapshot     = 6
	PacketFtraceEvents      = 1 // FtraceEventBundle
	PacketCompressedPackets = 50

	// TracePacket.sequence_flags values.
	SeqIncrementalStateCleared = 1
	SeqNeedsIncrementalState   = 2

	// TracePacketDefaults.
	DefaultsTimestampClockID = 58

	// ClockSnapshot and ClockSnapshot.Clock.
	ClockSnapshotClocks = 1
	ClockID             = 1
	ClockTimestamp      = 2
	ClockIsIncremental  = 3
	// Builtin clocks; ids 64-127 are sequence-scoped user clocks.
	ClockBoottime = 6
	ClockUser     = 64

	// TrackDescriptor.
	TrackUUID          = 1
	TrackParentUUID    = 5
	TrackName          = 2
	TrackDescription   = 14
	TrackProcess       = 3
	TrackThread        = 4
	TrackCounter       = 8
	TrackChildOrdering = 11
	TrackOrderRank     = 12
	// TrackDescriptor.ChildTracksOrdering.
	OrderLexicographic = 1
	OrderChronological = 2
	OrderExplicit      = 3

	// ProcessDescriptor and ThreadDescriptor.
	ProcessPID       = 1
	ProcessName      = 6
	ThreadPID        = 1
	ThreadTID        = 2
	ThreadName       = 5
	CounterUnit      = 3
	CounterUnitCount = 2
	CounterUnitBytes = 3
	CounterIncrement = 5 // CounterDescriptor.is_incremental

	// TrackEvent.
	EventType         = 9
	EventTrackUUID    = 11
	EventNameIID      = 10
	EventName         = 23
	EventCounterValue = 30
	EventFlowIDs      = 47 // fixed64
	EventTermFlowIDs  = 48 // fixed64
	EventCallstackIID = 56
	// TrackEvent.callstack (InlineCallstack) and its Frame.
	EventInlineCallstack = 55
	InlineFrames         = 1
	InlineFunc           = 1
	InlineFile           = 2
	InlineLine           = 3
	EventDebugAnnot      = 4
	EventCategoryIIDs    = 3
	TypeSliceBegin       = 1
	TypeSliceEnd         = 2
	TypeInstant          = 3
	TypeCounter          = 4
	AnnotNameIID         = 1
	AnnotUint            = 3
	AnnotInt             = 4
	AnnotString          = 6
	AnnotStringIID       = 17
	InternedEventNames   = 2
	InternedAnnotNames   = 3
	InternedAnnotStrs    = 29 // debug_annotation_string_values
	InternedFuncNames    = 5
	InternedFrames       = 6
	InternedCallstacks   = 7
	InternedSourcePath   = 18
	// EventName, DebugAnnotationName: iid 1, name 2. InternedString: iid 1, str 2.
	InternIID  = 1
	InternName = 2
	// Frame.
	FrameFuncID   = 2
	FrameSourceID = 5
	FrameLine     = 6
	// Callstack.
	CallstackFrames = 2

	// FtraceEventBundle and its CompactSched.
	BundleCPU          = 1
	BundleCompactSched = 4
	SchedInternTable   = 5
	SwitchTimestamp    = 1
	SwitchPrevState    = 2
	SwitchNextPID      = 3
	SwitchNextPrio     = 4
	SwitchNextComm     = 6
	WakingTimestamp    = 7
	WakingPID          = 8
	WakingTargetCPU    = 9
	WakingPrio         = 10
	WakingComm         = 11
	WakingFlags        = 12
)

// Enc appends protobuf fields to B. Begin and End bracket a nested message,
// whose length is patched in when it ends.
type Enc struct {
	B     []byte
	stack []int
}

var zeros [16]byte

// Begin starts the nested message of field f.
func (e *Enc) Begin(f protowire.Number) {
	e.B = protowire.AppendTag(e.B, f, protowire.BytesType)
	e.stack = append(e.stack, len(e.B))
	e.B = append(e.B, 0) // length, one byte reserved
}

// End ends the innermost nested message.
func (e *Enc) End() {
	start := e.stack[len(e.stack)-1]
	e.stack = e.stack[:len(e.stack)-1]
	n := len(e.B) - start - 1
	if n < 0x80 {
		e.B[start] = byte(n)
		return
	}
	k := protowire.SizeVarint(uint64(n))
	e.B = append(e.B, zeros[:k-1]...)
	copy(e.B[start+k:], e.B[start+1:start+1+n])
	protowire.AppendVarint(e.B[start:start], uint64(n))
}

// Depth is the number of messages begun and not ended.
func (e *Enc) Depth() int { return len(e.stack) }

// Uint appends a varint field.
func (e *Enc) Uint(f protowire.Number, v uint64) {
	e.B = protowire.AppendTag(e.B, f, protowire.VarintType)
	e.B = protowire.AppendVarint(e.B, v)
}

// Int appends an int64 (or int32) field: negative values take ten bytes.
func (e *Enc) Int(f protowire.Number, v int64) { e.Uint(f, uint64(v)) }

// Bool appends a bool field.
func (e *Enc) Bool(f protowire.Number, v bool) {
	b := uint64(0)
	if v {
		b = 1
	}
	e.Uint(f, b)
}

// Fixed64 appends a fixed64 field.
func (e *Enc) Fixed64(f protowire.Number, v uint64) {
	e.B = protowire.AppendTag(e.B, f, protowire.Fixed64Type)
	e.B = protowire.AppendFixed64(e.B, v)
}

// String appends a string (or bytes) field.
func (e *Enc) String(f protowire.Number, s string) {
	e.B = protowire.AppendTag(e.B, f, protowire.BytesType)
	e.B = protowire.AppendString(e.B, s)
}

// Bytes appends a bytes field.
func (e *Enc) Bytes(f protowire.Number, b []byte) {
	e.B = protowire.AppendTag(e.B, f, protowire.BytesType)
	e.B = protowire.AppendBytes(e.B, b)
}

// Packed appends a packed repeated varint field holding vs, already
// varint-encoded back to back.
func (e *Enc) Packed(f protowire.Number, vs []byte) {
	if len(vs) == 0 {
		return
	}
	e.Bytes(f, vs)
}

// Repeated appends a packed repeated varint field holding n copies of v
// (below 0x80, so one byte each).
func (e *Enc) Repeated(f protowire.Number, v byte, n int) {
	if n == 0 {
		return
	}
	e.B = protowire.AppendTag(e.B, f, protowire.BytesType)
	e.B = protowire.AppendVarint(e.B, uint64(n))
	at := len(e.B)
	e.B = append(e.B, make([]byte, n)...)
	if v != 0 {
		col := e.B[at:]
		for i := range col {
			col[i] = v
		}
	}
}

// Reset empties the buffer, keeping its memory.
func (e *Enc) Reset() {
	e.B = e.B[:0]
	e.stack = e.stack[:0]
}
