// Command gen writes the small traces committed under testdata/traces, which
// the golden and splitter tests read. Run it from the repository root:
//
//	go run ./testdata/gen                 # all of them
//	go run ./testdata/gen diff-base diff-current   # only these
//
// The traces are recorded live, so every run produces different bytes;
// regenerate the golden files afterwards (go test ./cmd/gotrace -update).
package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"slices"
	"sync"
	"time"
)

func main() {
	runtime.GOMAXPROCS(2)
	out := filepath.Join("testdata", "traces")
	traces := []struct {
		name string
		body func()
	}{
		{"small", small},
		{"multigen", multigen},
		// The pair the diff golden tests compare: the same program with a
		// lock held 20µs, then 80µs.
		{"diff-base", lockworkFor(20 * time.Microsecond)},
		{"diff-current", lockworkFor(80 * time.Microsecond)},
	}
	for _, t := range traces {
		if len(os.Args) > 1 && !slices.Contains(os.Args[1:], t.name) {
			continue
		}
		write(filepath.Join(out, t.name+".trace"), t.body)
	}
}

func write(path string, body func()) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		log.Fatal(err)
	}
	body()
	trace.Stop()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d bytes\n", path, buf.Len())
}

var leak = make(chan int)

// small exercises every section of the report in ~150ms: sleeping workers
// in a WaitGroup, a contended mutex, channel ping-pong, a syscall, a GC, a
// task with regions and logs, and two goroutines that leak.
func small() {
	ctx, task := trace.NewTask(context.Background(), "small")
	defer task.End()
	trace.Log(ctx, "phase", "start")
	for range 2 {
		go func() { <-leak }()
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	counter := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "worker", func() {
				time.Sleep(time.Duration(i+1) * 5 * time.Millisecond)
				for range 200 {
					mu.Lock()
					counter++
					mu.Unlock()
				}
			})
		}()
	}
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	for i := range 100 {
		ping <- i
		<-pong
	}
	close(ping)
	f, err := os.CreateTemp("", "gotrace-gen")
	if err == nil {
		f.Write(make([]byte, 4096))
		f.Sync()
		f.Close()
		os.Remove(f.Name())
	}
	wg.Wait()
	runtime.GC()
	trace.Logf(ctx, "phase", "done counter=%d", counter)
	time.Sleep(60 * time.Millisecond)
}

// multigen spans about 2.2s so that the runtime starts several trace
// generations, with a little work each 100ms.
func multigen() {
	var wg sync.WaitGroup
	for range 22 {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := 0
				for i := range 20000 {
					x += i
				}
				_ = x
				time.Sleep(time.Millisecond)
			}()
		}
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
}

// lockworkFor returns lockwork with the hold time set: one function, so
// that both traces of the pair have the same stacks.
func lockworkFor(hold time.Duration) func() {
	return func() { lockwork(hold) }
}

// lockwork is a small batch job: four workers take a shared mutex 50 times
// each, holding it for hold, and hand each result to a collector over a
// channel; the batch is a task, each worker's loop a region, and the
// total is written to /dev/null at the end (a few syscalls).
func lockwork(hold time.Duration) {
	ctx, task := trace.NewTask(context.Background(), "batch")
	defer task.End()
	var mu sync.Mutex
	results := make(chan int)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "work", func() {
				for i := range 50 {
					mu.Lock()
					for start := time.Now(); time.Since(start) < hold; {
					}
					mu.Unlock()
					results <- w*100 + i
				}
			})
		}()
	}
	done := make(chan int)
	go func() {
		total := 0
		for v := range results {
			total += v
		}
		done <- total
	}()
	wg.Wait()
	close(results)
	total := <-done
	if f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		fmt.Fprintln(f, total)
		f.Close()
	}
}
