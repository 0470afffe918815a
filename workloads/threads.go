// Workload threads: the same work as plain goroutines (M:N) and as
// goroutines pinned to their own OS thread with runtime.LockOSThread (1:1).
//
// The notes claim goroutines are cheaper than OS threads in creation, in
// switching (a goroutine switch saves 3 registers, a thread switch dozens,
// through the kernel) and in memory (~2 KB against ~1 MB). A goroutine that
// calls runtime.LockOSThread and then blocks keeps its thread to itself, so
// the pinned variant behaves like one kernel thread per unit of work. Each
// measurement is taken in both variants so they can be compared side by side.

package workloads

import (
	"context"
	"fmt"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
)

// Variants of the threads workload.
const (
	VariantGoroutines = "goroutines (M:N)"
	VariantThreads    = "threads (1:1)"
)

func init() {
	register(&Workload{
		Name:    "threads",
		Summary: "goroutines (M:N) vs goroutines pinned to OS threads (1:1): creation, switch cost, threads, memory",
		Doc: "The notes' comparison of goroutines and OS threads, measured: the same work is done " +
			"by plain goroutines (M:N) and by goroutines locked to their own OS thread with " +
			"runtime.LockOSThread (1:1, one kernel thread each). For each variant: ns to create a " +
			"unit until it runs and parks (`units` of them), OS threads while they are parked, " +
			"stack and resident memory per unit, and ns per switch in a channel ping-pong between " +
			"two units (`switches` round trips; pinned units switch through the kernel). Pinned " +
			"units exit without unlocking, so their threads are destroyed and the next run creates " +
			"them again.",
		Params: []Param{
			{Name: "units", Kind: Int, Default: "128", Min: "2", Max: "5000", Help: "goroutines (or pinned threads) created in the creation and memory test"},
			{Name: "switches", Kind: Int, Default: "20000", Min: "1", Max: "100000000", Help: "ping-pong round trips (2 switches each)"},
		},
		Gate: Gate{Metric: "measure.switch_ns.goroutines_m_n", HigherIsBetter: false, ThresholdPct: 15},
		run:  runThreads,
		memory: func(v Values) (int64, int64, string) {
			u := int64(v.Int("units"))
			return u * (pinnedThreadBytes + goroutineBytes), u, fmt.Sprintf("%s pinned threads x %d KiB", count(u), pinnedThreadBytes>>10)
		},
	})
}

func runThreads(ctx context.Context, env *Env) error {
	units, switches := env.Int("units"), env.Int("switches")
	for _, pinned := range []bool{false, true} {
		variant := VariantGoroutines
		if pinned {
			variant = VariantThreads
		}
		trace.WithRegion(ctx, "create "+variant, func() { createUnits(env, variant, units, pinned) })
		if err := ctx.Err(); err != nil {
			return err
		}
		trace.WithRegion(ctx, "ping-pong "+variant, func() { pingPong(ctx, env, variant, switches, pinned) })
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// createUnits creates units goroutines (pinned to their threads or not) that
// park on a channel, measures while they are parked, and releases them.
func createUnits(env *Env, variant string, units int, pinned bool) {
	runtime.GC()
	before := readProcStatus()
	mBefore := readMetrics(mHeapStacks, mOSStacks, mTotalMemory)
	threadsBefore := osThreads()

	release := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(units)
	done.Add(units)
	t0 := time.Now()
	for i := 0; i < units; i++ {
		go func() {
			defer done.Done()
			if pinned {
				// Never unlocked: when the goroutine exits, its thread exits too.
				runtime.LockOSThread()
			}
			ready.Done()
			<-release
		}()
	}
	ready.Wait()
	create := time.Since(t0)

	threads := osThreads()
	after := readProcStatus()
	mAfter := readMetrics(mHeapStacks, mOSStacks, mTotalMemory)
	close(release)
	done.Wait()

	env.Measure(Measurement{Name: "create_ns_per_unit", Variant: variant, Value: nsPer(create, units), Unit: "ns",
		Help: "from the first go statement until every unit ran (and, pinned, got its own thread) and parked, per unit"})
	env.Measure(Measurement{Name: "os_threads", Variant: variant, Value: float64(threads), Unit: "threads",
		Help: fmt.Sprintf("OS threads of the process while the %d units were parked", units)})
	env.Measure(Measurement{Name: "threads_per_unit", Variant: variant, Value: float64(threads-threadsBefore) / float64(units), Unit: "threads",
		Help: "OS threads added while the units were parked, per unit (idle threads left from earlier work are reused first)"})
	stacks := (mAfter[mHeapStacks] + mAfter[mOSStacks]) - (mBefore[mHeapStacks] + mBefore[mOSStacks])
	env.Measure(Measurement{Name: "stack_bytes_per_unit", Variant: variant, Value: stacks / float64(units), Unit: "bytes",
		Help: "growth of goroutine and thread stacks the Go runtime holds (runtime/metrics heap/stacks + os-stacks), per unit"})
	env.Measure(Measurement{Name: "go_memory_bytes_per_unit", Variant: variant, Value: (mAfter[mTotalMemory] - mBefore[mTotalMemory]) / float64(units), Unit: "bytes",
		Help: "growth of all memory mapped by the Go runtime (/memory/classes/total:bytes), per unit"})
	if before.ok && after.ok {
		env.Measure(Measurement{Name: "rss_bytes_per_unit", Variant: variant, Value: float64(after.rssBytes-before.rssBytes) / float64(units), Unit: "bytes",
			Help: "growth of the resident set (VmRSS), per unit; kernel memory of a thread is not in it"})
		env.Measure(Measurement{Name: "virtual_bytes_per_unit", Variant: variant, Value: float64(after.vmBytes-before.vmBytes) / float64(units), Unit: "bytes",
			Help: "growth of the virtual address space (VmSize), per unit: in a cgo binary each thread is a pthread with its own reserved stack (8 MiB by default on Linux)"})
	}
}

// pingPong bounces a token between two units over unbuffered channels and
// measures ns per switch (two per round trip).
func pingPong(ctx context.Context, env *Env, variant string, rounds int, pinned bool) {
	ping, pong := make(chan int), make(chan int)
	var wg sync.WaitGroup
	wg.Add(2)
	start := make(chan struct{})
	go func() { // the responder
		defer wg.Done()
		if pinned {
			runtime.LockOSThread()
		}
		<-start
		for v := range ping {
			pong <- v + 1
		}
	}()
	var elapsed time.Duration
	var n int
	go func() { // the initiator
		defer wg.Done()
		if pinned {
			runtime.LockOSThread()
		}
		<-start
		t0 := time.Now()
		for n = 0; n < rounds; n++ {
			if n%1024 == 0 && ctx.Err() != nil {
				break
			}
			ping <- n
			<-pong
		}
		elapsed = time.Since(t0)
		close(ping)
	}()
	close(start)
	wg.Wait()
	env.Measure(Measurement{Name: "switch_ns", Variant: variant, Value: nsPer(elapsed, 2*n), Unit: "ns",
		Help: "channel ping-pong between two units: ns per switch (a send that wakes the other unit)"})
}
