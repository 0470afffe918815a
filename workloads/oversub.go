// Workload oversub: switching cost as the units that want a CPU outnumber
// the cores, for OS threads (1:1) and for goroutines (M:N).
//
// The notes say that running more than about twice as many threads as cores
// makes switching costly. That is a claim about a curve, so this workload
// measures one point of it and `gotrace run oversub --sweep pairs=...`
// draws the curve. `pairs` pairs of units bounce a token back and forth,
// each unit burning `work` of CPU per message, for `duration`: one unit of
// each pair wants a CPU at any moment, so pairs=N keeps about N units
// runnable (2N threads in the 1:1 variant).
//
// In the 1:1 variant each unit is an OS thread of its own (a goroutine
// locked to its thread) that waits for the token in the kernel, on a futex,
// and wakes its partner with another: every hand-off is a kernel thread
// switch, scheduled by the kernel alone (GOMAXPROCS is raised for the phase
// so that every thread holds a P and the Go scheduler never steps in). In the
// M:N variant the units are goroutines passing the token over unbuffered
// channels, on GOMAXPROCS Ps. For each: hand-offs per second, CPU time and
// wall time per hand-off, and the kernel's voluntary and involuntary context
// switches per 1000 hand-offs (getrusage).

package workloads

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(&Workload{
		Name:    "oversub",
		Summary: "pairs of OS threads (1:1) vs goroutines (M:N) bouncing a token: switch cost as runnable units outnumber cores",
		Doc: "The notes' claim that more than about twice as many threads as cores makes switching " +
			"costly, measured as a curve: sweep `pairs` (gotrace run oversub --sweep " +
			"pairs=0.5x,1x,2x,4x,8x,16x: multiples of this machine's cores). `pairs` pairs of units " +
			"bounce a token for `duration`, each unit burning `work` of CPU per message, so about " +
			"`pairs` units want a CPU at once. Threads (1:1): each unit is a goroutine locked to its own " +
			"OS thread, waiting for the token on a futex in the kernel (GOMAXPROCS raised for the phase " +
			"so that the kernel alone schedules them); every hand-off is a kernel thread switch. " +
			"Goroutines (M:N): the same over unbuffered channels on GOMAXPROCS Ps. Measured for each: " +
			"hand-offs per second, CPU time (user+system) and wall time per hand-off, and the kernel's " +
			"voluntary and involuntary context switches per 1000 hand-offs (getrusage).",
		Params: []Param{
			{Name: "pairs", Kind: Int, Default: "4", Min: "1", Max: "512", Help: "pairs of units bouncing a token (about this many want a CPU at once)"},
			{Name: "work", Kind: Duration, Default: "0s", Min: "0s", Max: "10ms", Help: "CPU time a unit burns per message before passing it back"},
			{Name: "duration", Kind: Duration, Default: "300ms", Min: "10ms", Max: "1m", Help: "how long each variant runs"},
		},
		run: runOversub,
	})
}

var errNoFutex = errors.New("the oversub workload needs Linux (futex and getrusage)")

// pairCounter counts the hand-offs of one pair, alone on its cache line.
type pairCounter struct {
	turn atomic.Uint32 // 1:1 variant: whose turn (0, 1) or oversubDone
	n    atomic.Int64
	_    [48]byte
}

// oversubDone in a pair's turn word tells both threads to stop.
const oversubDone = 2

