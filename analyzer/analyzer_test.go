package analyzer_test

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
)

// record runs f under runtime/trace and returns the trace.
func record(t *testing.T, f func()) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("cannot start tracing (is the test itself traced?): %v", err)
	}
	f()
	trace.Stop()
	return buf.Bytes()
}

// analyze analyzes a trace held in memory.
func analyze(t *testing.T, data []byte, opts analyzer.Options) *analyzer.Report {
	t.Helper()
	r, err := analyzer.Analyze(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return r
}

// withProcs runs the test body with GOMAXPROCS set to n.
func withProcs(t *testing.T, n int) {
	t.Helper()
	if runtime.NumCPU() < n {
		t.Skipf("needs %d CPUs, have %d", n, runtime.NumCPU())
	}
	old := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
}

func TestSleepingGoroutinesLifetime(t *testing.T) {
	const n = 500
	const sleep = 20 * time.Millisecond
	data := record(t, func() {
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(sleep)
			}()
		}
		wg.Wait()
	})
	r := analyze(t, data, analyzer.Options{})
	m := r.Metrics
	if got := m["goroutines.created"]; got < n {
		t.Errorf("goroutines.created = %v, want >= %d", got, n)
	}
	if got := m["goroutines.ended"]; got < n {
		t.Errorf("goroutines.ended = %v, want >= %d", got, n)
	}
	if got := m["goroutines.peak"]; got < n {
		t.Errorf("goroutines.peak = %v, want >= %d (all %d sleep at once)", got, n, n)
	}
	p50 := time.Duration(m["goroutines.lifetime.p50_ns"])
	if p50 < sleep || p50 > 2*sleep {
		t.Errorf("lifetime p50 = %v, want in [%v, %v]", p50, sleep, 2*sleep)
	}
	if got := time.Duration(m["goroutines.lifetime.max_ns"]); got < p50 {
		t.Errorf("lifetime max %v < p50 %v", got, p50)
	}
	// Every sleeper is a user goroutine whose group is the test's closure.
	var g *analyzer.GoroutineGroup
	for i := range r.Goroutines.Groups {
		if strings.Contains(r.Goroutines.Groups[i].Name, "TestSleepingGoroutinesLifetime") {
			g = &r.Goroutines.Groups[i]
		}
	}
	if g == nil {
		t.Fatalf("no goroutine group for the sleepers; groups: %+v", r.Goroutines.Groups)
	}
	if g.Count != n || g.Ended != n {
		t.Errorf("sleeper group count=%d ended=%d, want %d", g.Count, g.Ended, n)
	}
	if sl := g.Time.BlockedBy["sleep"]; time.Duration(sl) < n*sleep {
		t.Errorf("sleeper group blocked on sleep %v, want >= %v", time.Duration(sl), n*sleep)
	}
	// The test's own parent goroutine (blocked in t.Run for the whole
	// trace) may be suspected; none of the sleepers may be.
	if n := suspectedFrom(r, "TestSleepingGoroutinesLifetime"); n != 0 {
		t.Errorf("%d sleepers suspected of leaking, want 0", n)
	}
}

// suspectedFrom counts suspected leaks whose start function contains fn.
func suspectedFrom(r *analyzer.Report, fn string) int64 {
	var n int64
	for _, g := range r.Leaks.Groups {
		if g.Suspected && strings.Contains(g.Start, fn) {
			n += g.Count
		}
	}
	return n
}

// spin burns CPU until the deadline.
func spinUntil(until time.Time) int {
	x := 0
	for time.Now().Before(until) {
		for i := 0; i < 1000; i++ {
			x += i
		}
	}
	return x
}

