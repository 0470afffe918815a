// Package stats holds the statistics gotrace's comparisons share: `check`
// (gates) and `diff` (where two runs differ) compare samples of one
// quantity the same way. One value per trace is one sample; two samples are
// compared by their medians and a Mann-Whitney U test
// (golang.org/x/perf/benchmath, as benchstat runs it), which assumes nothing
// about the shape of the distribution.
package stats

import (
	"math"
	"slices"
	"strconv"

	"golang.org/x/perf/benchmath"
)

// DefaultAlpha is the significance level used when none is given.
const DefaultAlpha = 0.05

// Comparison is the comparison of a quantity's samples on two sides.
type Comparison struct {
	// BaseN and CurN count the samples of each side.
	BaseN, CurN int
	// BaseMedian and CurMedian are the sides' medians (0 for an empty side).
	BaseMedian, CurMedian float64
	// Delta is CurMedian - BaseMedian (0 when a side is empty).
	Delta float64
	// DeltaPct is Delta in percent of |BaseMedian|; nil when BaseMedian is 0,
	// a side is empty, or the percentage is not finite (a median near 0
	// under a huge one).
	DeltaPct *float64
	// P is the U test's two-sided p-value; nil when not tested (Compare's
	// test false, or a side empty).
	P *float64
}

// Compare compares samples base and cur (not modified): medians, delta,
// and with test set the U test's p-value.
func Compare(base, cur []float64, test bool) Comparison {
	c := Comparison{BaseN: len(base), CurN: len(cur)}
	if len(base) > 0 {
		c.BaseMedian = Median(base)
	}
	if len(cur) > 0 {
		c.CurMedian = Median(cur)
	}
	if len(base) == 0 || len(cur) == 0 {
		return c
	}
	c.Delta = c.CurMedian - c.BaseMedian
	if pct := 100 * c.Delta / math.Abs(c.BaseMedian); c.BaseMedian != 0 && !math.IsInf(pct, 0) && !math.IsNaN(pct) {
		c.DeltaPct = &pct
	}
	if test {
		p := UTest(base, cur)
		c.P = &p
	}
	return c
}

// Significant reports whether the comparison was tested and its p-value is
// under alpha.
func (c Comparison) Significant(alpha float64) bool {
	return c.P != nil && *c.P < alpha
}

// Median returns the median of v (not modified); 0 for no values.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// UTest returns the two-sided p-value of a Mann-Whitney U test of a against
// b (not modified), as benchstat computes it. Identical samples (no
// difference to test) give 1.
func UTest(a, b []float64) float64 {
	thr := benchmath.Thresholds{CompareAlpha: DefaultAlpha}
	c := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(finite(a), &thr),
		benchmath.NewSample(finite(b), &thr))
	if math.IsNaN(c.P) {
		return 1
	}
	return c.P
}

// finite copies v without NaNs, with infinities at the largest finite
// values: the U test ranks values, and a NaN (which compares false with
// everything) sends it looping over memory.
func finite(v []float64) []float64 {
	out := make([]float64, 0, len(v))
	for _, x := range v {
		switch {
		case math.IsNaN(x):
		case math.IsInf(x, 0):
			out = append(out, math.Copysign(math.MaxFloat64, x))
		default:
			out = append(out, x)
		}
	}
	return out
}

// MinUTestP is the smallest two-sided p-value a U test can give with
// samples of n1 and n2 values: 2 / C(n1+n2, n1). When it is not under
// alpha, no difference can be significant, however large.
func MinUTestP(n1, n2 int) float64 {
	if n1 < 1 || n2 < 1 {
		return 1
	}
	lc, _ := math.Lgamma(float64(n1 + n2 + 1))
	l1, _ := math.Lgamma(float64(n1 + 1))
	l2, _ := math.Lgamma(float64(n2 + 1))
	return math.Min(1, 2*math.Exp(-(lc-l1-l2)))
}

// Holm adjusts p-values for testing them together (Holm's step-down
// method): the i-th smallest p times (k-i), made monotone, at most 1.
// Comparing each adjusted value with alpha holds the chance of any false
// alarm among the k to alpha. The result is in the order of ps.
func Holm(ps []float64) []float64 {
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case ps[a] < ps[b]:
			return -1
		case ps[a] > ps[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(ps))
	running := 0.0
	for rank, i := range idx {
		running = math.Max(running, math.Min(1, float64(len(ps)-rank)*ps[i]))
		out[i] = running
	}
	return out
}

// FormatP formats a p-value as benchstat does, with three decimals
// ("0.008").
func FormatP(p float64) string {
	return strconv.FormatFloat(p, 'f', 3, 64)
}
