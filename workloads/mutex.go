// Workload mutex: sync.Mutex contention.
//
// `goroutines` goroutines each lock one shared sync.Mutex `iterations` times,
// burn `work` of CPU inside the critical section and `outside` of CPU after
// it. With more goroutines than Ps they queue on the mutex: the report shows
// synchronization blocking (Waiting with reason "sync", stacks in
// sync.(*Mutex).Lock), and the workload measures the time to acquire the lock.

package workloads

import (
	"context"
	"runtime/trace"
	"sync"
	"time"
)

func init() {
	register(&Workload{
		Name:    "mutex",
		Summary: "goroutines contending for one sync.Mutex: synchronization blocking",
		Doc: "Lock contention: `goroutines` goroutines each take one shared sync.Mutex `iterations` " +
			"times, burning `work` of CPU while holding it and `outside` after releasing it. Only " +
			"one runs in the critical section at a time, so the others spin briefly and then park " +
			"in sync.(*Mutex).Lock: the report shows sync blocking time and its stacks, and the " +
			"workload measures lock acquisitions per second and the time to acquire the lock " +
			"(mean and worst).",
		Params: []Param{
			{Name: "goroutines", Kind: Int, Default: "8", Min: "1", Max: "100000", Help: "goroutines contending for the mutex"},
			{Name: "iterations", Kind: Int, Default: "2000", Min: "1", Max: "100000000", Help: "lock/unlock cycles per goroutine"},
			{Name: "work", Kind: Duration, Default: "20us", Min: "0s", Max: "1s", Help: "CPU time spent holding the lock"},
			{Name: "outside", Kind: Duration, Default: "5us", Min: "0s", Max: "1s", Help: "CPU time spent between unlock and the next lock"},
		},
		Gate: Gate{Metric: "measure.lock_ops_per_sec", HigherIsBetter: true, ThresholdPct: 10},
		run:  runMutex,
	})
}

func runMutex(ctx context.Context, env *Env) error {
	goroutines, iterations := env.Int("goroutines"), env.Int("iterations")
	work, outside := env.Duration("work"), env.Duration("outside")

	var mu sync.Mutex
	var counter int
	waits := make([]time.Duration, goroutines)
	worst := make([]time.Duration, goroutines)
	ops := make([]int, goroutines)
	var wg sync.WaitGroup
	wg.Add(goroutines)
	t0 := time.Now()
	for g := 0; g < goroutines; g++ {
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "contend", func() {
				for i := 0; i < iterations; i++ {
					if i%64 == 0 && ctx.Err() != nil {
						return
					}
					t := time.Now()
					mu.Lock()
					w := time.Since(t)
					waits[g] += w
					worst[g] = max(worst[g], w)
					counter++
					keep(spinFor(work))
					mu.Unlock()
					ops[g]++
					if outside > 0 {
						keep(spinFor(outside))
					}
				}
			})
		}()
	}
	wg.Wait()
	wall := time.Since(t0)

	var total, maxWait time.Duration
	var n int
	for g := range waits {
		total += waits[g]
		maxWait = max(maxWait, worst[g])
		n += ops[g]
	}
	env.Measure(Measurement{Name: "lock_ops", Value: float64(counter), Unit: "count", Help: "critical sections completed"})
	env.Measure(Measurement{Name: "lock_ops_per_sec", Value: perSec(n, wall), Unit: "ops/s"})
	env.Measure(Measurement{Name: "lock_wait_ns", Value: nsPer(total, n), Unit: "ns", Help: "mean time to acquire the lock"})
	env.Measure(Measurement{Name: "lock_wait_max_ns", Value: float64(maxWait.Nanoseconds()), Unit: "ns", Help: "longest time to acquire the lock"})
	if wall > 0 {
		env.Measure(Measurement{Name: "lock_busy_ratio", Value: float64(n) * work.Seconds() / wall.Seconds(), Unit: "ratio",
			Help: "share of the run the lock was held (1 = fully serialized)"})
	}
	return ctx.Err()
}
