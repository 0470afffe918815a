// Workload leak: goroutines blocked forever on a channel nobody sends to.
//
// A leaked goroutine is one that waits for something that never happens; it
// holds its stack and everything it references until the program exits. Here
// `n` goroutines receive from a channel that nobody sends to or closes, next
// to `ok` goroutines whose channel does get a value and which end normally.
// The trace is ended after `hold` with the leaked ones still blocked, so the
// analyzer counts them (and only them) as suspected leaks; afterwards the
// channel is closed so that the program can exit cleanly.

package workloads

import (
	"context"
	"fmt"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
)

func init() {
	register(&Workload{
		Name:    "leak",
		Summary: "goroutines blocked forever on a channel nobody sends to: leak detection",
		Doc: "Leak detection: `n` goroutines receive from a channel that nobody sends to, next to " +
			"`ok` goroutines that receive a value and end. The trace ends after `hold` with the " +
			"first group still blocked (then the channel is closed so the program exits). The " +
			"report must count the `n` blocked goroutines as suspected leaks (blocked at least " +
			"min(1s, half the trace), so `hold` must be most of the run) with their blocking stack " +
			"in waitForever, and not the others.",
		Params: []Param{
			{Name: "n", Kind: Int, Default: "100", Min: "1", Max: "1000000", Help: "goroutines that block forever"},
			{Name: "ok", Kind: Int, Default: "100", Min: "0", Max: "1000000", Help: "goroutines that receive a value and end"},
			{Name: "hold", Kind: Duration, Default: "1.5s", Min: "10ms", Max: "10m", Help: "how long the trace goes on with the leaked goroutines blocked"},
		},
		run: runLeak,
		memory: func(v Values) (int64, int64, string) {
			return goroutinesCost(v.Int("n") + v.Int("ok"))
		},
	})
}

// waitForever receives from a channel nobody sends to (until the workload
// closes it after the trace).
func waitForever(never <-chan struct{}, started *sync.WaitGroup) {
	started.Done()
	<-never
}

// receiveOnce receives one value and ends.
func receiveOnce(ch <-chan int, started, done *sync.WaitGroup) {
	started.Done()
	keep(uint64(<-ch))
	done.Done()
}

func runLeak(ctx context.Context, env *Env) error {
	n, ok, hold := env.Int("n"), env.Int("ok"), env.Duration("hold")
	base := runtime.NumGoroutine()

	never := make(chan struct{})
	defer close(never) // after the trace: let them go
	vals := make(chan int)
	var started, done sync.WaitGroup
	trace.WithRegion(ctx, "start", func() {
		started.Add(n + ok)
		done.Add(ok)
		for i := 0; i < n; i++ {
			go waitForever(never, &started)
		}
		for i := 0; i < ok; i++ {
			go receiveOnce(vals, &started, &done)
		}
		started.Wait()
	})
	trace.WithRegion(ctx, "serve", func() {
		for i := 0; i < ok; i++ {
			vals <- i
		}
		done.Wait()
	})
	t0 := time.Now()
	trace.WithRegion(ctx, "hold", func() {
		select {
		case <-time.After(hold):
		case <-ctx.Done():
		}
	})
	leaked := runtime.NumGoroutine() - base
	env.Measure(Measurement{Name: "blocked_goroutines", Value: float64(leaked), Unit: "goroutines",
		Help: "goroutines of this workload still alive (blocked) when the trace ends"})
	if err := ctx.Err(); err != nil {
		env.StopTrace(env.cancelReason())
		return err
	}
	env.StopTrace(fmt.Sprintf("watchdog after %v: %d goroutines blocked forever on a channel nobody sends to",
		time.Since(t0).Round(time.Millisecond), n))
	return nil
}
