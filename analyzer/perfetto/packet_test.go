package perfetto

import (
	"bytes"
	"math"
	"reflect"
	"testing"
)

// encSmall is AppendSmall written with Enc, field for field.
func encSmall(dt, seq uint64, in []byte, ev *Small) []byte {
	var e Enc
	e.Begin(TracePacketField)
	e.Uint(PacketTimestamp, dt)
	e.Uint(PacketSequenceID, seq)
	if len(in) > 0 {
		e.Bytes(PacketInternedData, in)
	}
	e.Begin(PacketTrackEvent)
	e.Uint(EventType, ev.Type)
	e.Uint(EventTrackUUID, ev.Track)
	if ev.Name != 0 {
		e.Uint(EventNameIID, ev.Name)
	}
	if ev.Callstack != 0 {
		e.Uint(EventCallstackIID, ev.Callstack)
	}
	if ev.Type == TypeCounter {
		e.Int(EventCounterValue, ev.Value)
	}
	e.End()
	e.End()
	return e.B
}

func TestAppendSmall(t *testing.T) {
	long := bytes.Repeat([]byte{0x12, 0x03, 0x08, 0x01, 0x12}, 40) // 200 bytes: a two-byte length
	cases := []struct {
		name string
		dt   uint64
		seq  uint64
		in   []byte
		ev   Small
	}{
		{"end", 5, 1, nil, Small{Type: TypeSliceEnd, Track: 9}},
		{"begin", 300, 1, nil, Small{Type: TypeSliceBegin, Track: 1 << 20, Name: 7, Callstack: 130}},
		{"interned", 0, 1, []byte{0x12, 0x02, 0x08, 0x01}, Small{Type: TypeSliceBegin, Track: 1, Name: 1}},
		{"long interned", 1 << 40, 200, long, Small{Type: TypeInstant, Track: math.MaxUint64, Name: math.MaxUint64, Callstack: math.MaxUint64}},
		{"counter", 1, 1, nil, Small{Type: TypeCounter, Track: 45, Value: 12345}},
		{"negative counter", 1, 1, nil, Small{Type: TypeCounter, Track: 45, Value: -1}},
		{"widest", math.MaxUint64, math.MaxUint64, nil, Small{Type: TypeCounter, Track: math.MaxUint64, Name: math.MaxUint64, Callstack: math.MaxUint64, Value: math.MinInt64}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prefix := []byte{0xaa}
			got := AppendSmall(prefix, c.dt, c.seq, c.in, &c.ev)
			want := append([]byte{0xaa}, encSmall(c.dt, c.seq, c.in, &c.ev)...)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendSmall:\n got % x\nwant % x", got, want)
			}
		})
	}
}

// TestCompressor: packets read the same compressed as plain, and an
// empty run appends nothing.
func TestCompressor(t *testing.T) {
	var plain Enc
	plain.Begin(TracePacketField)
	plain.Uint(PacketSequenceID, 1)
	plain.Uint(PacketSequenceFlags, SeqIncrementalStateCleared)
	plain.End()
	plain.Begin(TracePacketField)
	plain.Begin(PacketTrackDescriptor)
	plain.Uint(TrackUUID, 9)
	plain.String(TrackName, "track")
	plain.End()
	plain.End()
	for i := range 1000 {
		ev := Small{Type: TypeSliceBegin, Track: 9}
		if i%2 == 1 {
			ev.Type = TypeSliceEnd
		}
		plain.B = AppendSmall(plain.B, uint64(i), 1, nil, &ev)
	}
	var c Compressor
	if got := c.Append(nil, nil); len(got) != 0 {
		t.Fatalf("an empty run appends % x", got)
	}
	// Two runs through one Compressor, the second one reset.
	half := len(plain.B)
	var z []byte
	for i, d := 0, plain.B; len(d) > 0; i++ {
		z = c.Append(z, d)
		d = nil
	}
	if len(z) >= half/2 {
		t.Errorf("%d bytes compressed to %d", half, len(z))
	}
	z = c.Append(z, plain.B[:0])
	want, err := Read(bytes.NewReader(plain.B))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("compressed, the packets read otherwise: %d events, want %d", len(got.Events), len(want.Events))
	}
	if got.Packets != 1002 {
		t.Errorf("%d packets, want 1002", got.Packets)
	}
}

func BenchmarkAppendSmall(b *testing.B) {
	buf := make([]byte, 0, 1<<16)
	evs := []Small{
		{Type: TypeSliceBegin, Track: 9 << 3, Name: 12, Callstack: 300},
		{Type: TypeSliceEnd, Track: 9 << 3},
	}
	for i := 0; b.Loop(); i++ {
		if len(buf) > 1<<16-100 {
			buf = buf[:0]
		}
		buf = AppendSmall(buf, uint64(i&0x3fff), 1, nil, &evs[i&1])
	}
}
