package analyzer

import (
	"bytes"
	"io"
	"runtime/trace"
	"sync"
	"testing"

	xtrace "golang.org/x/exp/trace"
)

// TestRecordsBoundedByLiveGoroutines checks that a generation keeps records
// for about as many goroutines as are alive at once, not for every goroutine
// it saw created: goroutines created and ended within it are folded into
// their group when they end. It also checks that nothing of theirs is lost.
func TestRecordsBoundedByLiveGoroutines(t *testing.T) {
	const waves, perWave = 200, 10
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("cannot trace: %v", err)
	}
	for range waves {
		var wg sync.WaitGroup
		for range perWave {
			wg.Add(1)
			go churnWorker(&wg)
		}
		wg.Wait()
	}
	trace.Stop()

	r, err := xtrace.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	p := newPartial()
	p.reset(0)
	maxRecords, gens := 0, 0
	created, grouped := int64(0), int64(0)
	finishGen := func() {
		p.finish()
		maxRecords = max(maxRecords, int(p.gs.len()))
		created += p.a.goroutines.created
		for name, gr := range p.groups {
			if p.strs.str(strID(name)) == "github.com/gotrace/gotrace/analyzer.churnWorker" {
				grouped += gr.ended
			}
		}
		gens++
		p.reset(gens)
	}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind() == xtrace.EventSync && p.events > 0 {
			finishGen()
		}
		if err := p.event(&ev); err != nil {
			t.Fatal(err)
		}
	}
	finishGen()
	if created < waves*perWave {
		t.Fatalf("saw %d goroutines created, want at least %d", created, waves*perWave)
	}
	if maxRecords > 200 {
		t.Errorf("a generation held %d goroutine records for %d goroutines created, at most %d+runtime alive at once", maxRecords, created, perWave)
	}
	// A worker whose creation and end fall in different generations is
	// merged by the global state instead; nearly all are folded here.
	if grouped < waves*perWave*9/10 {
		t.Errorf("%d churnWorker goroutines folded into their group, want about %d", grouped, waves*perWave)
	}
}

func churnWorker(wg *sync.WaitGroup) {
	defer wg.Done()
	var x [64]byte
	for i := range x {
		x[i] = byte(i)
	}
	_ = x
}

func TestMetricWord(t *testing.T) {
	for in, want := range map[string]string{
		"chan receive":                 "chan_receive",
		"sync.(*Cond).Wait":            "sync_cond_wait",
		"(blocked before trace start)": "blocked_before_trace_start",
		"GC background sweeper wait":   "gc_background_sweeper_wait",
		"":                             "unknown",
		"select (no cases)":            "select_no_cases",
	} {
		if got := metricWord(in); got != want {
			t.Errorf("metricWord(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNoAllocationPerEvent: tracking a generation read straight from its
// reader (partial.run, the path taken when every CPU is busy) allocates far
// less than once per event. A decoded event that escapes to the heap (for
// example through an interface call) would allocate once per event.
func TestNoAllocationPerEvent(t *testing.T) {
	// A channel ping-pong: about 100k events in one generation.
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("tracing: %v", err)
	}
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := range 20000 {
		ping <- i
		<-pong
	}
	close(ping)
	trace.Stop()
	data := buf.Bytes()
	p := newPartial()
	var events int64
	allocs := testing.AllocsPerRun(3, func() {
		r, err := xtrace.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		p.reset(0)
		if err := p.run(r); err != nil {
			t.Fatal(err)
		}
		events = p.events
	})
	// x/exp/trace itself allocates per batch and per generation; the
	// tracker must add nothing per event.
	if perEvent := allocs / float64(events); perEvent > 0.05 {
		t.Errorf("%.0f allocations for %d events (%.2f per event)", allocs, events, perEvent)
	}
	t.Logf("%.0f allocations for %d events", allocs, events)
}
