// Workload syscall: goroutines blocked in real system calls while other
// goroutines compute.
//
// The notes contrast 1:N user-level threads, where one thread blocking in a
// syscall stops all the others (the kernel sees one thread), with Go's M:N
// scheduler, which hands the blocked thread's P to another thread so the
// remaining goroutines keep running. This workload blocks `blockers`
// goroutines in the kernel (a read on a blocking pipe nobody writes to for a
// while, nanosleep, fsync of a temp file) while `computers` goroutines burn
// CPU, and measures the computers' progress before and during the blocking
// phase. In the report: syscalls that lost their P (P handoff), more OS
// threads than GOMAXPROCS, and P utilization that stays high.

package workloads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(&Workload{
		Name:    "syscall",
		Summary: "goroutines blocked in syscalls (pipe read, nanosleep, fsync) while others compute: P handoff, thread growth",
		Doc: "The notes' M:N claim: when a goroutine blocks in a system call, the scheduler hands its P " +
			"to another OS thread and the other goroutines keep running (a 1:N user-level thread " +
			"library would stop them all); run it with --gomaxprocs 1 to see one P carry on. `computers` " +
			"goroutines (0 = GOMAXPROCS) burn CPU alone for `baseline` (repeated, up to 3 times, until " +
			"their rate is steady; a warning says when it never was), then `blockers` goroutines make `rounds` rounds of real blocking syscalls " +
			"(read on a blocking pipe written after `block`, nanosleep for `block`, write+fsync of a " +
			"temp file) while the computers go on. It measures compute throughput alone and during " +
			"the blocking phase (their ratio is near 1 when the scheduler keeps running), intervals " +
			"with no compute progress, and OS threads. The report shows syscalls that lost their P " +
			"and more threads than GOMAXPROCS.",
		Params: []Param{
			{Name: "blockers", Kind: Int, Default: "4", Min: "1", Max: "1000", Help: "goroutines making blocking syscalls at once"},
			{Name: "computers", Kind: Int, Default: "0", Min: "0", Max: "1000", Help: "CPU-bound goroutines (0 = GOMAXPROCS)"},
			{Name: "block", Kind: Duration, Default: "100ms", Min: "1ms", Max: "10s", Help: "how long each pipe read and nanosleep blocks"},
			{Name: "rounds", Kind: Int, Default: "2", Min: "1", Max: "1000", Help: "rounds of pipe read + nanosleep + fsync per blocker"},
			{Name: "baseline", Kind: Duration, Default: "200ms", Min: "10ms", Max: "10s", Help: "compute alone for this long first"},
		},
		Gate: Gate{Metric: "measure.compute_ops_per_sec.during_blocking_syscalls", HigherIsBetter: true, ThresholdPct: 20},
		run:  runSyscall,
	})
}

// The alone phase is cut into aloneSlices slices; it is steady when the
// slowest slice's compute rate is within aloneMaxSpread of the fastest's.
// Up to aloneAttempts phases are run to get a steady one.
const (
	aloneSlices    = 4
	aloneMaxSpread = 0.25
	aloneAttempts  = 3
)

// measureAlone lets the computers run alone for d and returns their work,
// the time it took and the spread of their rate over aloneSlices slices.
func measureAlone(ctx context.Context, total func() int64, d time.Duration) (ops int64, dur time.Duration, spread float64) {
	counts := []int64{total()}
	times := []time.Time{time.Now()}
	for i := 0; i < aloneSlices; i++ {
		select {
		case <-time.After(d / aloneSlices):
		case <-ctx.Done():
			return total() - counts[0], time.Since(times[0]), math.Inf(1)
		}
		counts = append(counts, total())
		times = append(times, time.Now())
	}
	n := len(counts) - 1
	return counts[n] - counts[0], times[n].Sub(times[0]), rateSpread(counts, times)
}

// rateSpread is (fastest - slowest) / fastest of the rates between
// successive samples (counts[i] at times[i]); +Inf when nothing progressed.
func rateSpread(counts []int64, times []time.Time) float64 {
	lo, hi := math.Inf(1), 0.0
	for i := 1; i < len(counts); i++ {
		rate := perSec(int(counts[i]-counts[i-1]), times[i].Sub(times[i-1]))
		lo, hi = min(lo, rate), max(hi, rate)
	}
	if hi <= 0 {
		return math.Inf(1)
	}
	return (hi - lo) / hi
}

