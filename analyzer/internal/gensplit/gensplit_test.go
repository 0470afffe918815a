package gensplit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer/tracegen"
)

func readTrace(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "traces", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pieces splits data with both splitters and checks they agree.
func pieces(t *testing.T, data []byte) (*Splitter, []Piece) {
	t.Helper()
	hdr, err := ParseHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	at := NewAt(bytes.NewReader(data), int64(len(data)), hdr)
	st := NewStream(bytes.NewReader(data[HeaderSize:]), hdr)
	var pa, ps []Piece
	for _, pair := range []struct {
		s   *Splitter
		out *[]Piece
	}{{at, &pa}, {st, &ps}} {
		for {
			p, err := pair.s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			*pair.out = append(*pair.out, p)
		}
	}
	if len(pa) != len(ps) {
		t.Fatalf("ReaderAt splitter found %d pieces, stream splitter %d", len(pa), len(ps))
	}
	for i := range pa {
		a, s := pa[i], ps[i]
		if a.Offset != s.Offset || a.Size != s.Size || a.Complete != s.Complete || a.Batches != s.Batches {
			t.Errorf("piece %d: ReaderAt %+v, stream {Offset:%d Size:%d Complete:%v Batches:%d}", i, a, s.Offset, s.Size, s.Complete, s.Batches)
		}
		if s.Complete && !bytes.Equal(s.Bytes(), data[s.Offset:s.Offset+s.Size]) {
			t.Errorf("piece %d: stream data differs from the input bytes", i)
		}
	}
	return at, pa
}

func countEvents(t *testing.T, r io.Reader) (int, error) {
	t.Helper()
	tr, err := trace.NewReader(r)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if ev.Kind() != trace.EventSync {
			n++
		}
	}
}

