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
func critWorker(wg *sync.WaitGroup, jobs <-chan critJob) {
	defer wg.Done()
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
		go critWorker(&wwg, jobs)
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

// checkPathSums checks that every critical path adds up to its latency.
func checkPathSums(t *testing.T, kinds []analyzer.AnnotationKind) {
	t.Helper()
	for _, k := range kinds {
		var sum int64
		for _, r := range k.CriticalPath {
			sum += r.NS
		}
		if k.Count > 0 && sum != int64(k.Duration.Sum) {
			t.Errorf("%s: critical path adds up to %d ns, latencies to %d", k.Type, sum, k.Duration.Sum)
		}
		for _, in := range k.Slowest {
			var s int64
			for _, r := range in.CriticalPath {
				s += r.NS
			}
			if s != in.LatencyNS {
				t.Errorf("%s %d: critical path adds up to %d ns, latency %d", k.Type, in.ID, s, in.LatencyNS)
			}
		}
	}
}

func TestCriticalPathAcrossGenerations(t *testing.T) {
	if testing.Short() {
		t.Skip("records a 1.3s trace; skipped with -short")
	}
	data := record(t, func() {
		critRequests(3, 40, time.Millisecond, 10*time.Millisecond, 5*time.Millisecond, 10*time.Millisecond)
	})
	os.WriteFile("/tmp/crit/gens.trace", data, 0o644)
	seq := analyze(t, data, analyzer.Options{Workers: 1})
	if seq.Trace.Generations < 2 {
		t.Fatalf("trace has %d generation(s), want >= 2", seq.Trace.Generations)
	}
	checkPathSums(t, seq.Annotations.Tasks)
	checkPathSums(t, seq.Annotations.Regions)
	b, _ := json.MarshalIndent(seq.Annotations.Tasks, "", " ")
	t.Logf("%s", b)
	a := mustJSON(t, seq)
	par := analyze(t, data, analyzer.Options{Workers: 2})
	if b := mustJSON(t, par); string(a) != string(b) {
		t.Errorf("parallel differs:\n%s", firstDiff(a, b))
	}
}
