package perfetto

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"testing"
)

// inflate reads one gzip member with compress/gzip.
func inflate(t testing.TB, z []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// timelineLike is a run of small track-event packets, as a timeline has.
func timelineLike(n int) []byte {
	var b []byte
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		ev := Small{Type: TypeSliceBegin, Track: uint64(r.IntN(5000))<<3 | 1, Name: uint64(1 + r.IntN(20)), Callstack: uint64(1 + r.IntN(300))}
		if i%2 == 1 {
			ev = Small{Type: TypeSliceEnd, Track: ev.Track}
		}
		b = AppendSmall(b, uint64(r.IntN(20000)), 1, nil, &ev)
	}
	return b
}

func TestDeflateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 100_000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	lowEntropy := make([]byte, 200_000)
	for i := range lowEntropy {
		lowEntropy[i] = "ab"[r.IntN(2)]
	}
	cases := map[string][]byte{
		"one byte":      {7},
		"short":         []byte("hello, hello, hello"),
		"zeros":         make([]byte, 1<<20),
		"random":        random,
		"low entropy":   lowEntropy,
		"timeline":      timelineLike(20_000),
		"all lengths":   bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), 3000),
		"far distances": append(append(append([]byte{}, random[:40000]...), random[:5000]...), random[10000:20000]...),
	}
	// Every match length, 3..258, and distances across the window.
	var lengths []byte
	for n := 1; n <= 300; n++ {
		lengths = append(lengths, random[:n]...)
		lengths = append(lengths, byte(n), 0xff, byte(n>>1))
	}
	cases["every length"] = lengths
	var d deflater
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			z := d.appendGzip([]byte{0xaa}, src)
			if z[0] != 0xaa {
				t.Fatal("the prefix was overwritten")
			}
			if got := inflate(t, z[1:]); !bytes.Equal(got, src) {
				t.Fatalf("round trip: %d bytes back, want %d", len(got), len(src))
			}
		})
	}
}

// TestDeflateRatio: on a timeline's packets the fixed codes lose little
// to compress/flate's dynamic ones.
func TestDeflateRatio(t *testing.T) {
	src := timelineLike(50_000)
	var d deflater
	z := d.appendGzip(nil, src)
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w.Write(src)
	w.Close()
	if len(z) > buf.Len()*3/2 {
		t.Errorf("%d bytes compressed to %d, compress/flate makes %d", len(src), len(z), buf.Len())
	}
}

func FuzzDeflate(f *testing.F) {
	f.Add([]byte("hello, hello, hello"))
	f.Add(timelineLike(100))
	f.Fuzz(func(t *testing.T, src []byte) {
		var d deflater
		if got := inflate(t, d.appendGzip(nil, src)); !bytes.Equal(got, src) {
			t.Fatalf("round trip differs")
		}
	})
}

func BenchmarkDeflate(b *testing.B) {
	src := timelineLike(20_000)
	b.Run("fixed", func(b *testing.B) {
		var d deflater
		var z []byte
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			z = d.appendGzip(z[:0], src)
		}
		b.ReportMetric(float64(len(z))/float64(len(src)), "ratio")
	})
	b.Run("flate", func(b *testing.B) {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			buf.Reset()
			w.Reset(&buf)
			w.Write(src)
			w.Close()
		}
		b.ReportMetric(float64(buf.Len())/float64(len(src)), "ratio")
	})
}