func TestUtilization(t *testing.T) {
	withProcs(t, 2)
	cases := []struct {
		name     string
		spinners int
		lo, hi   float64
	}{
		{"every P busy", 2, 0.85, 1.0},
		{"one of two Ps busy", 1, 0.40, 0.62},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := record(t, func() {
				until := time.Now().Add(400 * time.Millisecond)
				var wg sync.WaitGroup
				for range c.spinners {
					wg.Add(1)
					go func() {
						defer wg.Done()
						spinUntil(until)
					}()
				}
				wg.Wait()
			})
			r := analyze(t, data, analyzer.Options{})
			u := r.Metrics["procs.utilization"]
			if u < c.lo || u > c.hi {
				t.Errorf("procs.utilization = %.3f, want in [%.2f, %.2f]", u, c.lo, c.hi)
			}
			if got := r.Procs.GOMAXPROCS; got != 2 {
				t.Errorf("GOMAXPROCS = %d, want 2", got)
			}
			if len(r.Procs.PerP) != 2 {
				t.Fatalf("per-P rows = %d, want 2", len(r.Procs.PerP))
			}
			var busy int64
			for _, p := range r.Procs.PerP {
				busy += p.BusyNS
			}
			if busy != r.Procs.BusyNS {
				t.Errorf("per-P busy sums to %d, total says %d", busy, r.Procs.BusyNS)
			}
			// The metric is the exact ratio, not a rounded one: check gates
			// on it with thresholds of a few percent.
			if want := float64(r.Procs.BusyNS) / float64(r.Procs.ExistNS); u != want {
				t.Errorf("procs.utilization = %v, busy/exist = %v", u, want)
			}
			// The timeline agrees with the total: its mean over buckets is
			// close to the overall utilization.
			var sum float64
			for _, v := range r.Timeline.Utilization {
				sum += v
			}
			if mean := sum / float64(len(r.Timeline.Utilization)); mean < u-0.05 || mean > u+0.05 {
				t.Errorf("timeline mean utilization %.3f, overall %.3f", mean, u)
			}
		})
	}
}

// loopback listens on a loopback TCP port until the test ends, or skips the
// test where there is no network.
func loopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback network: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// TestIdleServerIsNotALeak: a listener's accept loop and an idle
// connection wait on network I/O for the whole trace; they are listed as
// blocked, not suspected, while a goroutine stuck on a channel is.
func TestIdleServerIsNotALeak(t *testing.T) {
	ln := loopback(t)
	block := make(chan int)
	defer close(block)
	data := record(t, func() {
		go func() { // the accept loop
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { // an idle connection's reader
					defer c.Close()
					buf := make([]byte, 512)
					for {
						if _, err := c.Read(buf); err != nil {
							return
						}
					}
				}()
			}
		}()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Errorf("dial: %v", err)
			return
		}
		t.Cleanup(func() { conn.Close() }) // open, and idle, until the trace ends
		go func() { <-block }()            // a real leak
		time.Sleep(300 * time.Millisecond)
	})
	r := analyze(t, data, analyzer.Options{LeakThreshold: 200 * time.Millisecond})
	var network, chans int64
	for _, g := range r.Leaks.Groups {
		if !strings.Contains(g.Start, "TestIdleServerIsNotALeak") {
			continue
		}
		switch g.Reason {
		case "network":
			network += g.Count
			if g.Suspected {
				t.Errorf("network waiters suspected: %+v", g)
			}
			if !strings.Contains(g.Diagnosis, "not counted as a leak") {
				t.Errorf("network diagnosis %q", g.Diagnosis)
			}
		case "chan receive":
			chans += g.Count
			if !g.Suspected {
				t.Errorf("channel waiter not suspected: %+v", g)
			}
		}
	}
	if network != 2 || chans != 1 {
		t.Errorf("blocked at end from the test: %d on network (want 2: accept loop, idle reader), %d on a channel (want 1); groups %+v", network, chans, r.Leaks.Groups)
	}
	if got := suspectedFrom(r, "TestIdleServerIsNotALeak"); got != 1 {
		t.Errorf("suspected from the test = %d, want 1", got)
	}
}

