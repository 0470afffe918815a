package perfetto

import (
	"encoding/binary"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// Small is a track event of the few fields most events of a timeline carry:
// slice begins and ends, instants and counter values. Zero fields are left
// out.
type Small struct {
	Type      uint64 // TypeSliceBegin, TypeSliceEnd, TypeInstant or TypeCounter
	Track     uint64 // track uuid
	Name      uint64 // interned event name (0: none)
	Callstack uint64 // interned callstack (0: none)
	Value     int64  // counter value, when Type is TypeCounter
}

// Tags of the fields AppendSmall writes (field number << 3 | wire type;
// wire type 0 is varint, 2 length-delimited), one byte each but the last
// two.
const (
	tagPacket    = TracePacketField<<3 | 2
	tagTimestamp = PacketTimestamp << 3
	tagSequence  = PacketSequenceID << 3
	tagInterned  = PacketInternedData<<3 | 2
	tagEvent     = PacketTrackEvent<<3 | 2
	tagType      = EventType << 3
	tagTrack     = EventTrackUUID << 3
	tagName      = EventNameIID << 3
	tagCallstack = EventCallstackIID << 3 // two bytes
	tagValue     = EventCounterValue << 3 // two bytes
)

func sizeVarint(v uint64) int {
	if v < 0x80 {
		return 1
	}
	return protowire.SizeVarint(v)
}

// AppendVarint is protowire.AppendVarint, inlined where v takes one byte,
// as most values of a timeline do.
func AppendVarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return binary.AppendUvarint(b, v)
}

// AppendSmall appends to b one TracePacket (with its Trace.packet tag) on
// sequence seq, at timestamp delta dt of the sequence's default clock,
// carrying the interned data in (a serialized InternedData, nil for none)
// and track event ev. It is the hand-rolled equivalent of the Enc calls
// for the events a timeline has millions of. Without interned data a
// packet is shorter than 128 bytes, so each length takes one byte, written
// once what it measures is.
func AppendSmall(b []byte, dt uint64, seq uint64, in []byte, ev *Small) []byte {
	if len(in) > 0 {
		return appendSmallInterned(b, dt, seq, in, ev)
	}
	if cap(b)-len(b) < maxSmall {
		b = slices.Grow(b, maxSmall)
	}
	at := len(b)
	w := b[at : at+maxSmall]
	w[0], w[2] = tagPacket, tagTimestamp
	i := putVarint(w, 3, dt)
	w[i] = tagSequence
	i = putVarint(w, i+1, seq)
	w[i], w[i+2], w[i+3], w[i+4] = tagEvent, tagType, byte(ev.Type), tagTrack
	evAt := i + 1
	i = putVarint(w, i+5, ev.Track)
	if ev.Name != 0 {
		w[i] = tagName
		i = putVarint(w, i+1, ev.Name)
	}
	if ev.Callstack != 0 {
		w[i], w[i+1] = tagCallstack&0x7f|0x80, tagCallstack>>7
		i = putVarint(w, i+2, ev.Callstack)
	}
	if ev.Type == TypeCounter {
		w[i], w[i+1] = tagValue&0x7f|0x80, tagValue>>7
		i = putVarint(w, i+2, uint64(ev.Value))
	}
	w[evAt] = byte(i - evAt - 1)
	w[1] = byte(i - 2)
	return b[:at+i]
}

// maxSmall bounds a Small packet without interned data: packet tag and
// length (2), timestamp (11), sequence (11), event tag and length (2),
// type (2), track (11), name (11), callstack (12), value (12).
const maxSmall = 74

// appendSmallInterned is AppendSmall of a packet with interned data.
func appendSmallInterned(b []byte, dt uint64, seq uint64, in []byte, ev *Small) []byte {
	var e Enc
	e.B = b
	e.Begin(TracePacketField)
	e.Uint(PacketTimestamp, dt)
	e.Uint(PacketSequenceID, seq)
	e.Bytes(PacketInternedData, in)
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

// putVarint writes v at b[i:] and returns the index after it.
func putVarint(b []byte, i int, v uint64) int {
	for v >= 0x80 {
		b[i] = byte(v) | 0x80
		v >>= 7
		i++
	}
	b[i] = byte(v)
	return i + 1
}

// Compressor writes TracePackets as TracePacket.compressed_packets: a
// gzip stream of serialized packets, which Perfetto's trace processor
// inflates before it reads them (it takes gzip or zlib). It compresses
// with deflater, about twice as fast as compress/flate at BestSpeed on a
// timeline's packets, for output about a quarter larger. One Compressor
// serves one goroutine.
type Compressor struct {
	d *deflater
}

// Append appends to dst one TracePacket (with its Trace.packet tag) whose
// compressed_packets holds src, a run of whole TracePackets each with its
// Trace.packet tag. An empty src appends nothing.
func (c *Compressor) Append(dst, src []byte) []byte {
	if len(src) == 0 {
		return dst
	}
	if c.d == nil {
		c.d = new(deflater)
	}
	// The gzip member is written after a header of the largest size its
	// lengths can take, then moved next to the smallest one.
	const room = 1 + binary.MaxVarintLen64 + 2 + binary.MaxVarintLen64
	at := len(dst)
	dst = slices.Grow(dst, room+len(src)/4)[:at+room]
	dst = c.d.appendGzip(dst, src)
	z := dst[at+room:]
	inner := protowire.SizeTag(PacketCompressedPackets) + sizeVarint(uint64(len(z))) + len(z)
	h := dst[at : at : at+room]
	h = append(h, tagPacket)
	h = protowire.AppendVarint(h, uint64(inner))
	h = protowire.AppendTag(h, PacketCompressedPackets, protowire.BytesType)
	h = protowire.AppendVarint(h, uint64(len(z)))
	n := copy(dst[at+len(h):], z)
	return dst[:at+len(h)+n]
}
