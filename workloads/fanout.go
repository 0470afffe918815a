// Workload fanout: fan-out/fan-in with sync.WaitGroup, used correctly.
//
// A producer sends jobs on a channel, a fixed pool of worker goroutines takes
// them (fan-out) and sends results to one collector (fan-in); the main
// goroutine waits for the workers with sync.WaitGroup, as in the notes: Add
// once per worker, Done when each worker returns, Wait in main. Every
// goroutine ends, so the report must show no leaked goroutine, and P
// utilization near 1 while the jobs run.

package workloads

import (
	"context"
	"runtime/trace"
	"sync"
	"time"
)

func init() {
	register(&Workload{
		Name:    "fanout",
		Summary: "fan-out/fan-in: worker goroutines share jobs, sync.WaitGroup waits for them",
		Doc: "A producer sends `jobs` jobs on a channel; `workers` goroutines take them, each burning " +
			"`work` of CPU per job, and send results to one collector goroutine. The main goroutine " +
			"waits with sync.WaitGroup the way the notes use it (Add per worker, Done per worker, " +
			"Wait in main), so every goroutine ends: the report shows 0 leaked goroutines, the " +
			"workers' scheduling latency, and P utilization near 1 on all GOMAXPROCS Ps. " +
			"It measures jobs per second and the parallelism achieved (CPU work done / wall time).",
		Params: []Param{
			{Name: "workers", Kind: Int, Default: "8", Min: "1", Max: "100000", Help: "worker goroutines"},
			{Name: "jobs", Kind: Int, Default: "4000", Min: "1", Max: "100000000", Help: "jobs sent to the workers"},
			{Name: "work", Kind: Duration, Default: "200us", Min: "0s", Max: "1s", Help: "CPU time each job burns"},
		},
		Gate: Gate{Metric: "measure.jobs_per_sec", HigherIsBetter: true, ThresholdPct: 10},
		run:  runFanout,
	})
}

func runFanout(ctx context.Context, env *Env) error {
	workers, jobs, work := env.Int("workers"), env.Int("jobs"), env.Duration("work")

	jobCh := make(chan int, workers)
	results := make(chan uint64, workers)

	start := time.Now()
	// Producer (fan-out source).
	go func() {
		defer close(jobCh)
		trace.WithRegion(ctx, "produce", func() {
			for i := 0; i < jobs; i++ {
				select {
				case jobCh <- i:
				case <-ctx.Done():
					return
				}
			}
		})
	}()

	// Workers.
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			defer wg.Done()
			for range jobCh {
				var r uint64
				trace.WithRegion(ctx, "job", func() { r = spinFor(work) })
				results <- r
			}
		}()
	}

	// Collector (fan-in).
	var done int
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range results {
			keep(r)
			done++
		}
	}()

	trace.WithRegion(ctx, "wait", wg.Wait)
	close(results)
	<-collected
	wall := time.Since(start)

	env.Measure(Measurement{Name: "jobs_done", Value: float64(done), Unit: "count", Help: "jobs completed"})
	env.Measure(Measurement{Name: "jobs_per_sec", Value: perSec(done, wall), Unit: "jobs/s", Help: "throughput of the worker pool"})
	env.Measure(Measurement{Name: "wall_ns", Value: float64(wall.Nanoseconds()), Unit: "ns", Help: "from the first job sent to the last result collected"})
	if wall > 0 {
		env.Measure(Measurement{Name: "parallelism", Value: float64(done) * work.Seconds() / wall.Seconds(), Unit: "cores",
			Help: "CPU work done / wall time: the cores the pool kept busy (at most GOMAXPROCS; less on a loaded machine)"})
	}
	return ctx.Err()
}