// TestBlockedBeforeTrace traces a program mid-run, as /debug/pprof/trace and
// the flight recorder do: goroutines already blocked when the trace starts
// get their reason from their stack, their time counts from the trace
// start, and network waiters are not suspected.
func TestBlockedBeforeTrace(t *testing.T) {
	ln := loopback(t)
	block := make(chan int)
	defer close(block)
	const leakers = 3
	for range leakers {
		go func() { <-block }()
	}
	go func() { // an idle accept loop
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	time.Sleep(50 * time.Millisecond) // all of them blocked before the trace
	const traced = 300 * time.Millisecond
	data := record(t, func() { time.Sleep(traced) })
	r := analyze(t, data, analyzer.Options{LeakThreshold: 200 * time.Millisecond})
	dur := r.Trace.EndNS - r.Trace.StartNS
	var chans, network int64
	for _, g := range r.Leaks.Groups {
		if !strings.Contains(g.Start, "TestBlockedBeforeTrace") {
			continue
		}
		if !g.BeforeTrace || g.MinBlockedNS != dur {
			t.Errorf("%s: before trace %v, blocked %v; want true and the whole trace (%v)", g.Start, g.BeforeTrace, time.Duration(g.MinBlockedNS), time.Duration(dur))
		}
		switch g.Reason {
		case "chan receive":
			chans += g.Count
			if !g.Suspected || !strings.Contains(g.Diagnosis, "channel") {
				t.Errorf("channel waiters: suspected %v, diagnosis %q", g.Suspected, g.Diagnosis)
			}
		case "network":
			network += g.Count
			if g.Suspected {
				t.Errorf("the accept loop is suspected: %+v", g)
			}
		default:
			t.Errorf("reason %q for %s, want it read from the stack", g.Reason, g.Start)
		}
	}
	if chans != leakers || network != 1 {
		t.Errorf("blocked before the trace: %d on a channel (want %d), %d on the network (want 1)", chans, leakers, network)
	}
	// Their time counts from the trace start, in the open total and in
	// their group.
	if open := r.Blocking.OpenNS; open < (leakers+1)*dur {
		t.Errorf("block.open_ns = %v, want at least %d goroutines x the trace (%v)", time.Duration(open), leakers+1, time.Duration(dur))
	}
	for _, gr := range r.Goroutines.Groups {
		if strings.Contains(gr.Name, "TestBlockedBeforeTrace") && gr.Time.Blocked < gr.Count*dur {
			t.Errorf("group %s: blocked %v for %d goroutines, want %d x the trace (%v)", gr.Name, time.Duration(gr.Time.Blocked), gr.Count, gr.Count, time.Duration(dur))
		}
	}
}

// TestPreemptedStackDoesNotNameGoroutine: a goroutine spinning since before
// the trace is seen only through stacks taken at asynchronous preemptions,
// which end in runtime.asyncPreempt; that frame must not become its name
// (which would also make it a runtime goroutine).
func TestPreemptedStackDoesNotNameGoroutine(t *testing.T) {
	withProcs(t, 2)
	var stop atomic.Bool
	defer stop.Store(true)
	for range 3 { // more spinners than Ps: they get preempted
		go func() {
			for !stop.Load() {
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	data := record(t, func() { time.Sleep(200 * time.Millisecond) })
	r := analyze(t, data, analyzer.Options{})
	if r.Switches.Out.Preempted == 0 {
		t.Skip("no preemption in the trace")
	}
	for _, gr := range r.Goroutines.Groups {
		if strings.Contains(gr.Name, "asyncPreempt") {
			t.Errorf("group named %s (system %v): a preemption frame named the goroutine", gr.Name, gr.System)
		}
	}
}

func TestLeaks(t *testing.T) {
	const leaked = 7
	block := make(chan int)
	data := record(t, func() {
		var wg sync.WaitGroup
		for range leaked {
			go func() { <-block }() // nobody ever sends
		}
		for range 20 { // these end
			wg.Add(1)
			go func() { defer wg.Done(); time.Sleep(time.Millisecond) }()
		}
		wg.Wait()
		time.Sleep(300 * time.Millisecond)
	})
	defer close(block)
	r := analyze(t, data, analyzer.Options{LeakThreshold: 200 * time.Millisecond})
	if got := suspectedFrom(r, "TestLeaks"); got != leaked {
		t.Errorf("suspected leaks from the test = %v, want %d", got, leaked)
	}
	if got := r.Metrics["goroutines.leaked"]; got < leaked {
		t.Errorf("goroutines.leaked = %v, want >= %d", got, leaked)
	}
	var found bool
	for _, g := range r.Leaks.Groups {
		if g.Suspected && g.Reason == "chan receive" && strings.Contains(g.Start, "TestLeaks") {
			found = true
			if g.Count != leaked {
				t.Errorf("leak group count = %d, want %d", g.Count, leaked)
			}
			if g.MinBlockedNS < int64(250*time.Millisecond) {
				t.Errorf("leaked goroutines blocked for %v, want >= 250ms", time.Duration(g.MinBlockedNS))
			}
			if !strings.Contains(g.Diagnosis, "channel") {
				t.Errorf("diagnosis %q does not mention the channel", g.Diagnosis)
			}
		}
		if strings.HasPrefix(g.Start, "runtime.") && g.Start != "runtime.main" {
			t.Errorf("runtime goroutine reported as blocked user goroutine: %+v", g)
		}
	}
	if !found {
		t.Errorf("no suspected leak group for the blocked goroutines: %+v", r.Leaks.Groups)
	}
	// With a threshold longer than the trace, nothing is suspected.
	r = analyze(t, data, analyzer.Options{LeakThreshold: time.Hour})
	if got := r.Metrics["goroutines.leaked"]; got != 0 {
		t.Errorf("with a 1h threshold goroutines.leaked = %v, want 0", got)
	}
	if r.Leaks.Blocked < leaked {
		t.Errorf("blocked at end = %d, want >= %d", r.Leaks.Blocked, leaked)
	}
}

func TestWaitGroupDeadlockNamed(t *testing.T) {
	data := record(t, func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			var wg sync.WaitGroup
			wg.Add(3) // the notes' mistake: three Adds, two Dones
			for range 2 {
				go func() { defer wg.Done() }()
			}
			ch := make(chan struct{})
			go func() { wg.Wait(); close(ch) }()
			select {
			case <-ch:
			case <-time.After(300 * time.Millisecond):
			}
		}()
		<-done
	})
	r := analyze(t, data, analyzer.Options{LeakThreshold: 200 * time.Millisecond})
	for _, g := range r.Leaks.Groups {
		if !g.Suspected {
			continue
		}
		for _, f := range g.Stack {
			if f.Func == "sync.(*WaitGroup).Wait" {
				if !strings.Contains(g.Diagnosis, "WaitGroup") {
					t.Errorf("diagnosis %q does not name the WaitGroup deadlock", g.Diagnosis)
				}
				return
			}
		}
	}
	t.Errorf("no suspected leak blocked in sync.(*WaitGroup).Wait: %+v", r.Leaks.Groups)
}

func TestSchedulerLatencyAndSwitches(t *testing.T) {
	withProcs(t, 2)
	// Four spinners on two Ps must wait for each other: scheduler latency
	// and preemptions appear.
	data := record(t, func() {
		until := time.Now().Add(300 * time.Millisecond)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); spinUntil(until) }()
		}
		wg.Wait()
	})
	r := analyze(t, data, analyzer.Options{})
	m := r.Metrics
	if m["switches.preempted"] < 10 {
		t.Errorf("switches.preempted = %v, want >= 10 (4 spinners on 2 Ps for 300ms)", m["switches.preempted"])
	}
	if p99 := time.Duration(m["sched.latency.p99_ns"]); p99 < time.Millisecond {
		t.Errorf("sched.latency.p99 = %v, want >= 1ms (spinners wait for a time slice)", p99)
	}
	if m["switches.total"] != m["sched.latency.count"]+m["sched.wait.preexisting"] {
		t.Errorf("switches.total %v != sched.latency.count %v + sched.wait.preexisting %v: every switch ends one wait", m["switches.total"], m["sched.latency.count"], m["sched.wait.preexisting"])
	}
	if m["sched.wait.completed_ns"] < m["sched.wait.after_first_run_ns"] {
		t.Errorf("completed wait %v < after-first-run wait %v", m["sched.wait.completed_ns"], m["sched.wait.after_first_run_ns"])
	}
	out := r.Switches.Out
	if sum := out.Blocked + out.Preempted + out.Yielded + out.Syscall + out.Exited; sum > r.Switches.Total+int64(r.Goroutines.PreExisting)+10 {
		t.Errorf("switch-outs %d exceed switch-ins %d", sum, r.Switches.Total)
	}
}

