package analyzer

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSeriesMergeExact checks that adding spans to per-generation series and
// merging them in order gives exactly the series of all spans.
func TestSeriesMergeExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var all series
	parts := make([]series, 4)
	all.reset()
	for i := range parts {
		parts[i].reset()
	}
	t0 := int64(1_000_000_000)
	for gen := range parts {
		for range 2000 {
			start := t0 + rng.Int64N(50_000_000)
			end := start + rng.Int64N(3_000_000)
			p := rng.IntN(4)
			gc := rng.IntN(5) == 0
			all.addBusy(p, start, end, gc)
			parts[gen].addBusy(p, start, end, gc)
			ts := t0 + rng.Int64N(50_000_000)
			all.addSwitch(ts)
			parts[gen].addSwitch(ts)
		}
		t0 += 50_000_000
	}
	var merged series
	merged.reset()
	for i := range parts {
		merged.merge(&parts[i])
	}
	for all.shift < merged.shift {
		all.coarsen()
	}
	for merged.shift < all.shift {
		merged.coarsen()
	}
	if all.base != merged.base || all.n != merged.n {
		t.Fatalf("bins differ: all base %d n %d, merged base %d n %d", all.base, all.n, merged.base, merged.n)
	}
	if !slices.Equal(all.busyAll[:all.n], merged.busyAll[:merged.n]) || !slices.Equal(all.gcAll[:all.n], merged.gcAll[:merged.n]) || !slices.Equal(all.sw[:all.n], merged.sw[:merged.n]) {
		t.Errorf("merged lanes differ from the lanes of all spans")
	}
	for p := range all.busy {
		if !slices.Equal(all.busy[p][:all.n], merged.busy[p][:merged.n]) {
			t.Errorf("P%d lane differs", p)
		}
	}
	if all.n > maxBins {
		t.Errorf("series holds %d bins, more than %d", all.n, maxBins)
	}
}

// TestSeriesAlivePeak checks the within-bin peak survives coarsening.
func TestSeriesAlivePeak(t *testing.T) {
	var s series
	s.reset()
	// +5 then -5 inside the first microsecond, then +1 far later.
	for i := range 5 {
		s.addAlive(int64(100+i), 1)
	}
	for i := range 5 {
		s.addAlive(int64(200+i), -1)
	}
	s.addAlive(10_000_000_000, 1) // forces coarsening
	tl, _ := buildTimeline(&s, []procsSample{{t: 0, v: 1}}, 0, 10_000_000_001, 10, 3)
	if tl.AliveMax[0] != 8 {
		t.Errorf("first bucket peak = %d, want 3 pre-existing + 5", tl.AliveMax[0])
	}
	if tl.Alive[0] != 3 || tl.Alive[9] != 4 {
		t.Errorf("alive = %v, want 3 at the start and 4 at the end", tl.Alive)
	}
}

func TestProcsExist(t *testing.T) {
	s := []procsSample{{t: 0, v: 2}, {t: 100, v: 4}, {t: 200, v: 1}}
	cases := []struct {
		t0, t1 int64
		p      int
		want   int64
	}{
		{0, 300, -1, 2*100 + 4*100 + 1*100},
		{50, 150, -1, 2*50 + 4*50},
		{0, 300, 0, 300},
		{0, 300, 1, 200},
		{0, 300, 3, 100},
		{250, 300, 3, 0},
	}
	for _, c := range cases {
		if got := procsExist(s, c.t0, c.t1, c.p); got != c.want {
			t.Errorf("procsExist(%d, %d, P%d) = %d, want %d", c.t0, c.t1, c.p, got, c.want)
		}
	}
}

// TestSeriesLeftExtensionBounded: intervals that begin ever earlier (as
// runnable intervals do: they are added when they end) extend the lanes to
// the left again and again; their capacity stays within maxBins.
func TestSeriesLeftExtensionBounded(t *testing.T) {
	var s series
	s.reset()
	end := int64(10_000_000_000)
	var total int64
	for i := range int64(20_000) {
		t0 := end - 1000*(i+1)
		s.addRunnable(t0, end)
		total += end - t0
	}
	for name, l := range map[string][]int64{"runq": s.runq, "busyAll": s.busyAll, "sw": s.sw} {
		if cap(l) > maxBins {
			t.Errorf("lane %s: capacity %d, more than %d bins", name, cap(l), maxBins)
		}
	}
	var sum int64
	for _, v := range s.runq[:s.n] {
		sum += v
	}
	if sum != total {
		t.Errorf("runnable time %d in the bins, want %d", sum, total)
	}
}
