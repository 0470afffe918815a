package analyzer_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/internal/machinelock"
	"github.com/gotrace/gotrace/workloads"
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
	seq := analyze(t, data, analyzer.Options{Workers: 1})
	if seq.Trace.Generations < 2 {
		t.Fatalf("trace has %d generation(s), want >= 2", seq.Trace.Generations)
	}
	checkPathSums(t, seq.Annotations.Tasks)
	checkPathSums(t, seq.Annotations.Regions)
	// The tasks under way at a generation boundary have their paths
	// followed across it, not given up.
	req := kind(t, seq.Annotations.Tasks, "req")
	if u := pathShare(req.CriticalPath, func(r analyzer.PathRow) bool { return r.State == analyzer.StateUnattributed }); u > 0.001 {
		t.Errorf("%.4f of the critical path is unattributed: %+v", u, req.CriticalPath)
	}
	if w := pathShare(req.CriticalPath, func(r analyzer.PathRow) bool {
		return strings.HasSuffix(r.Function, ".critWorker") && r.State == analyzer.StateRunning
	}); w < 0.2 {
		t.Errorf("critWorker running is %.3f of the critical path, want the handoff's 10ms of about 26ms: %+v", w, req.CriticalPath)
	}
	a := mustJSON(t, seq)
	par := analyze(t, data, analyzer.Options{Workers: 2})
	if b := mustJSON(t, par); string(a) != string(b) {
		t.Errorf("parallel differs:\n%s", firstDiff(a, b))
	}

	// Cut at the end of a generation, three tasks are under way: they are
	// unfinished, and their time so far is in the breakdown.
	cut := analyze(t, data[:len(data)-100], analyzer.Options{})
	if !cut.Trace.Truncated {
		t.Fatalf("the cut trace is not reported truncated")
	}
	req = kind(t, cut.Annotations.Tasks, "req")
	var bd int64
	for _, b := range req.Breakdown {
		bd += b.NS
	}
	if req.Unfinished != 3 || bd <= int64(req.Duration.Sum) {
		t.Errorf("cut trace: %d unfinished, breakdown %d ns for %d ns of completed latency; want 3 unfinished and more", req.Unfinished, bd, req.Duration.Sum)
	}
	checkPathSums(t, cut.Annotations.Tasks)
}

// traceServer runs the server workload with sets and returns its report and
// the workload's own measurements by name.
func traceServer(t *testing.T, sets ...string) (*analyzer.Report, map[string]float64) {
	t.Helper()
	w, err := workloads.Lookup("server")
	if err != nil {
		t.Fatal(err)
	}
	params, err := w.Resolve(sets)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	machinelock.Hold(t)
	res, err := workloads.Trace(context.Background(), &buf, w, params)
	if err != nil {
		if errors.Is(err, workloads.ErrTraceActive) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	m := make(map[string]float64, len(res.Measurements))
	for _, x := range res.Measurements {
		m[x.Name] = x.Value
	}
	return analyze(t, buf.Bytes(), analyzer.Options{}), m
}

// kind returns the task or region type typ of a report.
func kind(t *testing.T, kinds []analyzer.AnnotationKind, typ string) *analyzer.AnnotationKind {
	t.Helper()
	for i := range kinds {
		if kinds[i].Type == typ {
			return &kinds[i]
		}
	}
	t.Fatalf("no type %q in %+v", typ, kinds)
	return nil
}

// shareOf is the share of the breakdown rows in state (and reason, unless
// empty).
func shareOf(rows []analyzer.TimeShare, state, reason string) float64 {
	var s float64
	for _, r := range rows {
		if r.State == state && (reason == "" || r.Reason == reason) {
			s += r.Share
		}
	}
	return s
}

// pathShare is the share of the critical-path rows that match.
func pathShare(rows []analyzer.PathRow, match func(r analyzer.PathRow) bool) float64 {
	var s float64
	for _, r := range rows {
		if match(r) {
			s += r.Share
		}
	}
	return s
}

// near checks got against want, within 5 points.
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 0.05 {
		t.Errorf("%s = %.3f, want %.3f ± 0.05", what, got, want)
	} else {
		t.Logf("%s = %.3f (want %.3f)", what, got, want)
	}
}

// within checks that lo <= got <= hi.
func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.3f, want %.3f..%.3f", what, got, lo, hi)
	} else {
		t.Logf("%s = %.3f (want %.3f..%.3f)", what, got, lo, hi)
	}
}

const serverHandler = "net/http.(*conn).serve"

