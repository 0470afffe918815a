// Package sketch provides a bounded-memory, exactly mergeable histogram of
// non-negative integer values (durations in nanoseconds, byte counts) with a
// fixed relative error on its quantiles.
//
// The histogram is log-linear, in the manner of HdrHistogram: values below
// 2^SubBits are counted exactly; above that, each power of two is cut into
// 2^SubBits equal buckets, so a bucket's width is at most 1/2^SubBits of its
// lower bound. Quantiles are reported as the midpoint of the bucket holding the
// requested rank (clamped to the exact minimum and maximum), which bounds the
// relative error by RelativeError.
//
// Counts are integers, so merging two histograms is exact, commutative and
// associative: merging per-generation histograms in any order gives the same
// histogram as adding every value to one.
package sketch

import (
	"encoding/json"
	"math"
	"math/bits"
)

// SubBits is the number of bits of sub-bucket resolution per power of two.
const SubBits = 7

const (
	subCount = 1 << SubBits
	// groups is the number of power-of-two groups above the exact range.
	groups = 64 - SubBits
)

// RelativeError is the bound on |reported-exact|/exact for any quantile whose
// exact value is at least 2^SubBits; smaller values are exact.
const RelativeError = 1.0 / (2 * subCount)

// Hist is a log-linear histogram. The zero value is an empty histogram ready
// to use. Memory is allocated per power of two in use (1 KiB each), at most
// 58 KiB in all.
type Hist struct {
	n     uint64
	sum   uint64 // saturating
	min   uint64
	max   uint64
	exact *[subCount]uint64
	grp   [groups]*[subCount]uint64
}

// Add records one value.
func (h *Hist) Add(v uint64) {
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	if s := h.sum + v; s >= h.sum {
		h.sum = s
	} else {
		h.sum = math.MaxUint64
	}
	if v < subCount {
		if h.exact == nil {
			h.exact = new([subCount]uint64)
		}
		h.exact[v]++
		return
	}
	e := bits.Len64(v) - 1
	b := h.grp[e-SubBits]
	if b == nil {
		b = new([subCount]uint64)
		h.grp[e-SubBits] = b
	}
	b[(v>>uint(e-SubBits))&(subCount-1)]++
}

// AddN records a value n times.
func (h *Hist) AddN(v uint64, n uint64) {
	if n == 0 {
		return
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n += n
	hi, lo := bits.Mul64(v, n)
	s, c := bits.Add64(h.sum, lo, 0)
	if hi != 0 || c != 0 {
		h.sum = math.MaxUint64
	} else {
		h.sum = s
	}
	if v < subCount {
		if h.exact == nil {
			h.exact = new([subCount]uint64)
		}
		h.exact[v] += n
		return
	}
	g, i := index(v)
	b := h.grp[g]
	if b == nil {
		b = new([subCount]uint64)
		h.grp[g] = b
	}
	b[i] += n
}

// index returns the group and sub-bucket of v >= subCount.
func index(v uint64) (g, i int) {
	e := bits.Len64(v) - 1 // position of the leading one, >= SubBits
	g = e - SubBits
	i = int((v >> uint(e-SubBits)) & (subCount - 1))
	return g, i
}

// bounds returns the inclusive lower bound and the width of bucket (g, i).
func bounds(g, i int) (lo, width uint64) {
	e := uint(g + SubBits)
	width = uint64(1) << (e - SubBits)
	lo = (uint64(1) << e) + uint64(i)*width
	return lo, width
}

// Merge adds every value recorded in o to h.
func (h *Hist) Merge(o *Hist) {
	if o == nil || o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	s, c := bits.Add64(h.sum, o.sum, 0)
	if c != 0 {
		s = math.MaxUint64
	}
	h.sum = s
	if o.exact != nil {
		if h.exact == nil {
			h.exact = new([subCount]uint64)
		}
		for i, c := range o.exact {
			h.exact[i] += c
		}
	}
	for g, ob := range o.grp {
		if ob == nil {
			continue
		}
		b := h.grp[g]
		if b == nil {
			b = new([subCount]uint64)
			h.grp[g] = b
		}
		for i, c := range ob {
			b[i] += c
		}
	}
}

// Reset empties h, keeping its allocated buckets for reuse. Resetting an
// empty histogram costs nothing.
func (h *Hist) Reset() {
	if h.n == 0 {
		return // no value since the last reset: every bucket is zero
	}
	h.n, h.sum, h.min, h.max = 0, 0, 0, 0
	if h.exact != nil {
		*h.exact = [subCount]uint64{}
	}
	for _, b := range h.grp {
		if b != nil {
			*b = [subCount]uint64{}
		}
	}
}

// Count returns the number of values recorded.
func (h *Hist) Count() uint64 { return h.n }

// Sum returns the sum of the values recorded (saturating at math.MaxUint64).
func (h *Hist) Sum() uint64 { return h.sum }

// Min returns the smallest value recorded, or 0.
func (h *Hist) Min() uint64 { return h.min }

// Max returns the largest value recorded, or 0.
func (h *Hist) Max() uint64 { return h.max }

// Mean returns the arithmetic mean, or 0 when empty.
func (h *Hist) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.n)
}

