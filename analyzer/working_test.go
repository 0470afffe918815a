package analyzer_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

// TestWorkingAtEnd: goroutines still computing when the trace ends (as when
// main returns) are listed by start function, running or runnable; blocked
// ones and ended ones are not.
func TestWorkingAtEnd(t *testing.T) {
	const spinning, blocked, ended = 5, 3, 4
	var stop atomic.Bool
	block := make(chan int)
	var spun sync.WaitGroup
	data := record(t, func() {
		spun.Add(spinning)
		for range spinning {
			go func() { // never ends within the trace
				defer spun.Done()
				for !stop.Load() {
				}
			}()
		}
		for range blocked {
			go func() { <-block }()
		}
		var wg sync.WaitGroup
		for range ended {
			wg.Add(1)
			go func() { defer wg.Done(); time.Sleep(time.Millisecond) }()
		}
		wg.Wait()
		time.Sleep(30 * time.Millisecond)
	})
	stop.Store(true)
	close(block)
	spun.Wait()
	r := analyze(t, data, analyzer.Options{})

	var spinners int64
	for _, w := range r.Goroutines.Working {
		if !strings.Contains(w.Start, "TestWorkingAtEnd") {
			continue
		}
		if w.State != "running" && w.State != "runnable" {
			t.Errorf("spinning goroutines in state %q", w.State)
		}
		if w.Created != w.Count || w.MaxAgeNS < int64(25*time.Millisecond) {
			t.Errorf("group %+v: want all created in the trace, alive at least 25ms", w)
		}
		spinners += w.Count
	}
	if spinners != spinning {
		t.Errorf("%d goroutines of the test still working at the end, want the %d spinning: %+v", spinners, spinning, r.Goroutines.Working)
	}
	// The caller of trace.Stop runs at the end too; nothing else of ours.
	if got := r.Goroutines.WorkingAtEnd; got < spinning || got > spinning+2 {
		t.Errorf("WorkingAtEnd = %d, want the %d spinners and the goroutine stopping the trace", got, spinning)
	}
	if got := r.Metrics["goroutines.working_at_end"]; got != float64(r.Goroutines.WorkingAtEnd) {
		t.Errorf("metric goroutines.working_at_end = %v, want %d", got, r.Goroutines.WorkingAtEnd)
	}
	for _, w := range r.Goroutines.Working {
		if strings.HasPrefix(w.Start, "runtime.") && w.Start != "runtime.main" {
			t.Errorf("runtime goroutine listed as working: %+v", w)
		}
	}
}
