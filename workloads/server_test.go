package workloads

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	xtrace "golang.org/x/exp/trace"
)

// serverRegions are the regions a server request runs, by the parameter
// whose step each is.
var serverRegions = map[string]string{"lock": "hold", "db": "db", "compute": "compute", "handoff": "handoff"}

// checkServer: every request was served as one completed "request" task
// with one region per step, and the pool's goroutines ran and ended.
func checkServer(t *testing.T, res *Result, rep *analyzer.Report) {
	requests, workers := param(t, res, "requests"), param(t, res, "workers")
	if got := measured(t, res, "requests", ""); got != float64(requests) {
		t.Errorf("requests = %v, want %d", got, requests)
	}
	for _, name := range []string{"latency_ns", "latency_p99_ns", "latency_max_ns"} {
		if got := measured(t, res, name, ""); got <= 0 {
			t.Errorf("%s = %v, want > 0", name, got)
		}
	}
	// A request cannot be faster than the work it does.
	var work time.Duration
	for _, p := range serverRegions {
		d, err := time.ParseDuration(res.Params[p])
		if err != nil {
			t.Fatalf("parameter %s = %q: %v", p, res.Params[p], err)
		}
		work += d
	}
	if got := measured(t, res, "latency_ns", ""); got < float64(work.Nanoseconds()) {
		t.Errorf("latency_ns = %v, want at least the %v of work a request does", got, work)
	}
	kinds := map[string]analyzer.AnnotationKind{}
	for _, k := range rep.Annotations.Tasks {
		kinds["task "+k.Type] = k
	}
	for _, k := range rep.Annotations.Regions {
		kinds["region "+k.Type] = k
	}
	want := []string{"task request"}
	for r := range serverRegions {
		want = append(want, "region "+r)
	}
	for _, w := range want {
		if k := kinds[w]; k.Count != int64(requests) || k.Unfinished != 0 {
			t.Errorf("%s: %d completed, %d unfinished; want %d completed", w, k.Count, k.Unfinished, requests)
		}
	}
	if g := group(rep, pkgPrefix+"serverWorker"); g == nil || g.Count != int64(workers) || g.Ended != int64(workers) || g.Time.Exec <= 0 {
		t.Errorf("group serverWorker = %+v, want %d goroutines that ran and ended", g, workers)
	}
	if n := workloadLeaks(rep); n != 0 {
		t.Errorf("server leaked %d goroutines, want 0", n)
	}
}

// serverTrace is what the raw trace of a server run holds, read with
// golang.org/x/exp/trace apart from the analyzer.
type serverTrace struct {
	parent        xtrace.TaskID            // the workload's task
	begun, ended  int                      // "request" tasks
	orphans       int                      // "request" tasks not under the workload's task
	regions       map[string]int           // completed, by type, in a request task
	outside       int                      // regions of the steps outside a request task
	workers       map[xtrace.GoID]bool     // goroutines started in serverWorker
	workerRunning map[xtrace.GoID]bool     // ... that ran
	open          map[xtrace.GoID][]string // regions begun, not ended
}

func readServerTrace(t *testing.T, data []byte) *serverTrace {
	t.Helper()
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	st := &serverTrace{regions: map[string]int{}, workers: map[xtrace.GoID]bool{}, workerRunning: map[xtrace.GoID]bool{}, open: map[xtrace.GoID][]string{}}
	requests := map[xtrace.TaskID]bool{}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the trace: %v", err)
		}
		switch ev.Kind() {
		case xtrace.EventTaskBegin:
			switch task := ev.Task(); task.Type {
			case "server":
				st.parent = task.ID
			case "request":
				st.begun++
				requests[task.ID] = true
				if task.Parent != st.parent || st.parent == 0 {
					st.orphans++
				}
			}
		case xtrace.EventTaskEnd:
			if requests[ev.Task().ID] {
				st.ended++
				delete(requests, ev.Task().ID)
			}
		case xtrace.EventRegionBegin, xtrace.EventRegionEnd:
			reg := ev.Region()
			if _, ok := serverRegions[reg.Type]; !ok {
				continue
			}
			if ev.Kind() == xtrace.EventRegionBegin {
				st.open[ev.Goroutine()] = append(st.open[ev.Goroutine()], reg.Type)
				continue
			}
			if !requests[reg.Task] {
				st.outside++
			}
			if o := st.open[ev.Goroutine()]; len(o) > 0 && o[len(o)-1] == reg.Type {
				st.open[ev.Goroutine()] = o[:len(o)-1]
				st.regions[reg.Type]++
			}
		case xtrace.EventStateTransition:
			tr := ev.StateTransition()
			if tr.Resource.Kind != xtrace.ResourceGoroutine {
				continue
			}
			id := tr.Resource.Goroutine()
			from, to := tr.Goroutine()
			if from == xtrace.GoNotExist && to == xtrace.GoRunnable {
				for f := range tr.Stack.Frames() {
					st.workers[id] = f.Func == pkgPrefix+"serverWorker"
					break // the start function
				}
			}
			if to == xtrace.GoRunning && st.workers[id] {
				st.workerRunning[id] = true
			}
		}
	}
	return st
}

