package perfetto

import (
	"encoding/binary"
	"hash/crc32"
	"math/bits"
)

// A gzip writer built for speed over ratio: one deflate block of the fixed
// Huffman codes (RFC 1951, 3.2.6) over a greedy LZ77 match finder with a
// single hash-table probe. A timeline's packets are so repetitive (tags,
// lengths, track uuids) that the fixed codes lose little to dynamic ones,
// and leaving out per-block code construction, token buffers and
// byte-at-a-time match extension makes it several times faster than
// compress/flate at BestSpeed. Any inflater reads its output; tests hold it
// to compress/gzip's reader.

const (
	hashBits   = 14
	maxDist    = 1 << 15 // deflate's window
	minMatch   = 4       // the hash covers four bytes
	maxMatch   = 258
	endOfBlock = 256
)

// deflater holds the match finder's table between calls, to save its
// allocation.
type deflater struct {
	table [1 << hashBits]int32 // 1 + the last position of each hashed four bytes; 0: none
}

// Fixed literal/length codes, bit-reversed (deflate writes Huffman codes
// from their most significant bit), with their lengths; and the length
// symbols of match lengths 3..258.
var (
	litCode [286]uint16
	litBits [286]uint8
	lenSym  [256]uint16 // by length-3
)

func init() {
	for v := range 286 {
		var code, n int
		switch {
		case v < 144:
			code, n = 0x30+v, 8
		case v < 256:
			code, n = 0x190+v-144, 9
		case v < 280:
			code, n = v-256, 7
		default:
			code, n = 0xc0+v-280, 8
		}
		litCode[v] = uint16(bits.Reverse32(uint32(code)) >> (32 - n))
		litBits[v] = uint8(n)
	}
	for l := range 256 {
		lenSym[l] = uint16(lengthSymbol(l))
	}
}

// lengthSymbol returns the length symbol of match length l+3, and the
// number and value of its extra bits.
func lengthSymbol(l int) int {
	switch {
	case l < 8:
		return 257 + l
	case l == 255:
		return 285
	}
	nb := bits.Len32(uint32(l)) - 1
	return 257 + 4*(nb-1) + (l>>(nb-2))&3
}

// lengthExtra returns the extra bits of match length l+3: their count and
// value.
func lengthExtra(l int) (uint, uint64) {
	if l < 8 || l == 255 {
		return 0, 0
	}
	nb := uint(bits.Len32(uint32(l)) - 3)
	return nb, uint64(l) & (1<<nb - 1)
}

// bitWriter packs codes least significant bit first.
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) put(v uint64, n uint) {
	w.acc |= v << w.nacc
	w.nacc += n
	if w.nacc >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.nacc -= 32
	}
}

func (w *bitWriter) flush() {
	for w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= min(w.nacc, 8)
	}
}

func load32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }
func load64(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

func hash4(u uint32) uint32 { return (u * 0x1e35a7bd) >> (32 - hashBits) }

// appendGzip appends to dst src as one gzip member.
func (d *deflater) appendGzip(dst, src []byte) []byte {
	// Header: magic, deflate, no flags, no time, no extra flags, unknown OS.
	dst = append(dst, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255)
	w := bitWriter{out: dst}
	w.put(1|1<<1, 3) // the final block, of fixed codes
	clear(d.table[:])
	s, lit := 0, 0 // next byte to look at; first byte not written yet
	for s+8 <= len(src) {
		cur := load32(src, s)
		h := hash4(cur)
		cand := int(d.table[h]) - 1
		d.table[h] = int32(s + 1)
		if cand < 0 || s-cand > maxDist || load32(src, cand) != cur {
			s++
			continue
		}
		// A match: extend it eight bytes at a time.
		n := minMatch
		for limit := min(maxMatch, len(src)-s); n+8 <= limit; n += 8 {
			if x := load64(src, s+n) ^ load64(src, cand+n); x != 0 {
				n += bits.TrailingZeros64(x) / 8
				goto extended
			}
		}
		for limit := min(maxMatch, len(src)-s); n < limit && src[s+n] == src[cand+n]; n++ {
		}
	extended:
		for ; lit < s; lit++ {
			w.put(uint64(litCode[src[lit]]), uint(litBits[src[lit]]))
		}
		sym := lenSym[n-3]
		w.put(uint64(litCode[sym]), uint(litBits[sym]))
		if nb, v := lengthExtra(n - 3); nb > 0 {
			w.put(v, nb)
		}
		dist := s - cand - 1 // distance-1
		if dist < 4 {
			w.put(uint64(bits.Reverse8(uint8(dist))>>3), 5)
		} else {
			nb := bits.Len32(uint32(dist)) - 1
			code := 2*nb + (dist>>(nb-1))&1
			w.put(uint64(bits.Reverse8(uint8(code))>>3), 5)
			w.put(uint64(dist&(1<<(nb-1)-1)), uint(nb-1))
		}
		s += n
		lit = s
		if s+8 <= len(src) {
			d.table[hash4(load32(src, s-1))] = int32(s) // s-1, plus one
		}
	}
	for ; lit < len(src); lit++ {
		w.put(uint64(litCode[src[lit]]), uint(litBits[src[lit]]))
	}
	w.put(uint64(litCode[endOfBlock]), uint(litBits[endOfBlock]))
	w.flush()
	dst = binary.LittleEndian.AppendUint32(w.out, crc32.ChecksumIEEE(src))
	return binary.LittleEndian.AppendUint32(dst, uint32(len(src)))
}
