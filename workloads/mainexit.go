// Workload mainexit: main returns while goroutines are still working.
//
// The notes say that when main returns, every goroutine ends at once, however
// many there are. Go's runtime does not wait for goroutines, run their
// deferred calls or tell them: the process exits. This workload starts
// `goroutines` goroutines that each have `work` of CPU to do and `waiters`
// goroutines that wait for work on a channel, and returns from main after
// `after`, long before they are done. The trace ends there, as the program
// does; the report lists the goroutines the trace shows cut off: alive at the
// end, never ended, with their start function (the busy ones as still
// working, the waiting ones among the goroutines blocked at the end).

package workloads

import (
	"context"
	"runtime"
	"runtime/trace"
	"sync/atomic"
	"time"
)

func init() {
	register(&Workload{
		Name:    "mainexit",
		Summary: "main returns while goroutines still work: they are cut off, never ending",
		Doc: "The notes' claim that when main returns every goroutine ends at once, however many " +
			"there are. `goroutines` goroutines each get `work` of CPU to burn (yielding every " +
			"millisecond) and `waiters` goroutines wait for work on a channel; main returns after " +
			"`after`, and the trace ends with the program. The report lists the user goroutines still " +
			"working at the end (running or runnable, never ended) by start function, the waiters among the " +
			"goroutines blocked at the end, and the unfinished `work` regions; the workload measures " +
			"how many had begun and finished when main returned. (At most 256 busy goroutines: " +
			"trace.Stop waits in the run queue, behind every one of them.)",
		Params: []Param{
			{Name: "goroutines", Kind: Int, Default: "8", Min: "0", Max: "256", Help: "goroutines started with CPU work to do"},
			{Name: "waiters", Kind: Int, Default: "0", Min: "0", Max: "100000", Help: "goroutines started that wait for work on a channel (none comes)"},
			{Name: "work", Kind: Duration, Default: "2s", Min: "1ms", Max: "1m", Help: "CPU time each busy goroutine would need to finish"},
			{Name: "after", Kind: Duration, Default: "50ms", Min: "0s", Max: "10s", Help: "main returns this long after starting them"},
		},
		run: runMainExit,
	})
}

func runMainExit(ctx context.Context, env *Env) error {
	n, waiters := env.Int("goroutines"), env.Int("waiters")
	work, after := env.Duration("work"), env.Duration("after")
	var began, finished atomic.Int64
	// The busy goroutines wait for a gate until all exist, so that main is
	// not queued behind them while it creates them.
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			<-gate
			began.Add(1)
			trace.WithRegion(ctx, "work", func() {
				// Yield every millisecond, as a cooperative worker does:
				// trace.Stop waits in the run queue, and behind goroutines
				// that each hold a P for a 10ms time slice the trace would
				// take seconds to end.
				var x uint64
				for d := work; d > 0 && ctx.Err() == nil; d -= time.Millisecond {
					x += spinFor(min(d, time.Millisecond))
					runtime.Gosched()
				}
				keep(x)
			})
			if ctx.Err() == nil {
				finished.Add(1)
			}
		}()
	}
	// No job ever comes. The channel is closed when the run's context ends,
	// after the trace, so that in a process that lives on (a test) the
	// waiters end too.
	jobs := make(chan struct{})
	context.AfterFunc(ctx, func() { close(jobs) })
	for i := 0; i < waiters; i++ {
		go waitForJob(jobs, &began, &finished) // no gate: each waits as soon as it runs
	}
	close(gate)
	select {
	case <-time.After(after):
	case <-ctx.Done():
		return ctx.Err()
	}
	total := int64(n + waiters)
	env.Measure(Measurement{Name: "began", Value: float64(began.Load()), Unit: "goroutines",
		Help: "goroutines that had begun running when main returned"})
	env.Measure(Measurement{Name: "finished", Value: float64(finished.Load()), Unit: "goroutines",
		Help: "goroutines that had finished their work when main returned"})
	env.Measure(Measurement{Name: "cut_off", Value: float64(total - finished.Load()), Unit: "goroutines",
		Help: "goroutines still working or waiting when main returned: the program's exit ends them unfinished"})
	return nil // main returns: the trace ends, the process exits, the goroutines with it
}

// waitForJob is a mainexit goroutine waiting for work that never comes.
func waitForJob(jobs <-chan struct{}, began, finished *atomic.Int64) {
	began.Add(1)
	if _, ok := <-jobs; ok {
		finished.Add(1)
	}
}
