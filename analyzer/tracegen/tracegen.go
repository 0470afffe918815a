// Package tracegen records real execution traces of a chosen size, for
// benchmarks and load tests of the analyzer. The traced program is a busy mix
// of what services do: channel hand-offs, mutex contention, goroutine churn,
// timers, syscalls and allocation, on every P.
package tracegen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

// countingWriter counts bytes written through it.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// DefaultRate is the trace bytes per second Generate aims at: about what a
// busy service writes, so that a trace of a given size spans a realistic
// number of generations (the runtime starts one about every second).
const DefaultRate = 8 << 20

// Generate traces the busy mix until about size bytes of trace have been
// written to w (or ctx is done), and returns the bytes written. rate bounds
// the trace bytes written per second (0: DefaultRate, negative: as fast as
// the machine goes). Only one trace can be active in a process.
func Generate(ctx context.Context, w io.Writer, size int64, rate int64) (int64, error) {
	if rate == 0 {
		rate = DefaultRate
	}
	cw := &countingWriter{w: w}
	if err := trace.Start(cw); err != nil {
		return 0, fmt.Errorf("starting the trace: %w", err)
	}
	began := time.Now()
	// throttle pauses a worker while the trace is ahead of the rate.
	throttle := func() {
		if rate < 0 {
			return
		}
		for cw.n.Load() > int64(time.Since(began).Seconds()*float64(rate)) {
			time.Sleep(time.Millisecond)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	procs := runtime.GOMAXPROCS(0)
	start := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	// Channel ping-pong pairs: the densest source of scheduling events.
	for range 2 * procs {
		ping, pong := make(chan int), make(chan int)
		start(func() {
			for i := 0; !stopped(); i++ {
				ping <- i
				<-pong
				if i%256 == 0 {
					throttle()
				}
			}
			close(ping)
		})
		start(func() {
			for v := range ping {
				pong <- v
			}
		})
	}
	// Mutex contention.
	var mu sync.Mutex
	shared := 0
	for range procs + 1 {
		start(func() {
			for n := 0; !stopped(); n++ {
				mu.Lock()
				for i := range 200 {
					shared += i
				}
				mu.Unlock()
				if n%256 == 0 {
					throttle()
				}
			}
		})
	}
	// Goroutine churn with short sleeps, some allocation and annotations.
	start(func() {
		var inner sync.WaitGroup
		for i := 0; !stopped(); i++ {
			inner.Add(1)
			go func() {
				defer inner.Done()
				_, task := trace.NewTask(context.Background(), "request")
				buf := make([]byte, 4096+i%8192)
				buf[0] = byte(i)
				time.Sleep(time.Duration(i%50) * time.Microsecond)
				task.End()
			}()
			if i%64 == 0 {
				inner.Wait()
				throttle()
			}
		}
		inner.Wait()
	})
	// Syscalls: a pipe written and read.
	start(func() {
		r, wp, err := os.Pipe()
		if err != nil {
			return
		}
		defer r.Close()
		defer wp.Close()
		buf := make([]byte, 64)
		for !stopped() {
			wp.Write(buf)
			r.Read(buf)
			time.Sleep(50 * time.Microsecond)
		}
	})
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
loop:
	for cw.n.Load() < size {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
	}
	close(stop)
	wg.Wait()
	trace.Stop()
	return cw.n.Load(), ctx.Err()
}

// GenerateFile writes a trace of about size bytes to path (see Generate).
func GenerateFile(ctx context.Context, path string, size, rate int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	n, err := Generate(ctx, bw, size, rate)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
