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

// BenchmarkAnalyses measures what each analysis adds per interval it
// consumes: the tracker hands every closed interval to closeSpan, which
// feeds the analysis of the interval's state.
func BenchmarkAnalyses(b *testing.B) {
	cases := []struct {
		name string
		s    span
	}{
		{"running (procs, switches, timeline)", span{openState: openState{state: goRunning, p: 1}, to: goWaiting}},
		{"runnable (scheduler latency)", span{openState: openState{state: goRunnable, stack: 3}, to: goRunning, hasRun: true}},
		{"waiting (blocking)", span{openState: openState{state: goWaiting, reason: 2, cat: catChan, stack: 5}, to: goRunnable}},
		{"syscall (syscalls)", span{openState: openState{state: goSyscall, stack: 7, p: 0}, to: goRunning}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var a aggs
			a.init()
			var acc gAcc
			s := c.s
			t := int64(1_000_000_000)
			b.ReportAllocs()
			for b.Loop() {
				s.since, s.end = t, t+1500
				a.closeSpan(&acc, &s)
				t += 2000
			}
		})
	}
}