func TestSplitWholeTrace(t *testing.T) {
	data := readTrace(t, "multigen.trace")
	sp, ps := pieces(t, data)
	if len(ps) < 2 {
		t.Fatalf("got %d pieces, want >= 2 generations", len(ps))
	}
	off := int64(HeaderSize)
	total := 0
	for i, p := range ps {
		if !p.Complete || p.Err != nil {
			t.Errorf("piece %d incomplete: %v", i, p.Err)
		}
		if p.Offset != off {
			t.Errorf("piece %d starts at %d, previous ended at %d", i, p.Offset, off)
		}
		off = p.Offset + p.Size
		n, err := countEvents(t, sp.Reader(p))
		if err != nil {
			t.Errorf("piece %d does not parse alone: %v", i, err)
		}
		total += n
	}
	if off != int64(len(data)) {
		t.Errorf("pieces end at %d, input has %d bytes", off, len(data))
	}
	whole, err := countEvents(t, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if total != whole {
		t.Errorf("pieces hold %d events, the whole trace %d", total, whole)
	}
}

func TestSplitTruncated(t *testing.T) {
	data := readTrace(t, "multigen.trace")
	_, full := pieces(t, data)
	ends := map[int64]bool{}
	for _, p := range full {
		ends[p.Offset+p.Size] = true
	}
	for pct := 1; pct < 100; pct++ {
		cut := int64(HeaderSize) + (int64(len(data))-HeaderSize)*int64(pct)/100
		_, ps := pieces(t, data[:cut])
		complete := 0
		for i, p := range ps {
			if p.Complete {
				complete++
				if p.Size != full[i].Size {
					t.Errorf("cut %d%%: complete piece %d has %d bytes, want %d", pct, i, p.Size, full[i].Size)
				}
			} else if i != len(ps)-1 {
				t.Errorf("cut %d%%: incomplete piece %d is not the last", pct, i)
			}
		}
		// A complete piece must end at or before the cut.
		want := 0
		for _, p := range full {
			if p.Offset+p.Size <= cut {
				want++
			}
		}
		if complete != want {
			t.Errorf("cut at %d%% (%d bytes): %d complete pieces, want %d", pct, cut, complete, want)
		}
	}
}

func TestParseHeader(t *testing.T) {
	cases := []struct {
		in      string
		version int
		err     error
	}{
		{"go 1.26 trace\x00\x00\x00", 26, nil},
		{"go 1.22 trace\x00\x00\x00", 22, nil},
		{"go 1.11 trace\x00\x00\x00", 11, nil},
		{"go 1.27 trace\x00\x00\x00", 27, &UnsupportedVersionError{}},
		{"go 1.24 trace\x00\x00\x00", 24, &UnsupportedVersionError{}},
		{"go 1.26 trace\x00\x00", 0, ErrNotTrace},
		{"go 1.26 trace\x00\x00X", 0, ErrNotTrace},
		{"hello, world, it's text", 0, ErrNotTrace},
		{"", 0, ErrNotTrace},
	}
	for _, c := range cases {
		h, err := ParseHeader([]byte(c.in))
		switch want := c.err.(type) {
		case nil:
			if err != nil || h.Version != c.version {
				t.Errorf("ParseHeader(%q) = %d, %v; want %d", c.in, h.Version, err, c.version)
			}
		case *UnsupportedVersionError:
			var uv *UnsupportedVersionError
			if !errors.As(err, &uv) || uv.Version != c.version {
				t.Errorf("ParseHeader(%q) error %v, want unsupported version %d", c.in, err, c.version)
			}
		default:
			if !errors.Is(err, want) {
				t.Errorf("ParseHeader(%q) error %v, want %v", c.in, err, want)
			}
		}
	}
}

func TestBadBatchHeader(t *testing.T) {
	data := readTrace(t, "multigen.trace")
	bad := append([]byte{}, data...)
	bad[HeaderSize] = 0x77 // not a batch type
	_, ps := pieces(t, bad)
	if len(ps) != 1 || ps[0].Complete || ps[0].Err == nil {
		t.Fatalf("pieces = %+v, want one incomplete piece with an error", ps)
	}
}

func TestMaxPiece(t *testing.T) {
	data := readTrace(t, "multigen.trace")
	s, _, err := OpenAt(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	s.SetMaxPiece(100)
	p, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	if p.Complete || !errors.Is(p.Err, ErrPieceTooLarge) {
		t.Errorf("piece = %+v, want ErrPieceTooLarge", p)
	}
	if _, err := s.Next(); err != io.EOF {
		t.Errorf("after a too-large piece, Next = %v, want io.EOF", err)
	}
}

func TestOpenAt(t *testing.T) {
	data := readTrace(t, "multigen.trace")
	s, hdr, err := OpenAt(bytes.NewReader(data), int64(len(data)))
	if err != nil || hdr.Version != 26 || !hdr.Generational() {
		t.Fatalf("OpenAt: header %+v, %v; want go 1.26", hdr, err)
	}
	if p, err := s.Next(); err != nil || p.Index != 0 || !p.Complete {
		t.Errorf("first piece %+v, %v", p, err)
	}
	for _, bad := range []string{"go 1.2", "hello, this is no trace header"} {
		if _, _, err := OpenAt(strings.NewReader(bad), int64(len(bad))); err == nil {
			t.Errorf("OpenAt(%q): no error", bad)
		}
	}
}

// crafted writes a trace of one small generation per number in gens, in
// that order, in format version ver.
func crafted(t *testing.T, ver int, gens ...uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	c := tracegen.NewCrafterVersion(&b, ver)
	for _, g := range gens {
		c.BeginNumber(g)
		c.Event(1, tracegen.EvProcStatus, 0, tracegen.ProcRunning)
		c.Event(1, tracegen.EvGoStatus, 1, 1, tracegen.GoRunning)
		c.End()
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGenerationOrder: generation numbers must go up by one. A gap, a
// repeat or a step backwards is corruption, reported at the offset of the
// offending batch; what comes before it is complete. Both splitters agree.
func TestGenerationOrder(t *testing.T) {
	cases := []struct {
		ver      int
		gens     []uint64
		complete int
		want     string // in the error of the first bad piece; "" for none
	}{
		{26, []uint64{1, 2, 3}, 3, ""},
		{26, []uint64{7, 8}, 2, ""}, // a flight recorder snapshot starts anywhere
		{26, []uint64{1, 2, 2}, 2, "generation number 2 at offset %d follows generation 2 (want 3): the trace repeats it"},
		{26, []uint64{1, 3}, 1, "generation number 3 at offset %d follows generation 1 (want 2): the trace skips generations"},
		{26, []uint64{3, 2, 1}, 1, "generation number 2 at offset %d follows generation 3 (want 4): the trace goes backwards"},
		{26, []uint64{1, 2, 1, 2}, 2, "generation number 1 at offset %d follows generation 2 (want 3): the trace goes backwards"},
		{25, []uint64{1, 2, 3}, 3, ""},
		{25, []uint64{1, 3}, 1, "generation number 3 at offset %d follows generation 1 (want 2): the trace skips generations"},
		{25, []uint64{2, 1}, 1, "generation number 1 at offset %d follows generation 2 (want 3): the trace goes backwards"},
	}
	for _, c := range cases {
		data := crafted(t, c.ver, c.gens...)
		_, ps := pieces(t, data)
		complete := 0
		for _, p := range ps {
			if p.Complete {
				complete++
			}
		}
		if complete != c.complete {
			t.Errorf("go 1.%d %v: %d complete pieces, want %d", c.ver, c.gens, complete, c.complete)
		}
		last := ps[len(ps)-1]
		if c.want == "" {
			if last.Err != nil {
				t.Errorf("go 1.%d %v: %v", c.ver, c.gens, last.Err)
			}
			continue
		}
		bad := ps[c.complete]
		want := fmt.Sprintf(c.want, bad.Offset)
		if !errors.Is(bad.Err, ErrCorrupt) || bad.Err.Error() != want {
			t.Errorf("go 1.%d %v: piece %d error %v, want ErrCorrupt %q", c.ver, c.gens, c.complete, bad.Err, want)
		}
	}
}

// TestHeaderErrorKinds: a batch header that is wrong is corruption, one cut
// off by the end of the input is truncation.
func TestHeaderErrorKinds(t *testing.T) {
	good := crafted(t, 26, 1)
	batch := func(gen, size uint64) []byte {
		b := []byte{1}
		b = binary.AppendUvarint(b, gen)
		b = binary.AppendUvarint(b, 1)
		b = binary.AppendUvarint(b, 100)
		return binary.AppendUvarint(b, size)
	}
	hdr := good[:HeaderSize]
	cases := []struct {
		name string
		data []byte
		kind error
	}{
		{"size 2^62", append(append([]byte{}, hdr...), batch(1, 1<<62)...), ErrCorrupt},
		{"generation 0", append(append([]byte{}, hdr...), batch(0, 10)...), ErrCorrupt},
		{"second header at 16", append(append([]byte{}, hdr...), good...), ErrSecondTrace},
		{"not a batch", append(append([]byte{}, hdr...), 0x77, 1, 2, 3), ErrCorrupt},
		{"header cut off", append(append([]byte{}, hdr...), 1, 0x81), ErrTruncated},
		{"body cut off", good[:len(good)-5], ErrTruncated},
		{"no end marker", good[:len(good)-1], ErrTruncated},
	}
	for _, c := range cases {
		_, ps := pieces(t, c.data)
		p := ps[len(ps)-1]
		if p.Complete || !errors.Is(p.Err, c.kind) {
			t.Errorf("%s: piece complete=%v err %v, want %v", c.name, p.Complete, p.Err, c.kind)
		}
	}
}

// TestStreamBufferExact: a stream piece is buffered in exactly its bytes
// (no doubling), and a generation past the bound is refused before the
// batch that would pass it is read.
func TestStreamBufferExact(t *testing.T) {
	var b bytes.Buffer
	if err := tracegen.ManyAlive(&b, 300_000, 1); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	hdr, _ := ParseHeader(data)
	sp := NewStream(bytes.NewReader(data[HeaderSize:]), hdr)
	var reserved int64
	sp.SetReserve(func(n int64) error { reserved += n; return nil })
	p, err := sp.Next()
	if err != nil || !p.Complete {
		t.Fatalf("Next: %+v, %v", p, err)
	}
	var held int
	for _, c := range p.buf.c {
		held += cap(c)
	}
	if reserved != p.Size || int64(held) > p.Size+maxChunk {
		t.Errorf("piece of %d bytes: reserved %d, buffer capacity %d", p.Size, reserved, held)
	}

	const limit = 100_000
	cr := &countReader{r: bytes.NewReader(data[HeaderSize:])}
	sp = NewStream(cr, hdr)
	sp.SetMaxPiece(limit)
	p, _ = sp.Next()
	if !errors.Is(p.Err, ErrPieceTooLarge) {
		t.Fatalf("piece past the bound: %v", p.Err)
	}
	if cr.n > limit+maxBatchSize+1<<16 {
		t.Errorf("read %d bytes of a stream to refuse a generation past %d", cr.n, limit)
	}
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
