// Workload mainexit: main returns while goroutines are still working.
//
// The notes say that when main returns, every goroutine ends at once, however
// many there are. Go's runtime does not wait for goroutines, run their
// deferred calls or tell them: the process exits. This workload starts
// `goroutines` goroutines that each have `work` of CPU to do, and returns
// from main after `after`, long before they are done. The trace ends there,
// as the program does; the report lists the goroutines the trace shows cut
// off: alive at the end, never ended, with their start function.

package workloads

import (
	"context"
	"fmt"
	"runtime/trace"
	"sync/atomic"
	"time"
)

func init() {
	register(&Workload{
		Name:    "mainexit",
		Summary: "main returns while goroutines still work: they are cut off, never ending",
		Doc: "The notes' claim that when main returns every goroutine ends at once, however many " +
			"there are. `goroutines` goroutines each get `work` of CPU to burn; main returns after " +
			"`after`, and the trace ends with the program. The report lists the user goroutines " +
			"still working at the end (running or runnable, never ended) by start function, and " +
			"their unfinished `work` regions; the workload measures how many had begun and how many " +
			"had finished when main returned.",
		Params: []Param{
			{Name: "goroutines", Kind: Int, Default: "8", Min: "1", Max: "100000", Help: "goroutines started, each with work to do"},
			{Name: "work", Kind: Duration, Default: "2s", Min: "1ms", Max: "1m", Help: "CPU time each goroutine would need to finish"},
			{Name: "after", Kind: Duration, Default: "50ms", Min: "0s", Max: "10s", Help: "main returns this long after starting them"},
		},
		run: runMainExit,
	})
}

func runMainExit(ctx context.Context, env *Env) error {
	n, work, after := env.Int("goroutines"), env.Duration("work"), env.Duration("after")
	var began, finished atomic.Int64
	for i := 0; i < n; i++ {
		go func() {
			began.Add(1)
			trace.WithRegion(ctx, "work", func() { spinCtx(ctx, work) })
			if ctx.Err() == nil {
				finished.Add(1)
			}
		}()
	}
	select {
	case <-time.After(after):
	case <-ctx.Done():
		return ctx.Err()
	}
	env.Measure(Measurement{Name: "began", Value: float64(began.Load()), Unit: "goroutines",
		Help: fmt.Sprintf("goroutines (of %d) that had begun running when main returned", n)})
	env.Measure(Measurement{Name: "finished", Value: float64(finished.Load()), Unit: "goroutines",
		Help: "goroutines that had finished their work when main returned"})
	env.Measure(Measurement{Name: "cut_off", Value: float64(int64(n) - finished.Load()), Unit: "goroutines",
		Help: "goroutines still working when main returned: the program's exit ends them unfinished"})
	return nil // main returns: the trace ends, the process exits, the goroutines with it
}
