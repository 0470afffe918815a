// Workload deadlock: the notes' sync.WaitGroup mistake.
//
//	var wg sync.WaitGroup
//	wg.Add(3)
//	go func() { defer wg.Done(); ... }() // only two goroutines call Done
//	go func() { defer wg.Done(); ... }()
//	wg.Wait() // blocks forever
//
// A program whose only goroutine is stuck like this dies with "fatal error:
// all goroutines are asleep - deadlock!"; a real server usually has other
// goroutines alive and just hangs. Here a watchdog ends the trace after
// `hold` while the main goroutine is still blocked in
// sync.(*WaitGroup).Wait, then calls the missing Done so that the program can
// exit. The analyzer must report the blocked goroutine as a suspected leak and
// name the WaitGroup deadlock.

package workloads

import (
	"context"
	"errors"
	"fmt"
	"runtime/trace"
	"sync"
	"time"
)

func init() {
	register(&Workload{
		Name:    "deadlock",
		Summary: "the notes' WaitGroup mistake: Add(3), two Done, main blocked in Wait; a watchdog ends the trace",
		Doc: "The deadlock of the notes: wg.Add(`add`) but only `done` goroutines call wg.Done, so " +
			"wg.Wait in the main goroutine never returns (alone, the program would die with \"all " +
			"goroutines are asleep - deadlock!\"). A watchdog ends the trace after `hold` with the " +
			"main goroutine still blocked, then supplies the missing Done calls so the program can " +
			"exit. The report must flag the main goroutine as a suspected leak blocked in " +
			"sync.(*WaitGroup).Wait and name the WaitGroup deadlock; `hold` must exceed the leak " +
			"threshold (min(1s, half the trace)). Set done=add to see the fixed program finish.",
		Params: []Param{
			{Name: "add", Kind: Int, Default: "3", Min: "1", Max: "1000", Help: "the count given to wg.Add"},
			{Name: "done", Kind: Int, Default: "2", Min: "0", Max: "1000", Help: "goroutines that call wg.Done"},
			{Name: "work", Kind: Duration, Default: "10ms", Min: "0s", Max: "10s", Help: "CPU time each of those goroutines burns first"},
			{Name: "hold", Kind: Duration, Default: "1.5s", Min: "10ms", Max: "10m", Help: "how long the watchdog lets main stay blocked before it ends the trace"},
		},
		check: func(v Values) error {
			if v.Int("done") > v.Int("add") {
				return errors.New("done must not exceed add (more Done than Add panics with sync: negative WaitGroup counter: see the waitgroup workload)")
			}
			return nil
		},
		run: runDeadlock,
	})
}

func runDeadlock(ctx context.Context, env *Env) error {
	add, done, work, hold := env.Int("add"), env.Int("done"), env.Duration("work"), env.Duration("hold")

	var wg sync.WaitGroup
	wg.Add(add)
	for i := 0; i < done; i++ {
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "work", func() { keep(spinFor(work)) })
		}()
	}

	// The watchdog: if main is still blocked after hold, end the trace, then
	// release main with the Done calls nobody made.
	waitStart := make(chan time.Time, 1)
	returned := make(chan struct{})
	watchdogDone := make(chan struct{})
	go func() {
		defer close(watchdogDone)
		start := <-waitStart
		select {
		case <-returned:
			return
		case <-time.After(hold):
		case <-ctx.Done():
		}
		blocked := time.Since(start)
		env.Measure(Measurement{Name: "wait_blocked_ns", Value: float64(blocked.Nanoseconds()), Unit: "ns",
			Help: "how long main had been blocked in wg.Wait when the watchdog ended the trace"})
		env.Measure(Measurement{Name: "missing_done", Value: float64(add - done), Unit: "count",
			Help: "Done calls that never came (wg.Add count minus Done calls)"})
		if ctx.Err() != nil {
			env.StopTrace(env.cancelReason())
		} else {
			env.StopTrace(fmt.Sprintf("watchdog after %v: main is blocked in sync.(*WaitGroup).Wait (Add(%d), %d Done): a WaitGroup deadlock",
				blocked.Round(time.Millisecond), add, done))
		}
		for i := done; i < add; i++ {
			wg.Done()
		}
	}()

	waitStart <- time.Now()
	t0 := time.Now()
	wg.Wait() // with done < add, only the watchdog gets us out of here
	waited := time.Since(t0)
	close(returned)
	<-watchdogDone
	if done == add {
		env.Measure(Measurement{Name: "wait_ns", Value: float64(waited.Nanoseconds()), Unit: "ns",
			Help: "how long main waited in wg.Wait (no deadlock: done = add)"})
	}
	return ctx.Err()
}
