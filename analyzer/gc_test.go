package analyzer_test

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	xtrace "golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer"
)

// markPhases counts, with x/exp/trace directly, the GC mark phases a trace
// shows begun, and whether one was already under way at its start.
func markPhases(t *testing.T, data []byte) (begun int, underway bool) {
	t.Helper()
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	open, seen := false, false
	for {
		ev, err := r.ReadEvent()
		if err != nil {
			return begun, underway
		}
		switch ev.Kind() {
		case xtrace.EventRangeBegin, xtrace.EventRangeActive, xtrace.EventRangeEnd:
		default:
			continue
		}
		if ev.Range().Name != "GC concurrent mark phase" {
			continue
		}
		switch ev.Kind() {
		case xtrace.EventRangeBegin:
			begun++
			open = true
		case xtrace.EventRangeActive:
			// Announced at a generation's start: under way at the trace's
			// start if no begin came before it.
			if !open && !seen {
				underway = true
			}
			open = true
		case xtrace.EventRangeEnd:
			if !open && !seen {
				underway = true
			}
			open = false
		}
		seen = true
	}
}

// TestGCUnderwayAtTraceStart starts traces while a program collects garbage
// almost continuously, until one starts in the middle of a mark phase: that
// cycle counts, with its mark time from the trace start.
func TestGCUnderwayAtTraceStart(t *testing.T) {
	if testing.Short() {
		t.Skip("retries until a trace starts mid-GC")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	var stop atomic.Bool
	defer stop.Store(true)
	var sink atomic.Pointer[[]byte]
	for range 2 {
		go func() {
			for !stop.Load() {
				b := make([]byte, 64<<10)
				sink.Store(&b)
			}
		}()
	}
	for attempt := 0; attempt < 50; attempt++ {
		data := record(t, func() { time.Sleep(5 * time.Millisecond) })
		begun, underway := markPhases(t, data)
		if !underway {
			continue
		}
		r := analyze(t, data, analyzer.Options{})
		if r.GC.Cycles != int64(begun)+1 {
			t.Errorf("GC cycles = %d, want the %d begun in the trace + the one under way at its start", r.GC.Cycles, begun)
		}
		if r.GC.MarkNS <= 0 {
			t.Errorf("mark time %d, want the under-way phase's time in the trace", r.GC.MarkNS)
		}
		return
	}
	runtime.GC()
	t.Skip("no trace started during a mark phase in 50 attempts")
}