func TestServerBreakdownAndCriticalPath(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server workload twice; skipped with -short")
	}
	t.Run("steps", func(t *testing.T) {
		const n, hold, db2ms, compute, handoff = 400, 100 * time.Microsecond, 2 * time.Millisecond, 100 * time.Microsecond, 100 * time.Microsecond
		r, m := traceServer(t, "clients=2", "requests=400", "hold=100us", "db=2ms", "compute=100us", "handoff=100us", "workers=1")
		a := &r.Annotations
		req := kind(t, a.Tasks, "request")
		checkPathSums(t, a.Tasks)
		checkPathSums(t, a.Regions)
		if req.Count != n {
			t.Fatalf("%d request tasks, want %d", req.Count, n)
		}
		sum := float64(req.Duration.Sum)
		// One goroutine works on each request: its time is the latency.
		var bd int64
		for _, b := range req.Breakdown {
			bd += b.NS
		}
		if d := math.Abs(float64(bd)-sum) / sum; d > 0.02 {
			t.Errorf("breakdown adds up to %d ns, latencies to %.0f", bd, sum)
		}
		// The sleep lasts at least what it was set to and at most the region
		// around it (timers overshoot short sleeps, and a woken sleeper
		// waits for a P).
		db := kind(t, a.Regions, "db")
		within(t, "sleep share", shareOf(req.Breakdown, analyzer.StateWaiting, "sleep"), float64(n*db2ms)/sum-0.05, float64(db.Duration.Sum)/sum+0.01)
		// The CPU steps spin for what they were set to, in wall time: on a
		// loaded machine that is more CPU time than the setting, so the
		// running they imply is the compute region and the lock region less
		// what the handlers measured in Lock; and at least the settings.
		comp := kind(t, a.Regions, "compute")
		lock := kind(t, a.Regions, "lock")
		running := float64(int64(comp.Duration.Sum)+int64(lock.Duration.Sum)) - m["lock_wait_ns"]*float64(req.Count)
		near(t, "running share", shareOf(req.Breakdown, analyzer.StateRunning, ""), running/sum)
		within(t, "running share", shareOf(req.Breakdown, analyzer.StateRunning, ""), float64(n*(hold+compute))/sum-0.01, 1)
		// The handler waits on the channel while the worker spins: at least
		// about the setting, at most the handoff region.
		hand := float64(kind(t, a.Regions, "handoff").Duration.Sum) / sum
		within(t, "chan share", shareOf(req.Breakdown, analyzer.StateWaiting, "chan"), float64(n*handoff)/sum-0.02, hand+0.01)
		// The wait for the pool is the worker running, not a wait.
		worker := pathShare(req.CriticalPath, func(r analyzer.PathRow) bool {
			return r.Function == "github.com/gotrace/gotrace/workloads.serverWorker" && r.State == analyzer.StateRunning
		})
		within(t, "critical path: serverWorker running", worker, float64(n*handoff)/sum-0.02, hand+0.01)
		if w := pathShare(req.CriticalPath, func(r analyzer.PathRow) bool { return r.State == analyzer.StateWaiting && r.Reason != "sleep" }); w > 0.01 {
			t.Errorf("critical path has %.3f waiting other than the sleep: %+v", w, req.CriticalPath)
		}
		within(t, "critical path: the sleep", pathShare(req.CriticalPath, func(r analyzer.PathRow) bool { return r.Reason == "sleep" }), float64(n*db2ms)/sum-0.05, float64(db.Duration.Sum)/sum+0.01)
		if len(req.Slowest) != analyzer.MaxSlowest || req.Slowest[0].LatencyNS != int64(req.Duration.Max) {
			t.Errorf("slowest = %d instances, first %d ns, want %d, max %d", len(req.Slowest), req.Slowest[0].LatencyNS, analyzer.MaxSlowest, req.Duration.Max)
		}
	})
	t.Run("mutex", func(t *testing.T) {
		const n, hold = 400, 300 * time.Microsecond
		r, m := traceServer(t, "clients=4", "requests=400", "hold=300us", "db=0s", "compute=0s", "handoff=0s", "workers=1")
		a := &r.Annotations
		req := kind(t, a.Tasks, "request")
		lock := kind(t, a.Regions, "lock")
		sum := float64(req.Duration.Sum)
		// The wait for the mutex is what the handlers measured around
		// Lock. (Not the lock region less n×hold: on a loaded machine the
		// spin that holds the mutex lasts longer than hold, in wall time.)
		wait := m["lock_wait_ns"] * float64(req.Count)
		if hi := float64(int64(lock.Duration.Sum) - int64(n*hold)); wait > hi*1.01 {
			t.Errorf("the handlers measured %.0f ns in Lock, more than the lock region less the hold (%.0f ns)", wait, hi)
		}
		if wait/sum < 0.2 {
			t.Fatalf("the requests waited %.0f ns of %.0f for the mutex: too little contention to test", wait, sum)
		}
		// The wait is parked in Lock (sync), then runnable once woken (a
		// spin in Lock before parking runs).
		near(t, "sync + runnable share", shareOf(req.Breakdown, analyzer.StateWaiting, "sync")+shareOf(req.Breakdown, analyzer.StateRunnable, ""), wait/sum)
		// On the critical path the wait is the holder's work: handlers
		// running, up to the Unlock that woke the waiter (the row with the
		// waker's line) and before.
		if w := pathShare(req.CriticalPath, func(r analyzer.PathRow) bool { return r.State == analyzer.StateWaiting && r.Reason == "sync" }); w > 0.02 {
			t.Errorf("critical path waits %.3f for the mutex, want it attributed to the holder: %+v", w, req.CriticalPath)
		}
		unlock := pathShare(req.CriticalPath, func(r analyzer.PathRow) bool {
			return r.Function == serverHandler && r.State == analyzer.StateRunning && strings.HasSuffix(r.File, "workloads/server.go")
		})
		running := pathShare(req.CriticalPath, func(r analyzer.PathRow) bool {
			return r.Function == serverHandler && r.State == analyzer.StateRunning
		})
		if unlock < 0.2 || running < wait/sum {
			t.Errorf("critical path: holders running %.3f, %.3f of it up to the Unlock; want at least the wait's share %.3f, and 0.2: %+v", running, unlock, wait/sum, req.CriticalPath)
		}
	})
}