// multiGen records a trace of more than one generation (the runtime starts a
// new one about every second).
func multiGen(t *testing.T) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("records a 1.3s trace; skipped with -short")
	}
	return record(t, func() {
		until := time.Now().Add(1300 * time.Millisecond)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ch := make(chan int)
		for i := 0; time.Now().Before(until); i++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				mu.Lock()
				spinUntil(time.Now().Add(50 * time.Microsecond))
				mu.Unlock()
				ch <- 1
			}()
			go func() { defer wg.Done(); <-ch }()
			if i%50 == 0 {
				time.Sleep(5 * time.Millisecond)
			}
		}
		wg.Wait()
	})
}

func TestParallelEqualsSequential(t *testing.T) {
	traces := map[string][]byte{"multigen": multiGen(t)}
	committed, _ := filepath.Glob(filepath.Join("..", "testdata", "traces", "*.trace"))
	for _, f := range append(committed, testtraces.Shared(t)...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		traces[filepath.Base(f)] = b
	}
	for name, data := range traces {
		t.Run(name, func(t *testing.T) {
			seq := analyze(t, data, analyzer.Options{Workers: 1})
			if name == "multigen" && seq.Trace.Generations < 2 {
				t.Fatalf("trace has %d generation(s), want >= 2", seq.Trace.Generations)
			}
			a := mustJSON(t, seq)
			for _, w := range []int{2, 3, 8} {
				par := analyze(t, data, analyzer.Options{Workers: w})
				if b := mustJSON(t, par); !bytes.Equal(a, b) {
					t.Errorf("workers=%d JSON differs from sequential:\n%s", w, firstDiff(a, b))
				}
			}
			// And a second sequential run: deterministic.
			if b := mustJSON(t, analyze(t, data, analyzer.Options{Workers: 1})); !bytes.Equal(a, b) {
				t.Errorf("two sequential runs differ:\n%s", firstDiff(a, b))
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDiff shows the first differing line of two texts.
func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return "line " + itoa(i+1) + ":\n- " + la[i] + "\n+ " + lb[i]
		}
	}
	return "lengths differ: " + itoa(len(la)) + " vs " + itoa(len(lb)) + " lines"
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRealTraces(t *testing.T) {
	files := testtraces.Shared(t)
	goroot := analyzer.GoRoot()
	v1, _ := filepath.Glob(filepath.Join(goroot, "src", "internal", "trace", "internal", "tracev1", "testdata", "*_good"))
	if len(v1) == 0 {
		t.Logf("no Go distribution old-format traces under %s", goroot)
	}
	files = append(files, v1...)
	if len(files) == 0 {
		t.Skip("no real traces available")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := analyzer.AnalyzeFile(f, analyzer.Options{})
			if err != nil {
				t.Fatalf("AnalyzeFile: %v", err)
			}
			m := r.Metrics
			if m["trace.events"] < 10 || m["trace.duration_ns"] <= 0 {
				t.Errorf("events %v, duration %v: implausible", m["trace.events"], m["trace.duration_ns"])
			}
			if u := m["procs.utilization"]; u <= 0 || u > 1 {
				t.Errorf("procs.utilization = %v, want in (0, 1]", u)
			}
			if m["procs.gomaxprocs"] < 1 {
				t.Errorf("procs.gomaxprocs = %v", m["procs.gomaxprocs"])
			}
			if m["goroutines.created"]+m["goroutines.pre_existing"] < 1 {
				t.Errorf("no goroutines seen")
			}
			if m["goroutines.alive_at_end"] != m["goroutines.pre_existing"]+m["goroutines.created"]-m["goroutines.ended"] {
				t.Errorf("alive at end %v != pre-existing %v + created %v - ended %v",
					m["goroutines.alive_at_end"], m["goroutines.pre_existing"], m["goroutines.created"], m["goroutines.ended"])
			}
			if m["goroutines.peak"] < m["goroutines.alive_at_end"] || m["goroutines.peak"] < m["goroutines.pre_existing"] {
				t.Errorf("peak %v below alive-at-end or pre-existing", m["goroutines.peak"])
			}
			if m["sched.wait.after_first_run_ns"] > m["sched.wait.completed_ns"] {
				t.Errorf("after-first-run wait exceeds all completed wait")
			}
			if int64(m["procs.busy_ns"]) > r.Procs.ExistNS {
				t.Errorf("busy %v exceeds P existence %v", m["procs.busy_ns"], r.Procs.ExistNS)
			}
		})
	}
}

func TestTaskAnnotations(t *testing.T) {
	f := testtraces.SharedFile(t, "go1.21-task.trace")
	r, err := analyzer.AnalyzeFile(f, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Annotations
	if len(a.Tasks) != 1 || a.Tasks[0].Type != "taskCategory" {
		t.Errorf("tasks = %+v, want one of type taskCategory", a.Tasks)
	}
	if a.LogCount != 1 || len(a.Logs) != 1 || a.Logs[0].Category != "logCategory" || a.Logs[0].Message != "logMessage" {
		t.Errorf("logs = %d %+v, want one logCategory/logMessage", a.LogCount, a.Logs)
	}
}
