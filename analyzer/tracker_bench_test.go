package analyzer

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/exp/trace"
)

// BenchmarkTrackerEvents measures the state tracker and analyses alone, on
// events decoded beforehand: the cost gotrace adds to each event read.
func BenchmarkTrackerEvents(b *testing.B) {
	path := os.Getenv("GOTRACE_BENCH_TRACE")
	if path == "" {
		path = filepath.Join("..", "testdata", "traces", "multigen.trace")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r, err := trace.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var evs []trace.Event
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if ev.Kind() == trace.EventSync && len(evs) > 0 {
			break // first generation only: handles stay valid
		}
		evs = append(evs, ev)
	}
	p := newPartial()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.reset(0)
		for i := range evs {
			if err := p.event(&evs[i]); err != nil {
				b.Fatal(err)
			}
		}
		p.finish()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
}
