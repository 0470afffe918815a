package stats

import (
	"math"
	"testing"
)

func TestMinUTestP(t *testing.T) {
	for _, tt := range []struct {
		n1, n2 int
		want   float64
	}{{4, 4, 2.0 / 70}, {3, 3, 0.1}, {5, 5, 2.0 / 252}, {10, 10, 2.0 / 184756}, {1, 1, 1}, {0, 5, 1}} {
		if got := MinUTestP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("MinUTestP(%d, %d) = %v, want %v", tt.n1, tt.n2, got, tt.want)
		}
	}
}

func TestUTest(t *testing.T) {
	lo := []float64{1, 2, 3, 4, 5}
	hi := []float64{6, 7, 8, 9, 10}
	// Fully separated samples of 5 give the smallest p there is.
	if got := UTest(lo, hi); math.Abs(got-MinUTestP(5, 5)) > 1e-9 {
		t.Errorf("separated: p = %v, want %v", got, MinUTestP(5, 5))
	}
	if got := UTest(lo, lo); got != 1 {
		t.Errorf("identical: p = %v, want 1", got)
	}
	// Interleaved samples are not different.
	if got := UTest([]float64{1, 3, 5, 7, 9}, []float64{2, 4, 6, 8, 10}); got < 0.5 {
		t.Errorf("interleaved: p = %v, want > 0.5", got)
	}
	if lo[0] != 1 || hi[4] != 10 {
		t.Error("UTest modified its input")
	}
}

func TestCompare(t *testing.T) {
	c := Compare([]float64{10, 30, 20}, []float64{40, 50, 60, 45}, true)
	if c.BaseN != 3 || c.CurN != 4 || c.BaseMedian != 20 || c.CurMedian != 47.5 || c.Delta != 27.5 {
		t.Errorf("got %+v", c)
	}
	if c.DeltaPct == nil || *c.DeltaPct != 137.5 {
		t.Errorf("delta pct %v, want 137.5", c.DeltaPct)
	}
	if c.P == nil || *c.P >= 0.1 {
		t.Errorf("p %v, want a p-value < 0.1", c.P)
	}
	if !c.Significant(0.1) || c.Significant(0.01) {
		t.Errorf("significance at 0.1 / 0.01 wrong for p=%v", *c.P)
	}
	plain := Compare([]float64{0}, []float64{5}, false)
	if plain.P != nil || plain.DeltaPct != nil || plain.Delta != 5 || plain.Significant(0.05) {
		t.Errorf("untested from zero: %+v", plain)
	}
	empty := Compare(nil, []float64{5}, true)
	if empty.P != nil || empty.Delta != 0 || empty.CurMedian != 5 {
		t.Errorf("empty side: %+v", empty)
	}
}

func TestHolm(t *testing.T) {
	// Worked by hand: sorted 0.01, 0.02, 0.04 times 3, 2, 1 = 0.03, 0.04, 0.04.
	got := Holm([]float64{0.04, 0.01, 0.02})
	want := []float64{0.04, 0.03, 0.04}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("Holm = %v, want %v", got, want)
			break
		}
	}
	if got := Holm([]float64{0.5, 0.6}); got[0] != 1 || got[1] != 1 {
		t.Errorf("Holm caps at 1: %v", got)
	}
	if len(Holm(nil)) != 0 {
		t.Error("Holm(nil) not empty")
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		v    []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(tt.v); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestFormatP(t *testing.T) {
	if got := FormatP(2.0 / 252); got != "0.008" {
		t.Errorf("FormatP = %q", got)
	}
}