// TestServerTrace: the raw trace of a server run holds exactly one
// "request" task per request, under the workload's task, each step's region
// once per request inside its task, and the pool's goroutines, started in
// serverWorker, running. A step of zero duration leaves no region.
func TestServerTrace(t *testing.T) {
	tests := []struct {
		name string
		sets []string
	}{
		{"every step", []string{"clients=3", "requests=150", "hold=20us", "db=50us", "compute=20us", "handoff=20us", "workers=3"}},
		{"no steps", []string{"clients=2", "requests=50", "hold=0s", "db=0s", "compute=0s", "handoff=0s", "workers=1"}},
		{"db only", []string{"clients=2", "requests=40", "hold=0s", "db=100us", "compute=0s", "handoff=0s", "workers=2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Lookup("server")
			if err != nil {
				t.Fatal(err)
			}
			params, err := w.Resolve(tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			res, err := Trace(context.Background(), &buf, w, params)
			if errors.Is(err, ErrTraceActive) {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			requests, workers := param(t, res, "requests"), param(t, res, "workers")
			st := readServerTrace(t, buf.Bytes())
			if st.begun != requests || st.ended != requests {
				t.Errorf("%d request tasks began and %d ended, want %d", st.begun, st.ended, requests)
			}
			if st.orphans != 0 {
				t.Errorf("%d request tasks are not children of the workload's task", st.orphans)
			}
			for r, p := range serverRegions {
				want := requests
				if res.Params[p] == "0s" {
					want = 0
				}
				if st.regions[r] != want {
					t.Errorf("%d %q regions, want %d (%s=%s)", st.regions[r], r, want, p, res.Params[p])
				}
			}
			if st.outside != 0 {
				t.Errorf("%d step regions outside a request task", st.outside)
			}
			for g, o := range st.open {
				if len(o) > 0 {
					t.Errorf("G%d: regions %q never ended", g, o)
				}
			}
			var started int
			for _, ok := range st.workers {
				if ok {
					started++
				}
			}
			if started != workers {
				t.Errorf("%d goroutines start in serverWorker, want %d", started, workers)
			}
			// A pool with no work still starts; with handoff work, every
			// worker runs at least its loop.
			if len(st.workerRunning) != workers {
				t.Errorf("%d serverWorker goroutines ran, want %d", len(st.workerRunning), workers)
			}
		})
	}
}

// TestServerCancel: a server run with a lot of work left returns soon after
// its context ends, and its trace still reads.
func TestServerCancel(t *testing.T) {
	w, err := Lookup("server")
	if err != nil {
		t.Fatal(err)
	}
	params, err := w.Resolve([]string{"requests=1000", "db=1s", "hold=1s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var buf bytes.Buffer
	start := time.Now()
	res, err := Trace(ctx, &buf, w, params)
	if errors.Is(err, ErrTraceActive) {
		t.Skip(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Trace returned after %v, want soon after the 200ms deadline", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Trace error = %v, want the context's deadline", err)
	}
	if res == nil || res.Stopped == "" {
		t.Errorf("Result = %+v, want Stopped to say why", res)
	}
	if _, err := analyzer.Analyze(&buf, analyzer.Options{}); err != nil {
		t.Errorf("trace of a cancelled run does not analyze: %v", err)
	}
}
