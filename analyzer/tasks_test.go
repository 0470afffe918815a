package analyzer_test

import (
	"context"
	"encoding/json"
	"os"
	"runtime/trace"
	"sync"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

type critJob struct {
	d     time.Duration
	reply chan struct{}
}

// critWorker is a worker of the pool the requests hand work to.
func critWorker(jobs <-chan critJob) {
	for j := range jobs {
		spinUntil(time.Now().Add(j.d))
		j.reply <- struct{}{}
	}
}

// critRequests runs n requests on each of c goroutines: under the shared
// mutex hold, in region "db" sleep db, compute, hand handoff to a worker.
func critRequests(c, n int, hold, db, compute, handoff time.Duration) {
	jobs := make(chan critJob)
	var wwg sync.WaitGroup
	for range 2 {
		wwg.Add(1)
		go func() { defer wwg.Done(); critWorker(jobs) }()
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go critRequest(&wg, &mu, jobs, n, hold, db, compute, handoff)
	}
	wg.Wait()
	close(jobs)
	wwg.Wait()
}

func critRequest(wg *sync.WaitGroup, mu *sync.Mutex, jobs chan<- critJob, n int, hold, db, compute, handoff time.Duration) {
	defer wg.Done()
	reply := make(chan struct{})
	for range n {
		ctx, task := trace.NewTask(context.Background(), "req")
		mu.Lock()
		spinUntil(time.Now().Add(hold))
		mu.Unlock()
		trace.WithRegion(ctx, "db", func() { time.Sleep(db) })
		spinUntil(time.Now().Add(compute))
		jobs <- critJob{d: handoff, reply: reply}
		<-reply
		task.End()
	}
}

func TestCriticalPathExplore(t *testing.T) {
	data := record(t, func() {
		critRequests(1, 200, 100*time.Microsecond, 300*time.Microsecond, 200*time.Microsecond, 400*time.Microsecond)
	})
	os.WriteFile("/tmp/crit/c1.trace", data, 0o644)
	r := analyze(t, data, analyzer.Options{})
	b, _ := json.MarshalIndent(r.Annotations.Tasks, "", " ")
	t.Logf("%s", b)
	b, _ = json.MarshalIndent(r.Annotations.Regions, "", " ")
	t.Logf("%s", b)
}
