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

// Generate traces the busy mix until about size bytes of trace have been
// written to w (or ctx is done), and returns the bytes written. Only one
// trace can be active in a process.
func Generate(ctx context.Context, w io.Writer, size int64) (int64, error) {
	cw := &countingWriter{w: w}
	if err := trace.Start(cw); err != nil {
		return 0, fmt.Errorf("starting the trace: %w", err)
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
			for !stopped() {
				mu.Lock()
				for i := range 200 {
					shared += i
				}
				mu.Unlock()
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

// GenerateFile writes a trace of about size bytes to path.
func GenerateFile(ctx context.Context, path string, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	n, err := Generate(ctx, bw, size)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
