package findings

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Programs with one bug each, run in a child process under runtime/trace
// (programs_test.go). The line a finding must point at carries a comment
// "finding: ID"; the test reads this file to learn it.

// bugs maps a finding id to its program.
var bugs = map[string]func(){
	GoroutineLeak:  bugLeak,
	LockContention: bugLock,
	ChannelWait:    bugChannel,
	CPUSaturation:  bugCPU,
	GCPressure:     bugGC,
	SyscallThreads: bugSyscalls,
	GoroutineChurn: bugChurn,
	LongRunSlices:  bugLongSlices,
	NonGCSTW:       bugStackDumps,
	IdleProcs:      bugIdle,
}

// sink keeps results alive so the compiler keeps the work.
var sink atomic.Int64

// spin burns CPU for d, calling a function on every round (preemptible).
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		sink.Add(1)
	}
}

// bugLeak: twenty fetches report on a channel of which only the first
// result is read; the others block forever.
func bugLeak() {
	results := make(chan int)
	for i := range 20 {
		go func() {
			spin(time.Millisecond)
			results <- i // finding: goroutine-leak
		}()
	}
	<-results
	time.Sleep(400 * time.Millisecond)
}

// bugLock: eight goroutines take one mutex around all of their work.
func bugLock() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 400 {
				mu.Lock() // finding: lock-contention
				spin(50 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// bugChannel: four producers hand items over an unbuffered channel to one
// consumer that is the bottleneck; the producers wait, a P idles.
func bugChannel() {
	items := make(chan int)
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 150 {
				items <- p*1000 + i // finding: channel-wait
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		for range items {
			spin(400 * time.Microsecond)
		}
		close(done)
	}()
	wg.Wait()
	close(items)
	<-done
}

// bugCPU: eight goroutines of pure CPU work on two Ps.
func bugCPU() {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			burnFor(250 * time.Millisecond)
		}()
	}
	wg.Wait()
}

func burnFor(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); sink.Add(1) { // finding: cpu-saturation
	}
}

// node is a small object with a pointer: the GC must scan it.
type node struct {
	next *node
	val  [6]int64
}

// bugGC: two goroutines allocate short-lived linked nodes at a high rate
// next to a large live heap of such nodes, so the GC cycles often, marks a
// lot and drafts the allocating goroutines into mark assists.
func bugGC() {
	var live *node
	for range 300_000 {
		live = &node{next: live} // about 19 MiB that stays live
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); {
				var garbage *node
				for range 1000 {
					garbage = &node{next: garbage} // finding: gc-pressure
				}
				sink.Add(garbage.val[0])
			}
		}()
	}
	wg.Wait()
	runtime.KeepAlive(live)
}

// bugSyscalls: eight goroutines make blocking system calls at once.
func bugSyscalls() {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				blockingSleep(40 * time.Millisecond) // finding: syscall-threads
			}
		}()
	}
	wg.Wait()
}

// bugChurn: a goroutine per tiny item.
func bugChurn() {
	var wg sync.WaitGroup
	for range 100_000 {
		wg.Add(1)
		go func() { // finding: goroutine-churn
			sink.Add(1)
			wg.Done()
		}()
	}
	wg.Wait()
}

// bugLongSlices: with asynchronous preemption off (the child runs with
// GODEBUG=asyncpreemptoff=1), loops without function calls cannot be
// preempted and hold their P while sleepers wait to run.
func bugLongSlices() {
	n := loopCount(120 * time.Millisecond)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				sink.Add(tightLoop(n))
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
}

// tightLoop computes for n rounds without a function call.
func tightLoop(n int64) int64 {
	x := int64(1)
	for i := range n {
		x = x*31 + i
	}
	return x
}

// loopCount calibrates tightLoop to last about d.
func loopCount(d time.Duration) int64 {
	n := int64(1 << 16)
	for {
		t := time.Now()
		sink.Add(tightLoop(n))
		if el := time.Since(t); el > 5*time.Millisecond {
			return int64(float64(n) * float64(d) / float64(el))
		}
		n *= 2
	}
}

// bugStackDumps: a watchdog dumps every goroutine's stack, over and over.
func bugStackDumps() {
	stop := make(chan struct{})
	for range 100 {
		go func() { <-stop }()
	}
	buf := make([]byte, 1<<20)
	for range 300 {
		sink.Add(int64(runtime.Stack(buf, true))) // finding: non-gc-stw
	}
	close(stop)
	time.Sleep(10 * time.Millisecond)
}

// bugIdle: the child runs on one CPU (taskset) with GOMAXPROCS 4, more Ps
// than CPUs. Two goroutines hand work to each other over a channel and
// compute; the one woken waits in the waker's run queue while a P idles
// whose thread the OS cannot run until the CPU is free.
func bugIdle() {
	ping, pong := make(chan int), make(chan int)
	done := make(chan struct{})
	go func() {
		for v := range ping {
			spin(300 * time.Microsecond)
			pong <- v
		}
		close(done)
	}()
	for i := range 600 {
		ping <- i
		spin(300 * time.Microsecond)
		<-pong
	}
	close(ping)
	<-done
}
