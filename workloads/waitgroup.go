// Workload waitgroup: more goroutines than a sync.WaitGroup counts.
//
// The notes claim that when more goroutines are started than the count given
// to wg.Add, only the counted ones run. Go does no such thing: the count
// only decides when wg.Wait returns. Every goroutine started runs, and each
// calls wg.Done; the first Done past the count panics with "sync: negative
// WaitGroup counter" and the program dies. If main returns first (Wait
// returned as soon as the counted Done calls came), the rest are cut off
// mid-work instead, never finishing (see the mainexit workload).
//
//	var wg sync.WaitGroup
//	wg.Add(2)
//	for range 4 {
//		go func() { defer wg.Done(); work() }() // four Done calls for a count of 2
//	}
//	wg.Wait()

package workloads

import (
	"context"
	"errors"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(&Workload{
		Name:    "waitgroup",
		Summary: "more goroutines than the WaitGroup count: all run; Done past the count panics, or main returns and cuts them off",
		Doc: "The notes claim that of goroutines started beyond the count given to wg.Add, only the " +
			"counted ones run. Here wg.Add(`add`) is followed by `goroutines` goroutines that each burn " +
			"`work` of CPU (the ones past the count `late` more) and call wg.Done once. Every one of them " +
			"runs: the count only decides when wg.Wait returns. After Wait, main goes on for `after` and " +
			"returns. If a Done past the count comes in that time, the program panics with \"sync: " +
			"negative WaitGroup counter\": the run's outcome, reported with the trace up to the panic " +
			"(the child process dies of it, exit 2, as the program would). With `late` longer than " +
			"`after`, main returns first and the goroutines still working are cut off: the report lists " +
			"them as still working at the end, never ended.",
		Params: []Param{
			{Name: "add", Kind: Int, Default: "2", Min: "1", Max: "1000", Help: "the count given to wg.Add"},
			{Name: "goroutines", Kind: Int, Default: "4", Min: "1", Max: "1000", Help: "goroutines started, each calling wg.Done once when its work is done"},
			{Name: "work", Kind: Duration, Default: "20ms", Min: "1ms", Max: "10s", Help: "CPU time each goroutine burns before its Done"},
			{Name: "late", Kind: Duration, Default: "0s", Min: "0s", Max: "1m", Help: "extra CPU time of the goroutines past the count"},
			{Name: "after", Kind: Duration, Default: "1s", Min: "0s", Max: "10s", Help: "how long main goes on after wg.Wait returns before it returns (a panic ends it sooner)"},
		},
		check: func(v Values) error {
			if v.Int("goroutines") < v.Int("add") {
				return errors.New("goroutines must be at least add (fewer Done calls than the count is the deadlock workload)")
			}
			return nil
		},
		run: runWaitGroup,
	})
}

func runWaitGroup(ctx context.Context, env *Env) error {
	add, n := env.Int("add"), env.Int("goroutines")
	work, late, after := env.Duration("work"), env.Duration("late"), env.Duration("after")

	var wg sync.WaitGroup
	var began, doneCalls atomic.Int64
	wg.Add(add)
	for i := 0; i < n; i++ {
		d := work
		if i >= add {
			d += late
		}
		go func() {
			defer env.CatchPanic() // Done past the count panics: that is the outcome
			began.Add(1)
			trace.WithRegion(ctx, "work", func() { spinCtx(ctx, d) })
			if ctx.Err() != nil {
				return // the workload is over (in this process only: a child has exited)
			}
			wg.Done() // past the count, this panics
			doneCalls.Add(1)
		}()
	}
	env.Measure(Measurement{Name: "started", Value: float64(n), Unit: "goroutines",
		Help: "goroutines started, each to call wg.Done once"})
	env.Measure(Measurement{Name: "counted", Value: float64(add), Unit: "goroutines",
		Help: "the count given to wg.Add"})
	t0 := time.Now()
	wg.Wait()
	waited := time.Since(t0)
	env.Measure(Measurement{Name: "wait_ns", Value: float64(waited.Nanoseconds()), Unit: "ns",
		Help: "how long main waited in wg.Wait: until the counted Done calls came"})
	env.Measure(Measurement{Name: "running_at_wait_return", Value: float64(began.Load()), Unit: "goroutines",
		Help: "goroutines that had begun running when wg.Wait returned: all of them, not only the counted ones"})
	env.Measure(Measurement{Name: "done_at_wait_return", Value: float64(doneCalls.Load()), Unit: "calls",
		Help: "wg.Done calls made when wg.Wait returned"})

	select {
	case <-time.After(after):
	case <-ctx.Done():
	}
	if err := ctx.Err(); err != nil {
		return err // a Done past the count panicked (or the run was cancelled)
	}
	finished := doneCalls.Load()
	env.Measure(Measurement{Name: "finished_at_main_return", Value: float64(finished), Unit: "goroutines",
		Help: "goroutines that had finished their work when main returned"})
	env.Measure(Measurement{Name: "cut_off", Value: float64(int64(n) - finished), Unit: "goroutines",
		Help: "goroutines still working when main returned: the program's exit ends them unfinished"})
	return nil // main returns; the trace ends with the rest still working
}

// spinCtx burns about d of CPU time in slices of at most 1ms, returning
// early when ctx is done.
func spinCtx(ctx context.Context, d time.Duration) {
	var x uint64
	for d > 0 && ctx.Err() == nil {
		step := min(d, time.Millisecond)
		x += spinFor(step)
		d -= step
	}
	keep(x)
}