var errNoBlockingSyscalls = errors.New("the syscall workload needs Linux (raw blocking pipe reads and nanosleep)")

// paddedCounter avoids false sharing between computing goroutines.
type paddedCounter struct {
	n atomic.Int64
	_ [56]byte
}

func runSyscall(ctx context.Context, env *Env) error {
	if !haveBlockingSyscalls {
		return errNoBlockingSyscalls
	}
	blockers, computers := env.Int("blockers"), env.Int("computers")
	block, rounds, baseline := env.Duration("block"), env.Int("rounds"), env.Duration("baseline")
	if computers == 0 {
		computers = runtime.GOMAXPROCS(0)
	}
	env.Measure(Measurement{Name: "gomaxprocs", Value: float64(runtime.GOMAXPROCS(0)), Unit: "Ps"})
	env.Measure(Measurement{Name: "os_threads", Variant: "before", Value: float64(osThreads()), Unit: "threads",
		Help: "OS threads of the process"})

	// Computers run from now until stop is closed.
	counters := make([]paddedCounter, computers)
	var stopped atomic.Bool
	var cwg sync.WaitGroup
	cwg.Add(computers)
	for i := range counters {
		c := &counters[i]
		go func() {
			defer cwg.Done()
			trace.WithRegion(ctx, "compute", func() {
				var x uint64
				for !stopped.Load() {
					x += burn(1024)
					c.n.Add(1)
				}
				keep(x)
			})
		}()
	}
	total := func() int64 {
		var n int64
		for i := range counters {
			n += counters[i].n.Load()
		}
		return n
	}
	defer func() {
		stopped.Store(true)
		cwg.Wait()
	}()

	// Phase 1: compute alone, until the rate is steady: a baseline that
	// other load on the machine disturbed would make any ratio meaningless.
	var aloneOps int64
	var aloneDur time.Duration
	spread, attempts := math.Inf(1), 0
	for attempts < aloneAttempts && spread > aloneMaxSpread && ctx.Err() == nil {
		attempts++
		var ops int64
		var dur time.Duration
		var sp float64
		trace.WithRegion(ctx, "compute alone", func() { ops, dur, sp = measureAlone(ctx, total, baseline) })
		if sp < spread { // keep the steadiest attempt
			aloneOps, aloneDur, spread = ops, dur, sp
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	env.Measure(Measurement{Name: "alone_spread", Value: spread, Unit: "ratio",
		Help: fmt.Sprintf("(fastest - slowest) / fastest compute rate over %d slices of the alone phase: steady when at most %.0f%%", aloneSlices, 100*aloneMaxSpread)})
	env.Measure(Measurement{Name: "alone_attempts", Value: float64(attempts), Unit: "count",
		Help: fmt.Sprintf("alone phases run to get a steady one (at most %d; the steadiest counts)", aloneAttempts)})
	if spread > aloneMaxSpread {
		env.Warnf("the compute rate alone was not steady in %d attempts (spread %.0f%%, over %.0f%% allowed): other load on the machine; compute_progress_ratio is not reliable",
			attempts, 100*spread, 100*aloneMaxSpread)
	}

	// Phase 2: blockers in syscalls while the computers go on.
	tmpDir, err := os.MkdirTemp("", "gotrace-syscall-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmpDir)

	var inSyscall, completed atomic.Int64
	var blockedNS atomic.Int64
	inCall := func(f func() error) error {
		inSyscall.Add(1)
		t := time.Now()
		err := f()
		blockedNS.Add(int64(time.Since(t)))
		inSyscall.Add(-1)
		if err == nil {
			completed.Add(1)
		}
		return err
	}
	blocker := func() error {
		r, w, err := blockingPipe()
		if err != nil {
			return err
		}
		defer closeFD(r)
		defer closeFD(w)
		f, err := os.CreateTemp(tmpDir, "fsync")
		if err != nil {
			return err
		}
		defer f.Close()
		data := make([]byte, 64<<10)
		buf := make([]byte, 1)
		for round := 0; round < rounds && ctx.Err() == nil; round++ {
			// Read on a blocking pipe; a waker writes after block.
			woke := time.AfterFunc(block, func() { writeFD(w, []byte{1}) })
			err := inCall(func() error {
				var err error
				trace.WithRegion(ctx, "pipe read", func() { _, err = readFD(r, buf) })
				return err
			})
			woke.Stop()
			if err != nil {
				return fmt.Errorf("pipe read: %w", err)
			}
			if err := inCall(func() error {
				var err error
				trace.WithRegion(ctx, "nanosleep", func() { err = nanosleep(block) })
				return err
			}); err != nil {
				return fmt.Errorf("nanosleep: %w", err)
			}
			if err := inCall(func() error {
				var err error
				trace.WithRegion(ctx, "fsync", func() {
					if _, err = f.WriteAt(data, 0); err == nil {
						err = f.Sync()
					}
				})
				return err
			}); err != nil {
				return fmt.Errorf("fsync: %w", err)
			}
		}
		return nil
	}

	// A sampler follows the computers' progress during the blocking phase.
	interval := max(block/4, 5*time.Millisecond)
	samplerDone := make(chan struct{})
	endSampling := make(chan struct{})
	var samples, stalls, maxThreads int
	go func() {
		defer close(samplerDone)
		tk := time.NewTicker(interval)
		defer tk.Stop()
		last := total()
		for {
			select {
			case <-endSampling:
				return
			case <-tk.C:
			}
			now, in, th := total(), inSyscall.Load(), osThreads()
			maxThreads = max(maxThreads, th)
			if in > 0 {
				samples++
				if now == last {
					stalls++
				}
			}
			env.Logf("t=%v in_syscall=%d compute_ops=+%d os_threads=%d", env.Elapsed().Round(time.Millisecond), in, now-last, th)
			last = now
		}
	}()

	var blockOps int64
	var blockDur time.Duration
	errs := make([]error, blockers)
	trace.WithRegion(ctx, "blocking syscalls", func() {
		n0, t0 := total(), time.Now()
		var bwg sync.WaitGroup
		bwg.Add(blockers)
		for i := 0; i < blockers; i++ {
			go func() {
				defer bwg.Done()
				errs[i] = blocker()
			}()
		}
		bwg.Wait()
		blockOps, blockDur = total()-n0, time.Since(t0)
	})
	close(endSampling)
	<-samplerDone
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	alone, during := perSec(int(aloneOps), aloneDur), perSec(int(blockOps), blockDur)
	env.Measure(Measurement{Name: "compute_ops_per_sec", Variant: "alone", Value: alone, Unit: "ops/s",
		Help: "CPU work units per second of all computing goroutines"})
	env.Measure(Measurement{Name: "compute_ops_per_sec", Variant: "during blocking syscalls", Value: during, Unit: "ops/s",
		Help: "CPU work units per second of all computing goroutines"})
	if alone > 0 {
		env.Measure(Measurement{Name: "compute_progress_ratio", Value: during / alone, Unit: "ratio",
			Help: "compute throughput during the blocking phase / alone: near 1 when blocked syscalls do not hold Ps"})
		if during/alone > 1+aloneMaxSpread {
			env.Warnf("compute ran %.0f%% faster during the blocking syscalls than alone: one of the phases was disturbed by other load; compute_progress_ratio is not reliable",
				100*(during/alone-1))
		}
	}
	env.Measure(Measurement{Name: "stalled_intervals", Value: float64(stalls), Unit: "count",
		Help: fmt.Sprintf("sampling intervals (of %d, every %v, with goroutines in syscalls) in which the computers made no progress", samples, interval)})
	env.Measure(Measurement{Name: "blocking_syscalls", Value: float64(completed.Load()), Unit: "count"})
	if n := completed.Load(); n > 0 {
		env.Measure(Measurement{Name: "syscall_block_ns", Value: float64(blockedNS.Load()) / float64(n), Unit: "ns",
			Help: "mean time a blocking syscall held its goroutine"})
	}
	env.Measure(Measurement{Name: "os_threads", Variant: "during blocking syscalls", Value: float64(maxThreads), Unit: "threads",
		Help: "most OS threads of the process seen by the sampler"})
	return ctx.Err()
}