// taskOwner begins a task first thing and ends it last, with three
// goroutines it creates working in it: the task's goroutines are exactly
// the taskOwner and taskChild groups.
func taskOwner(done chan<- struct{}) {
	_, task := trace.NewTask(context.Background(), "owned")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ch := make(chan int)
	for i := range 3 {
		wg.Add(1)
		go taskChild(&wg, &mu, ch, i)
	}
	for range 3 {
		<-ch
	}
	wg.Wait()
	task.End()
	close(done)
}

func taskChild(wg *sync.WaitGroup, mu *sync.Mutex, ch chan<- int, i int) {
	defer wg.Done()
	time.Sleep(time.Duration(i+1) * time.Millisecond)
	mu.Lock()
	spinUntil(time.Now().Add(time.Millisecond))
	mu.Unlock()
	ch <- i
}

// The oracle: a task's breakdown is the time of its goroutines, as the
// report's goroutine groups count it for the same goroutines.
func TestBreakdownEqualsGroupTimes(t *testing.T) {
	data := record(t, func() {
		done := make(chan struct{})
		go taskOwner(done)
		<-done
		time.Sleep(time.Millisecond) // let taskOwner end
	})
	r := analyze(t, data, analyzer.Options{Top: -1})
	owned := kind(t, r.Annotations.Tasks, "owned")
	// The breakdown splits the time a goroutine ran, waited to run or was
	// in a syscall further (mark assists, stops of the world) than groups.
	const onCPU = "running+runnable+syscall+gc_assist+stw"
	got := map[string]int64{}
	for _, b := range owned.Breakdown {
		k := b.State
		switch k {
		case analyzer.StateRunning, analyzer.StateRunnable, analyzer.StateSyscall, analyzer.StateAssist, analyzer.StateSTW:
			k = onCPU
		case analyzer.StateWaiting:
			k += "/" + b.Reason
		}
		got[k] += b.NS
	}
	want := map[string]int64{}
	for _, g := range r.Goroutines.Groups {
		if !strings.HasSuffix(g.Name, ".taskOwner") && !strings.HasSuffix(g.Name, ".taskChild") {
			continue
		}
		want[onCPU] += g.Time.Exec + g.Time.SchedWait + g.Time.Syscall
		for c, ns := range g.Time.BlockedBy {
			want[analyzer.StateWaiting+"/"+c] += ns
		}
	}
	if len(want) == 0 {
		t.Fatal("no taskOwner or taskChild group")
	}
	// The owner lives a little longer than its task: it waits for its
	// first run before NewTask, and exits after End. That is CPU time
	// (running or runnable) the groups count and the task does not.
	for k := range merged(got, want) {
		slack := int64(10 * time.Microsecond)
		if k == onCPU {
			slack = int64(time.Millisecond)
		}
		if d := want[k] - got[k]; d < -int64(10*time.Microsecond) || d > slack {
			t.Errorf("%s: breakdown %d ns, groups %d ns", k, got[k], want[k])
		}
	}
	if got[analyzer.StateWaiting+"/sleep"] < int64(6*time.Millisecond) || got[onCPU] < int64(3*time.Millisecond) {
		t.Errorf("breakdown %v: want at least 6ms of sleep and 3ms running", got)
	}
	t.Logf("breakdown %v", got)
}

