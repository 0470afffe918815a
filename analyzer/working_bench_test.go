package analyzer

import (
	"strconv"
	"testing"

	"golang.org/x/exp/trace"
)

// BenchmarkWorkingStats measures the goroutines-still-working pass of the
// report (once per analysis, over the goroutines alive at the end) against
// the leak pass it sits beside, on 1M live goroutines of 100 start
// functions, half of them blocked.
func BenchmarkWorkingStats(b *testing.B) {
	g := newGlobal()
	g.start, g.end = 0, 1e9
	names := make([]strID, 100)
	for i := range names {
		names[i] = g.strs.intern("main.worker" + strconv.Itoa(i))
	}
	for i := 0; i < 1_000_000; i++ {
		r := g.gs.add(trace.GoID(i + 1))
		r.name = names[i%len(names)]
		r.created = true
		switch i % 4 {
		case 0:
			r.state = goRunning
		case 1:
			r.state = goRunnable
		default:
			r.state = goWaiting
		}
	}
	b.Run("working", func(b *testing.B) {
		for b.Loop() {
			g.workingStats(10)
		}
	})
	b.Run("leaks", func(b *testing.B) {
		for b.Loop() {
			g.leakStats(0)
		}
	})
}
