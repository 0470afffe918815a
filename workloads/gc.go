// Workload gc: allocation pressure.
//
// `workers` goroutines allocate `alloc_mb` MiB in objects of `size` bytes
// while keeping about `live_mb` MiB reachable in a ring, so the heap keeps
// reaching its goal: the garbage collector runs cycle after cycle, stops the
// world twice per cycle, and makes the allocating goroutines help with
// marking (mark assist). The report shows the GC cycles, STW pauses, mark
// assist time and the heap; the workload measures the same from
// runtime/metrics.

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
		Name:    "gc",
		Summary: "allocation pressure: GC cycles, stop-the-world pauses, mark assist",
		Doc: "Garbage collection under load: `workers` goroutines (0 = GOMAXPROCS) allocate " +
			"`alloc_mb` MiB in objects of `size` bytes, keeping about `live_mb` MiB alive in a " +
			"ring that older objects fall out of. The heap reaches its goal again and again, so " +
			"the report shows GC cycles, the two stop-the-world pauses of each cycle, mark " +
			"assists of the allocating goroutines, and the heap size over time. The workload " +
			"measures allocation rate, GC cycles, pause time and assist CPU time from " +
			"runtime/metrics.",
		Params: []Param{
			{Name: "alloc_mb", Kind: Int, Default: "1024", Min: "1", Max: "1048576", Help: "MiB allocated in total"},
			{Name: "live_mb", Kind: Int, Default: "32", Min: "0", Max: "65536", Help: "MiB kept reachable"},
			{Name: "size", Kind: Int, Default: "256", Min: "16", Max: "1048576", Help: "payload bytes per object"},
			{Name: "workers", Kind: Int, Default: "0", Min: "0", Max: "10000", Help: "allocating goroutines (0 = GOMAXPROCS)"},
		},
		Gate: Gate{Metric: "measure.alloc_bytes_per_sec", HigherIsBetter: true, ThresholdPct: 10},
		run:  runGC,
		memory: func(v Values) (int64, int64, string) {
			// The live ring, and a heap that grows to twice it (GOGC=100)
			// before each cycle.
			live := int64(v.Int("live_mb")) << 20
			return 2 * live, int64(v.Int("workers")), fmt.Sprintf("%d MiB live, twice that at the heap goal", v.Int("live_mb"))
		},
	})
}

// gcObj is a pointer-carrying object, so that marking has work to do.
type gcObj struct {
	prev    *gcObj // an object allocated shortly before (not kept alive for long)
	payload []byte
}

func runGC(ctx context.Context, env *Env) error {
	total := int64(env.Int("alloc_mb")) << 20
	live := int64(env.Int("live_mb")) << 20
	size, workers := env.Int("size"), env.Int("workers")
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	objBytes := int64(size) + 48 // payload + gcObj
	perWorker := total / objBytes / int64(workers)
	slots := max(live/objBytes/int64(workers), 1)

	names := []string{mGCCycles, mGCPauses, mHeapAllocs, mAssistCPU, mGCTotalCPU, mUserCPU}
	runtime.GC() // start from a clean heap; its pauses are not counted below
	before := readMetrics(names...)
	pauseBefore := histSum(mGCPauses)

	var wg sync.WaitGroup
	wg.Add(workers)
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "allocate", func() {
				ring := make([]*gcObj, slots)
				var prev *gcObj
				for i := int64(0); i < perWorker; i++ {
					if i%4096 == 0 && ctx.Err() != nil {
						return
					}
					o := &gcObj{payload: make([]byte, size)}
					if i%8 != 0 {
						o.prev = prev // short chains: at most 8 objects
					}
					prev = o
					ring[i%slots] = o
				}
				keep(uint64(len(ring)))
			})
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	// The runtime updates the CPU classes at the end of each GC cycle, so the
	// CPU numbers below cover the run up to its last cycle.
	after := readMetrics(names...)
	pauseAfter := histSum(mGCPauses)

	allocated := after[mHeapAllocs] - before[mHeapAllocs]
	env.Measure(Measurement{Name: "allocated_bytes", Value: allocated, Unit: "bytes", Help: "/gc/heap/allocs:bytes during the run"})
	if wall > 0 {
		env.Measure(Measurement{Name: "alloc_bytes_per_sec", Value: allocated / wall.Seconds(), Unit: "bytes/s"})
	}
	env.Measure(Measurement{Name: "gc_cycles", Value: after[mGCCycles] - before[mGCCycles], Unit: "count", Help: "/gc/cycles/total:gc-cycles during the run"})
	env.Measure(Measurement{Name: "gc_pauses", Value: after[mGCPauses] - before[mGCPauses], Unit: "count",
		Help: "stop-the-world pauses for GC (/sched/pauses/total/gc:seconds samples)"})
	env.Measure(Measurement{Name: "gc_pause_total_ns", Value: (pauseAfter - pauseBefore) * 1e9, Unit: "ns",
		Help: "total GC pause time, estimated from the /sched/pauses/total/gc:seconds histogram"})
	env.Measure(Measurement{Name: "assist_cpu_ns", Value: (after[mAssistCPU] - before[mAssistCPU]) * 1e9, Unit: "ns",
		Help: "CPU time allocating goroutines spent helping the GC mark (/cpu/classes/gc/mark/assist:cpu-seconds)"})
	if cpu := (after[mGCTotalCPU] - before[mGCTotalCPU]) + (after[mUserCPU] - before[mUserCPU]); cpu > 0 {
		env.Measure(Measurement{Name: "gc_cpu_fraction", Value: (after[mGCTotalCPU] - before[mGCTotalCPU]) / cpu, Unit: "ratio",
			Help: "GC CPU time / (GC + user CPU time), as estimated by the runtime"})
	}
	return ctx.Err()
}