func runOversub(ctx context.Context, env *Env) error {
	if !haveFutex {
		return errNoFutex
	}
	pairs, work, dur := env.Int("pairs"), env.Duration("work"), env.Duration("duration")
	env.Measure(Measurement{Name: "runnable_per_core", Value: float64(pairs) / float64(runtime.NumCPU()), Unit: "units",
		Help: fmt.Sprintf("units that want a CPU at once (one per pair) per core (%d cores)", runtime.NumCPU())})
	burnN := 0
	if work > 0 {
		calibrate()
		burnN = int(float64(work.Nanoseconds()) * burnRate)
	}
	for _, variant := range []string{VariantGoroutines, VariantThreads} {
		var err error
		trace.WithRegion(ctx, "ping-pong "+variant, func() {
			if variant == VariantThreads {
				err = oversubPhase(ctx, env, variant, pairs, dur, threadPair(burnN))
			} else {
				err = oversubPhase(ctx, env, variant, pairs, dur, goroutinePair(burnN))
			}
		})
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// A pairRunner starts the two units of one pair: they count hand-offs in c
// until stop is set, and the returned func ends them after that (it returns
// when both have exited).
type pairRunner func(c *pairCounter, start <-chan struct{}, stop *atomic.Bool, wg *sync.WaitGroup) (end func())

// oversubPhase runs one variant: pairs pairs for dur, then measures.
func oversubPhase(ctx context.Context, env *Env, variant string, pairs int, dur time.Duration, run pairRunner) error {
	procs := runtime.GOMAXPROCS(0)
	if variant == VariantThreads {
		// Every thread holds a P while it waits in the kernel: give each
		// one, so that only the kernel decides who runs.
		runtime.GOMAXPROCS(procs + 2*pairs)
		defer runtime.GOMAXPROCS(procs)
	}
	counters := make([]pairCounter, pairs)
	start := make(chan struct{})
	var stop atomic.Bool
	var ready, exited sync.WaitGroup
	ends := make([]func(), pairs)
	for i := range counters {
		ready.Add(2)
		exited.Add(2)
		ends[i] = run(&counters[i], start, &stop, &ready)
	}
	ready.Wait() // every unit runs (on its own thread, for 1:1) and waits for start
	threads := osThreads()
	ru0, ok0 := readRusage()
	t0 := time.Now()
	close(start)
	select {
	case <-time.After(dur):
	case <-ctx.Done():
	}
	stop.Store(true)
	var n int64
	for i := range counters {
		n += counters[i].n.Load()
	}
	elapsed := time.Since(t0)
	ru1, ok1 := readRusage()
	for _, end := range ends {
		end()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if n == 0 {
		return fmt.Errorf("%s: no hand-off in %v", variant, elapsed)
	}
	env.Measure(Measurement{Name: "handoffs_per_sec", Variant: variant, Value: perSec(int(n), elapsed), Unit: "/s",
		Help: "throughput: token hand-offs per second, all pairs together"})
	env.Measure(Measurement{Name: "switch_ns", Variant: variant, Value: float64(elapsed.Nanoseconds()) * float64(pairs) / float64(n), Unit: "ns",
		Help: "wall time per hand-off as one pair sees it: how long a unit waits for its partner to get the token back to it, halved"})
	if ok0 && ok1 {
		cpu := (ru1.cpu - ru0.cpu).Nanoseconds()
		env.Measure(Measurement{Name: "cpu_ns_per_switch", Variant: variant, Value: float64(cpu) / float64(n), Unit: "ns",
			Help: "CPU time of the process (user + system, getrusage) per hand-off, work included: the cost of a switch"})
		env.Measure(Measurement{Name: "kernel_switches_voluntary", Variant: variant, Value: 1000 * float64(ru1.nvcsw-ru0.nvcsw) / float64(n), Unit: "per 1k hand-offs",
			Help: "the kernel's voluntary context switches (a thread blocked) per 1000 hand-offs"})
		env.Measure(Measurement{Name: "kernel_switches_involuntary", Variant: variant, Value: 1000 * float64(ru1.nivcsw-ru0.nivcsw) / float64(n), Unit: "per 1k hand-offs",
			Help: "the kernel's involuntary context switches (a running thread preempted) per 1000 hand-offs"})
	}
	env.Measure(Measurement{Name: "os_threads", Variant: variant, Value: float64(threads), Unit: "threads",
		Help: "OS threads of the process during the phase"})
	return nil
}

// goroutinePair runs a pair as two goroutines bouncing the token over
// unbuffered channels.
func goroutinePair(burnN int) pairRunner {
	return func(c *pairCounter, start <-chan struct{}, stop *atomic.Bool, ready *sync.WaitGroup) func() {
		ping, pong := make(chan struct{}), make(chan struct{})
		done := make(chan struct{}, 2)
		go func() { // responder
			defer func() { done <- struct{}{} }()
			ready.Done()
			<-start
			var x uint64
			for range ping {
				x += burn(burnN)
				c.n.Add(1)
				pong <- struct{}{}
			}
			keep(x)
		}()
		go func() { // initiator
			defer func() { done <- struct{}{} }()
			ready.Done()
			<-start
			var x uint64
			for !stop.Load() {
				x += burn(burnN)
				c.n.Add(1)
				ping <- struct{}{}
				<-pong
			}
			close(ping)
			keep(x)
		}()
		return func() { <-done; <-done }
	}
}

// threadPair runs a pair as two goroutines, each locked to its own OS
// thread, that wait for their turn on a futex: a hand-off wakes the other
// thread through the kernel.
func threadPair(burnN int) pairRunner {
	return func(c *pairCounter, start <-chan struct{}, stop *atomic.Bool, ready *sync.WaitGroup) func() {
		done := make(chan struct{}, 2)
		unit := func(me uint32) {
			defer func() { done <- struct{}{} }()
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			ready.Done()
			<-start
			var x uint64
			for {
				// Wait for our turn (or the end) in the kernel.
				for {
					v := c.turn.Load()
					if v == me {
						break
					}
					if v == oversubDone {
						keep(x)
						return
					}
					if futexWait(&c.turn, v) {
						runtime.Gosched() // interrupted: let a stop-the-world through
					}
				}
				x += burn(burnN)
				c.n.Add(1)
				if me == 0 && stop.Load() {
					c.turn.Store(oversubDone)
					futexWake(&c.turn)
					keep(x)
					return
				}
				if !c.turn.CompareAndSwap(me, 1-me) {
					keep(x)
					return // done
				}
				futexWake(&c.turn)
			}
		}
		go unit(0)
		go unit(1)
		return func() {
			c.turn.Store(oversubDone)
			futexWake(&c.turn)
			<-done
			<-done
		}
	}
}