func merged(a, b map[string]int64) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// TestCriticalPathSmallTrace checks the critical path of the committed
// small trace against what its program does (testdata/gen, small): the
// task's goroutine waits for eight workers, the last of which sleeps 40ms
// (woken by no goroutine: the wait is on the path) and then takes a mutex
// 200 times; then it sleeps 60ms itself. Checked by hand against the events.
func TestCriticalPathSmallTrace(t *testing.T) {
	r, err := analyzer.AnalyzeFile(filepath.Join("..", "testdata", "traces", "small.trace"), analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := kind(t, r.Annotations.Tasks, "small")
	checkPathSums(t, r.Annotations.Tasks)
	want := []struct {
		function string
		reason   string
		line     int
		lo, hi   time.Duration
	}{
		{"main.main", "sleep", 94, 60 * time.Millisecond, 61 * time.Millisecond},
		{"main.small.func2", "sleep", 63, 40 * time.Millisecond, 41 * time.Millisecond},
	}
	if len(k.CriticalPath) < len(want) {
		t.Fatalf("critical path %+v", k.CriticalPath)
	}
	for i, w := range want {
		got := k.CriticalPath[i]
		if got.Function != w.function || got.State != analyzer.StateWaiting || got.Reason != w.reason || got.Line != w.line ||
			got.NS < int64(w.lo) || got.NS > int64(w.hi) {
			t.Errorf("row %d = %+v, want %s waiting (%s) at line %d for %v..%v", i, got, w.function, w.reason, w.line, w.lo, w.hi)
		}
	}
	// The rest: the lock loop and the goroutines' runs, under 2ms.
	var rest int64
	for _, row := range k.CriticalPath[len(want):] {
		rest += row.NS
	}
	if rest > int64(2*time.Millisecond) {
		t.Errorf("rows after the two sleeps add up to %v, want under 2ms: %+v", time.Duration(rest), k.CriticalPath)
	}
}

func TestKindMetrics(t *testing.T) {
	r := &analyzer.Report{}
	r.Annotations.Tasks = []analyzer.AnnotationKind{
		{Type: "GET /users", Count: 4, Duration: analyzer.Dist{Count: 4, P50: 10, P99: 90, Max: 100},
			Breakdown: []analyzer.TimeShare{{State: "running", Share: 0.25}, {State: "waiting", Reason: "sync", Share: 0.75}},
			CriticalPath: []analyzer.PathRow{
				{Function: "main.worker", State: "running", Share: 0.5},
				{Function: "main.handler", State: "running", Share: 0.2},
				{Function: "main.handler", State: "waiting", Reason: "chan receive", Share: 0.3},
			}},
		{Type: "get users", Count: 1, Duration: analyzer.Dist{Count: 1, P99: 5}},
		{Type: "<script>", Unfinished: 2},
	}
	r.Annotations.Regions = []analyzer.AnnotationKind{{Type: "db", Count: 3, Duration: analyzer.Dist{Count: 3, P99: 7}}}
	m := analyzer.Metrics(r)
	for name, want := range map[string]float64{
		"task.get_users.count":                        4,
		"task.get_users.latency.p99_ns":               90,
		"task.get_users.breakdown.running_share":      0.25,
		"task.get_users.breakdown.waiting_sync_share": 0.75,
		"task.get_users.critical.running_share":       0.7, // rows of one category add up
		"task.get_users.critical.waiting_chan_share":  0.3,
		"task.get_users_2.latency.p99_ns":             5, // the same word again
		"task.script.unfinished":                      2,
		"region.db.latency.p99_ns":                    7,
	} {
		if got, ok := m[name]; !ok || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if _, ok := m["task.script.latency.p99_ns"]; ok {
		t.Errorf("a type with no completed instance has a latency metric")
	}
	if u := analyzer.MetricUnit("task.get_users.critical.running_share"); u != analyzer.UnitRatio {
		t.Errorf("unit of a critical share = %q", u)
	}
}
