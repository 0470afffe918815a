package sketch

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// exactQuantile returns the value of rank ceil(q*n) (1-based) in sorted order.
func exactQuantile(sorted []uint64, q float64) uint64 {
	if q <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(rank, 1)
	return sorted[rank-1]
}

func TestQuantileErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := []struct {
		name string
		gen  func() uint64
	}{
		{"uniform small", func() uint64 { return rng.Uint64N(200) }},
		{"uniform wide", func() uint64 { return rng.Uint64N(1e9) }},
		{"log-uniform ns..s", func() uint64 { return uint64(math.Exp(rng.Float64() * math.Log(1e10))) }},
		{"exponential 20ms", func() uint64 { return uint64(rng.ExpFloat64() * 20e6) }},
		{"constant", func() uint64 { return 123456789 }},
		{"huge", func() uint64 { return math.MaxUint64 - rng.Uint64N(1e6) }},
	}
	qs := []float64{0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1}
	for _, d := range dists {
		t.Run(d.name, func(t *testing.T) {
			var h Hist
			vals := make([]uint64, 20000)
			for i := range vals {
				vals[i] = d.gen()
				h.Add(vals[i])
			}
			slices.Sort(vals)
			for _, q := range qs {
				got, want := h.Quantile(q), exactQuantile(vals, q)
				if want < subCount {
					if got != want {
						t.Errorf("q=%v: got %d, want exactly %d", q, got, want)
					}
					continue
				}
				if rel := math.Abs(float64(got)-float64(want)) / float64(want); rel > RelativeError {
					t.Errorf("q=%v: got %d, exact %d, relative error %.5f > %.5f", q, got, want, rel, RelativeError)
				}
			}
			if h.Count() != uint64(len(vals)) || h.Min() != vals[0] || h.Max() != vals[len(vals)-1] {
				t.Errorf("count/min/max = %d/%d/%d, want %d/%d/%d", h.Count(), h.Min(), h.Max(), len(vals), vals[0], vals[len(vals)-1])
			}
		})
	}
}

func TestMergeEqualsAddingAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var all, a, b, c Hist
	for i := range 30000 {
		v := uint64(rng.ExpFloat64() * 1e6)
		all.Add(v)
		switch i % 3 {
		case 0:
			a.Add(v)
		case 1:
			b.Add(v)
		default:
			c.Add(v)
		}
	}
	// Merge in two different orders.
	var m1, m2 Hist
	m1.Merge(&a)
	m1.Merge(&b)
	m1.Merge(&c)
	m2.Merge(&c)
	m2.Merge(&a)
	m2.Merge(&b)
	for _, m := range []*Hist{&m1, &m2} {
		if !slices.Equal(m.Buckets(), all.Buckets()) || m.Sum() != all.Sum() || m.Min() != all.Min() || m.Max() != all.Max() {
			t.Fatalf("merged histogram differs from the histogram of all values")
		}
	}
}

func TestEmptyAndReset(t *testing.T) {
	var h Hist
	if h.Quantile(0.5) != 0 || h.Mean() != 0 || len(h.Buckets()) != 0 || h.LogBuckets() != nil {
		t.Errorf("empty histogram is not empty")
	}
	h.Add(5)
	h.Add(1 << 40)
	h.Reset()
	if h.Count() != 0 || h.Quantile(1) != 0 || len(h.Buckets()) != 0 {
		t.Errorf("Reset left values behind")
	}
}

func TestSumSaturates(t *testing.T) {
	var h Hist
	h.Add(math.MaxUint64)
	h.Add(math.MaxUint64)
	if h.Sum() != math.MaxUint64 {
		t.Errorf("sum = %d, want saturated", h.Sum())
	}
}

func TestLogBucketsCoverAll(t *testing.T) {
	var h Hist
	for _, v := range []uint64{0, 1, 3, 130, 5000, 5001, 1 << 33} {
		h.Add(v)
	}
	var n uint64
	bs := h.LogBuckets()
	for i, b := range bs {
		n += b.Count
		if i > 0 && b.Lo != bs[i-1].Hi {
			t.Errorf("buckets not contiguous at %d: %+v", i, bs)
		}
	}
	if n != h.Count() {
		t.Errorf("log buckets hold %d values, want %d", n, h.Count())
	}
	if bs[0].Lo != 0 || bs[len(bs)-1].Hi <= 1<<33 {
		t.Errorf("log buckets %v do not span [0, 2^33]", bs)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var h Hist
	for v := uint64(1); v < 1e9; v = v*3 + 7 {
		h.Add(v)
	}
	b, err := json.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	var g Hist
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Buckets(), h.Buckets()) || g.Sum() != h.Sum() || g.Quantile(0.9) != h.Quantile(0.9) {
		t.Errorf("round trip changed the histogram")
	}
}

func BenchmarkAdd(b *testing.B) {
	var h Hist
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Add(uint64(i) * 7919)
	}
}
