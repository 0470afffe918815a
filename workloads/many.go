// Workload many: a great many goroutines at once.
//
// The notes claim a goroutine starts with a ~2 KB stack and is cheap to
// create and destroy, so a program can run one per request. This workload
// creates n goroutines that all park on one channel, measures the creation
// rate, how many are alive at once and the stack memory each one holds
// (runtime/metrics, read while they are parked), then releases them all and
// measures how fast they finish.

package workloads

import (
	"context"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
)

func init() {
	register(&Workload{
		Name:    "many",
		Summary: "n goroutines created, parked and released: creation rate, peak alive, stack bytes per goroutine",
		Doc: "The notes' memory and creation claims: a goroutine starts with a ~2 KB stack (a thread " +
			"takes ~1 MB) and is cheap to create, so 100,000 of them are fine. It creates `n` " +
			"goroutines that park on one channel, measures ns per goroutine created (until it runs " +
			"and parks) and the creation rate, the peak number alive, and the stack memory per " +
			"goroutine from runtime/metrics (/memory/classes/heap/stacks:bytes before and while they " +
			"are parked, and the runtime's current starting stack size /gc/stack/starting-size:bytes), " +
			"then closes the channel and measures how fast they all end. The report shows the " +
			"creation burst, the peak and the goroutine lifetimes. Numbers are taken under tracing, " +
			"which makes each goroutine event costlier.",
		Params: []Param{
			{Name: "n", Kind: Int, Default: "100000", Min: "1", Max: "10000000", Help: "goroutines to create"},
			{Name: "hold", Kind: Duration, Default: "0s", Min: "0s", Max: "1m", Help: "keep them parked this much longer"},
		},
		Gate: Gate{Metric: "measure.create_ns_per_goroutine", HigherIsBetter: false, ThresholdPct: 15},
		run:  runMany,
		memory: func(v Values) (int64, int64, string) {
			return goroutinesCost(v.Int("n"))
		},
	})
}

func runMany(ctx context.Context, env *Env) error {
	n, hold := env.Int("n"), env.Duration("hold")

	runtime.GC() // drop dead goroutines' stacks before the baseline
	before := readMetrics(mHeapStacks, mTotalMemory)
	baseGoroutines := runtime.NumGoroutine()

	release := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	var createDur time.Duration
	trace.WithRegion(ctx, "create", func() {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			go func() {
				started.Done()
				<-release
				done.Done()
			}()
		}
		started.Wait()
		createDur = time.Since(t0)
	})

	var peak int
	var parked map[string]float64
	trace.WithRegion(ctx, "parked", func() {
		peak = runtime.NumGoroutine()
		parked = readMetrics(mHeapStacks, mTotalMemory, mStackStart)
		if hold > 0 {
			select {
			case <-time.After(hold):
			case <-ctx.Done():
			}
		}
	})

	var releaseDur time.Duration
	trace.WithRegion(ctx, "release", func() {
		t0 := time.Now()
		close(release)
		done.Wait()
		releaseDur = time.Since(t0)
	})

	env.Measure(Measurement{Name: "goroutines", Value: float64(n), Unit: "count"})
	env.Measure(Measurement{Name: "create_ns_per_goroutine", Value: nsPer(createDur, n), Unit: "ns",
		Help: "from the first go statement until all goroutines ran and parked, per goroutine"})
	env.Measure(Measurement{Name: "creation_rate", Value: perSec(n, createDur), Unit: "goroutines/s"})
	env.Measure(Measurement{Name: "peak_alive", Value: float64(peak), Unit: "goroutines",
		Help: "runtime.NumGoroutine while all were parked"})
	env.Measure(Measurement{Name: "peak_alive_added", Value: float64(peak - baseGoroutines), Unit: "goroutines"})
	stacks := parked[mHeapStacks] - before[mHeapStacks]
	env.Measure(Measurement{Name: "stack_bytes_per_goroutine", Value: stacks / float64(n), Unit: "bytes",
		Help: "growth of /memory/classes/heap/stacks:bytes while parked, per goroutine"})
	env.Measure(Measurement{Name: "memory_bytes_per_goroutine", Value: (parked[mTotalMemory] - before[mTotalMemory]) / float64(n), Unit: "bytes",
		Help: "growth of all memory mapped by the Go runtime (/memory/classes/total:bytes) while parked, per goroutine"})
	if v := parked[mStackStart]; v > 0 {
		env.Measure(Measurement{Name: "stack_start_bytes", Value: v, Unit: "bytes",
			Help: "stack size the runtime gives a new goroutine now (/gc/stack/starting-size:bytes)"})
	}
	env.Measure(Measurement{Name: "release_ns_per_goroutine", Value: nsPer(releaseDur, n), Unit: "ns",
		Help: "from closing the channel until all goroutines ended, per goroutine"})
	return ctx.Err()
}