// Quantile returns an estimate of the q-quantile (0 <= q <= 1) within
// RelativeError of the exact value: the value of rank ceil(q*n) (1-based) in
// sorted order. It returns 0 for an empty histogram.
func (h *Hist) Quantile(q float64) uint64 {
	if h.n == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	if h.exact != nil {
		for v, c := range h.exact {
			seen += c
			if seen >= rank {
				return h.clamp(uint64(v))
			}
		}
	}
	for g, b := range h.grp {
		if b == nil {
			continue
		}
		for i, c := range b {
			seen += c
			if seen >= rank {
				lo, w := bounds(g, i)
				return h.clamp(lo + w/2)
			}
		}
	}
	return h.max
}

func (h *Hist) clamp(v uint64) uint64 {
	if v < h.min {
		return h.min
	}
	if v > h.max {
		return h.max
	}
	return v
}

// Bucket is one non-empty bucket of a histogram: Count values in [Lo, Hi).
type Bucket struct {
	Lo    uint64 `json:"lo"`
	Hi    uint64 `json:"hi"`
	Count uint64 `json:"count"`
}

// Buckets returns the non-empty buckets in increasing order of value.
func (h *Hist) Buckets() []Bucket {
	var out []Bucket
	if h.exact != nil {
		for v, c := range h.exact {
			if c != 0 {
				out = append(out, Bucket{Lo: uint64(v), Hi: uint64(v) + 1, Count: c})
			}
		}
	}
	for g, b := range h.grp {
		if b == nil {
			continue
		}
		for i, c := range b {
			if c != 0 {
				lo, w := bounds(g, i)
				out = append(out, Bucket{Lo: lo, Hi: lo + w, Count: c})
			}
		}
	}
	return out
}

// LogBuckets returns counts in buckets whose bounds grow by powers of two
// from the smallest to the largest recorded value: a coarse view for charts.
// Bucket i covers [2^(k+i), 2^(k+i+1)) for the k of the smallest value
// (value 0 is counted in the first bucket).
func (h *Hist) LogBuckets() []Bucket {
	if h.n == 0 {
		return nil
	}
	lo := bits.Len64(h.min)
	if lo > 0 {
		lo--
	}
	hi := bits.Len64(h.max)
	out := make([]Bucket, 0, hi-lo)
	for e := lo; e < hi || len(out) == 0; e++ {
		b := Bucket{Lo: 1 << uint(e), Hi: 1 << uint(e+1)}
		if e == lo && h.min == 0 {
			b.Lo = 0
		}
		out = append(out, b)
	}
	for _, b := range h.Buckets() {
		e := bits.Len64(b.Lo)
		if e > 0 {
			e--
		}
		j := e - lo
		if j < 0 {
			j = 0
		}
		if j >= len(out) {
			j = len(out) - 1
		}
		out[j].Count += b.Count
	}
	return out
}

// histJSON is the serialized form of a Hist.
type histJSON struct {
	Buckets []Bucket `json:"buckets"`
	Sum     uint64   `json:"sum"`
	Min     uint64   `json:"min"`
	Max     uint64   `json:"max"`
}

// MarshalJSON encodes the histogram's non-empty buckets, sum, min and max;
// UnmarshalJSON restores an identical histogram.
func (h *Hist) MarshalJSON() ([]byte, error) {
	return json.Marshal(histJSON{Buckets: h.Buckets(), Sum: h.sum, Min: h.min, Max: h.max})
}

// UnmarshalJSON restores a histogram encoded by MarshalJSON.
func (h *Hist) UnmarshalJSON(b []byte) error {
	var j histJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*h = Hist{}
	for _, bk := range j.Buckets {
		h.AddN(bk.Lo, bk.Count)
	}
	h.sum, h.min, h.max = j.Sum, j.Min, j.Max
	return nil
}
