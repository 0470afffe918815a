package workloads

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"runtime/trace"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

// Tests that trace run one at a time: only one runtime/trace can be active in
// a process. None of them calls t.Parallel.

const pkgPrefix = "github.com/gotrace/gotrace/workloads."

// traceRun runs the named workload in this process with the given settings,
// analyzes its trace and checks what every run must satisfy.
func traceRun(t *testing.T, name string, sets ...string) (*Result, *analyzer.Report) {
	t.Helper()
	w, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	params, err := w.Resolve(sets)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	start := time.Now()
	res, err := Trace(context.Background(), &buf, w, params)
	if errors.Is(err, ErrTraceActive) {
		t.Skipf("cannot trace: %v", err)
	}
	// A panic the workload caught is its outcome (see checkWaitGroup).
	if pe := (*PanicError)(nil); err != nil && !(errors.As(err, &pe) && res != nil && res.Panic != nil) {
		t.Fatalf("Trace(%s %v): %v", name, sets, err)
	}
	t.Logf("%s %v: ran %v, trace %d bytes", name, sets, time.Since(start).Round(time.Millisecond), buf.Len())
	rep, err := analyzer.Analyze(&buf, analyzer.Options{Name: name})
	if err != nil {
		t.Fatalf("analyzing the trace of %s: %v", name, err)
	}
	checkCommon(t, res, rep, name, params)
	return res, rep
}

// checkCommon checks the result and report of any workload run.
func checkCommon(t *testing.T, res *Result, rep *analyzer.Report, name string, params map[string]string) {
	t.Helper()
	if res.Workload != name {
		t.Errorf("Result.Workload = %q, want %q", res.Workload, name)
	}
	for k, v := range params {
		if res.Params[k] != v {
			t.Errorf("Result.Params[%s] = %q, want %q", k, res.Params[k], v)
		}
	}
	if res.GOMAXPROCS < 1 || res.WallNS <= 0 {
		t.Errorf("Result GOMAXPROCS=%d WallNS=%d", res.GOMAXPROCS, res.WallNS)
	}
	if len(res.Measurements) == 0 {
		t.Errorf("%s measured nothing", name)
	}
	if rep.Trace.Truncated {
		t.Errorf("trace of %s is truncated: %v", name, rep.Warnings)
	}
	// The trace names the workload and holds every measurement.
	logged := map[string]Measurement{}
	var named bool
	for _, l := range rep.Annotations.Logs {
		switch l.Category {
		case WorkloadCategory:
			named = named || strings.HasPrefix(l.Message, name+" ")
		case MeasureCategory:
			m, ok := ParseMeasurement(l.Message)
			if !ok {
				t.Errorf("unparsable measurement log %q", l.Message)
			}
			logged[m.Key()] = m
		}
	}
	if !named {
		t.Errorf("no %s log naming workload %s in the trace", WorkloadCategory, name)
	}
	if rep.Annotations.LogCount <= analyzer.MaxLogs {
		for _, m := range res.Measurements {
			l, ok := logged[m.Key()]
			if !ok || l.Value != m.Value || l.Unit != m.Unit {
				t.Errorf("measurement %s = %v %s: in the trace as %+v (found %v)", m.Key(), m.Value, m.Unit, l, ok)
			}
		}
	}
}

func metric(t *testing.T, rep *analyzer.Report, name string) float64 {
	t.Helper()
	v, ok := rep.Metrics[name]
	if !ok {
		t.Fatalf("report has no metric %s", name)
	}
	return v
}

func measured(t *testing.T, res *Result, name, variant string) float64 {
	t.Helper()
	m, ok := res.Measurement(name, variant)
	if !ok {
		t.Fatalf("no measurement %s[%s] in %+v", name, variant, res.Measurements)
	}
	return m.Value
}

func param(t *testing.T, res *Result, name string) int {
	t.Helper()
	n, err := strconv.Atoi(res.Params[name])
	if err != nil {
		t.Fatalf("parameter %s = %q: %v", name, res.Params[name], err)
	}
	return n
}

func hasFrame(stack []analyzer.Frame, fn string) bool {
	for _, f := range stack {
		if f.Func == fn {
			return true
		}
	}
	return false
}

// workloadLeaks counts suspected leaks of goroutines that belong to the
// workload (started by, or blocked in, a function of this package that is not
// a test). A test binary has goroutines of its own blocked for the whole
// trace (the testing package's goroutines waiting in testing.(*T).Run); a
// child process has none.
func workloadLeaks(rep *analyzer.Report) int64 {
	var n int64
	for _, g := range rep.Leaks.Groups {
		if !g.Suspected {
			continue
		}
		own := isWorkloadFunc(g.Start)
		for _, f := range g.Stack {
			own = own || isWorkloadFunc(f.Func)
		}
		if own {
			n += g.Count
		}
	}
	return n
}

func isWorkloadFunc(fn string) bool {
	return strings.HasPrefix(fn, pkgPrefix) && !strings.HasPrefix(fn, pkgPrefix+"Test")
}

// blockedOn reports whether some completed blocking of the report happened in
// a stack with fn.
func blockedOn(rep *analyzer.Report, fn string) bool {
	for _, r := range rep.Blocking.ByReason {
		for _, s := range r.Top {
			if s.TotalNS > 0 && hasFrame(s.Stack, fn) {
				return true
			}
		}
	}
	return false
}

// workloadCase is a workload run with small parameters (always) and with its
// defaults (not under -short), and the properties its report must have.
type workloadCase struct {
	name  string
	small []string
	check func(t *testing.T, res *Result, rep *analyzer.Report)
}

var workloadCases = []workloadCase{
	{"fanout", []string{"workers=4", "jobs=400", "work=100us"}, checkFanout},
	{"many", []string{"n=10000"}, checkMany},
	{"threads", []string{"units=32", "switches=2000"}, checkThreads},
	{"deadlock", []string{"hold=300ms", "work=1ms"}, checkDeadlock},
	{"leak", []string{"n=20", "ok=20", "hold=300ms"}, checkLeak},
	{"syscall", []string{"blockers=4", "block=30ms", "rounds=2", "baseline=60ms"}, checkSyscall},
	{"mutex", []string{"goroutines=4", "iterations=1000", "work=20us"}, checkMutex},
	{"gc", []string{"alloc_mb=64", "live_mb=8"}, checkGC},
	{"net", []string{"clients=4", "rounds=200"}, checkNet},
	{"waitgroup", []string{"add=2", "goroutines=4", "work=5ms", "after=5s"}, checkWaitGroup}, // the panic ends it early
	{"mainexit", []string{"goroutines=6", "waiters=50", "work=2s", "after=20ms"}, checkMainExit},
	{"oversub", []string{"pairs=1", "duration=40ms"}, checkOversub},
	{"server", []string{"clients=4", "requests=300", "hold=20us", "db=100us", "compute=50us", "handoff=50us", "workers=2"}, checkServer},
}

func TestWorkloadCasesCoverAll(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range workloadCases {
		seen[c.name] = true
	}
	for _, w := range All() {
		if !seen[w.Name] {
			t.Errorf("workload %s has no test case", w.Name)
		}
	}
}

func TestWorkloadsSmall(t *testing.T) {
	for _, c := range workloadCases {
		t.Run(c.name, func(t *testing.T) {
			skipUnderRace(t, c.name)
			res, rep := traceRun(t, c.name, c.small...)
			c.check(t, res, rep)
			checkGate(t, rep)
		})
	}
}

// checkGate: the measurement a workload's Gate names is in its report, a
// positive number (check gates it by default on the workload's samples).
func checkGate(t *testing.T, rep *analyzer.Report) {
	t.Helper()
	w, err := Lookup(rep.Run.Workload)
	if err != nil {
		t.Fatal(err)
	}
	if w.Gate.Metric == "" {
		return
	}
	if v, ok := rep.Metrics[w.Gate.Metric]; !ok || !(v > 0) || w.Gate.ThresholdPct <= 0 {
		t.Errorf("%s: gate %s = %v (present %v), threshold %v%%", w.Name, w.Gate.Metric, v, ok, w.Gate.ThresholdPct)
	}
}

// TestWorkloadsDefaults runs every workload as `gotrace run NAME` would:
// with its defaults, which must finish in a few seconds and keep the
// properties (e.g. the deadlock outlasting the default leak threshold).
func TestWorkloadsDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every workload with its defaults (e.g. 100,000 goroutines); skipped in -short mode")
	}
	for _, c := range workloadCases {
		t.Run(c.name, func(t *testing.T) {
			skipUnderRace(t, c.name)
			start := time.Now()
			res, rep := traceRun(t, c.name)
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("%s with defaults took %v; defaults should take a few seconds", c.name, d)
			}
			c.check(t, res, rep)
		})
	}
}

func skipUnderRace(t *testing.T, name string) {
	t.Helper()
	if raceEnabled && name == "many" {
		t.Skip("the race detector allows at most 8128 live goroutines")
	}
}

func checkFanout(t *testing.T, res *Result, rep *analyzer.Report) {
	jobs := param(t, res, "jobs")
	if got := measured(t, res, "jobs_done", ""); got != float64(jobs) {
		t.Errorf("jobs_done = %v, want %d", got, jobs)
	}
	if n := workloadLeaks(rep); n != 0 {
		t.Errorf("fanout leaked %d goroutines, want 0: %+v", n, rep.Leaks.Groups)
	}
	var regions int64
	for _, r := range rep.Annotations.Regions {
		if r.Type == "job" {
			regions = r.Count
		}
	}
	if regions != int64(jobs) {
		t.Errorf("report has %d completed \"job\" regions, want %d", regions, jobs)
	}
	if created := metric(t, rep, "goroutines.created"); created < float64(param(t, res, "workers")) {
		t.Errorf("goroutines.created = %v, want at least the %d workers", created, param(t, res, "workers"))
	}
}

func checkMany(t *testing.T, res *Result, rep *analyzer.Report) {
	n := float64(param(t, res, "n"))
	if got := metric(t, rep, "goroutines.created"); got < n {
		t.Errorf("goroutines.created = %v, want >= %v", got, n)
	}
	if got := metric(t, rep, "goroutines.peak"); got < n {
		t.Errorf("goroutines.peak = %v, want >= %v", got, n)
	}
	if got := measured(t, res, "peak_alive_added", ""); got != n {
		t.Errorf("peak_alive_added = %v, want %v", got, n)
	}
	// The notes say ~2 KB; Go's minimum is 2 KB and the starting size adapts
	// to the average stack use, so allow a wide band, but not zero or a
	// thread-sized stack.
	if got := measured(t, res, "stack_bytes_per_goroutine", ""); got < 1024 || got > 64<<10 {
		t.Errorf("stack_bytes_per_goroutine = %v, want between 1 KiB and 64 KiB", got)
	}
	if got := measured(t, res, "create_ns_per_goroutine", ""); got <= 0 {
		t.Errorf("create_ns_per_goroutine = %v", got)
	}
	// The memory estimate's cost of a goroutine (Estimate) is what a
	// goroutine takes here, within a factor of two.
	if got := measured(t, res, "memory_bytes_per_goroutine", ""); got > 0 && (goroutineBytes < got/2 || goroutineBytes > 2*got) {
		t.Errorf("memory_bytes_per_goroutine = %.0f; the estimates count %d", got, goroutineBytes)
	}
	if n := workloadLeaks(rep); n != 0 {
		t.Errorf("many leaked %d goroutines, want 0", n)
	}
}

func checkThreads(t *testing.T, res *Result, rep *analyzer.Report) {
	units := float64(param(t, res, "units"))
	pinned := measured(t, res, "os_threads", VariantThreads)
	plain := measured(t, res, "os_threads", VariantGoroutines)
	if pinned < units {
		t.Errorf("os_threads[%s] = %v, want >= units = %v", VariantThreads, pinned, units)
	}
	if plain >= pinned {
		t.Errorf("os_threads[%s] = %v, want fewer than pinned (%v)", VariantGoroutines, plain, pinned)
	}
	// The trace sees every pinned thread run its goroutine.
	if got := metric(t, rep, "syscalls.threads"); got < units {
		t.Errorf("syscalls.threads = %v, want >= units = %v", got, units)
	}
	for _, v := range []string{VariantGoroutines, VariantThreads} {
		for _, name := range []string{"create_ns_per_unit", "switch_ns"} {
			if got := measured(t, res, name, v); got <= 0 {
				t.Errorf("%s[%s] = %v, want > 0", name, v, got)
			}
		}
	}
}

func checkDeadlock(t *testing.T, res *Result, rep *analyzer.Report) {
	if got := metric(t, rep, "goroutines.leaked"); got < 1 {
		t.Errorf("goroutines.leaked = %v, want >= 1 (threshold %v ns, groups %+v)", got, rep.Leaks.ThresholdNS, rep.Leaks.Groups)
	}
	var found bool
	for _, g := range rep.Leaks.Groups {
		if g.Suspected && hasFrame(g.Stack, "sync.(*WaitGroup).Wait") && hasFrame(g.Stack, pkgPrefix+"runDeadlock") {
			found = true
			if !strings.Contains(g.Diagnosis, "WaitGroup") {
				t.Errorf("diagnosis %q does not name the WaitGroup deadlock", g.Diagnosis)
			}
		}
	}
	if !found {
		t.Errorf("no suspected leak blocked in sync.(*WaitGroup).Wait called from runDeadlock: %+v", rep.Leaks.Groups)
	}
	if !strings.Contains(res.Stopped, "watchdog") || !strings.Contains(res.Stopped, "sync.(*WaitGroup).Wait") {
		t.Errorf("Result.Stopped = %q, want the watchdog's reason", res.Stopped)
	}
	if got := measured(t, res, "missing_done", ""); got != 1 {
		t.Errorf("missing_done = %v, want 1", got)
	}
}

func checkLeak(t *testing.T, res *Result, rep *analyzer.Report) {
	n := param(t, res, "n")
	if got := metric(t, rep, "goroutines.leaked"); got < float64(n) {
		t.Errorf("goroutines.leaked = %v, want >= %d", got, n)
	}
	var leaked int64
	for _, g := range rep.Leaks.Groups {
		switch g.Start {
		case pkgPrefix + "waitForever":
			if g.Suspected {
				leaked += g.Count
			}
			if g.Reason != "chan receive" {
				t.Errorf("leaked group reason %q, want chan receive", g.Reason)
			}
		case pkgPrefix + "receiveOnce":
			t.Errorf("goroutines that ended are reported blocked: %+v", g)
		}
	}
	if leaked != int64(n) {
		t.Errorf("%d suspected leaks start in waitForever, want %d: %+v", leaked, n, rep.Leaks.Groups)
	}
	if res.Stopped == "" {
		t.Errorf("Result.Stopped is empty; the trace was ended with goroutines blocked")
	}
}

func checkSyscall(t *testing.T, res *Result, rep *analyzer.Report) {
	if got := metric(t, rep, "syscalls.lost_p"); got <= 0 {
		t.Errorf("syscalls.lost_p = %v, want > 0 (blocking syscalls hand their P off)", got)
	}
	if got, procs := metric(t, rep, "syscalls.threads"), float64(res.GOMAXPROCS); got <= procs {
		t.Errorf("syscalls.threads = %v, want > GOMAXPROCS = %v", got, procs)
	}
	blockers, rounds := param(t, res, "blockers"), param(t, res, "rounds")
	if got := measured(t, res, "blocking_syscalls", ""); got != float64(3*blockers*rounds) {
		t.Errorf("blocking_syscalls = %v, want %d", got, 3*blockers*rounds)
	}
	if got := measured(t, res, "compute_ops_per_sec", "during blocking syscalls"); got <= 0 {
		t.Errorf("the computing goroutines made no progress during the blocking syscalls")
	}
	// With Ps handed off, the computers keep most of their speed; if the
	// blocked goroutines held the Ps, they would stop for most of the phase.
	if got := measured(t, res, "compute_progress_ratio", ""); got < 0.1 {
		t.Errorf("compute_progress_ratio = %v, want the computers to keep running (> 0.1)", got)
	}
}

func checkMutex(t *testing.T, res *Result, rep *analyzer.Report) {
	if got := metric(t, rep, "block.sync.completed_ns"); got <= 0 {
		t.Errorf("block.sync.completed_ns = %v, want > 0", got)
	}
	// On one P, goroutines contend only when the holder is preempted inside
	// the critical section, which a short run may never see.
	if !blockedOn(rep, "sync.(*Mutex).Lock") && res.GOMAXPROCS > 1 {
		t.Errorf("no blocking stack in sync.(*Mutex).Lock among %+v", rep.Blocking.ByReason)
	}
	want := param(t, res, "goroutines") * param(t, res, "iterations")
	if got := measured(t, res, "lock_ops", ""); got != float64(want) {
		t.Errorf("lock_ops = %v, want %d", got, want)
	}
}

func checkGC(t *testing.T, res *Result, rep *analyzer.Report) {
	if got := metric(t, rep, "gc.cycles"); got < 1 {
		t.Errorf("gc.cycles = %v, want >= 1", got)
	}
	if got := metric(t, rep, "gc.stw.count"); got < 1 {
		t.Errorf("gc.stw.count = %v, want >= 1", got)
	}
	// gc.stw.count also counts the pause that starts the trace: require GC's own.
	var gcSTW int64
	for _, r := range rep.GC.STWByReason {
		if strings.Contains(r.Reason, "GC") {
			gcSTW += r.Count
		}
	}
	if gcSTW < 1 {
		t.Errorf("no GC stop-the-world pause in %+v", rep.GC.STWByReason)
	}
	if got := measured(t, res, "gc_cycles", ""); got < 1 {
		t.Errorf("gc_cycles measured %v, want >= 1", got)
	}
}

func checkNet(t *testing.T, res *Result, rep *analyzer.Report) {
	if got := metric(t, rep, "block.net.completed_ns"); got <= 0 {
		t.Errorf("block.net.completed_ns = %v, want > 0", got)
	}
	want := param(t, res, "clients") * param(t, res, "rounds")
	if got := measured(t, res, "round_trips", ""); got != float64(want) {
		t.Errorf("round_trips = %v, want %d", got, want)
	}
	if n := workloadLeaks(rep); n != 0 {
		t.Errorf("net leaked %d goroutines, want 0", n)
	}
}

// TestTraceCancel: a workload that would block for a minute returns soon
// after ctx is done, with a complete trace and the reason in Stopped.
func TestTraceCancel(t *testing.T) {
	for _, name := range []string{"deadlock", "leak"} {
		t.Run(name, func(t *testing.T) {
			w, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			params, err := w.Resolve([]string{"hold=1m"})
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
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("Trace returned after %v, want soon after the 200ms deadline", d)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Trace error = %v, want the context's deadline", err)
			}
			if res == nil || !strings.Contains(res.Stopped, "deadline") {
				t.Errorf("Result = %+v, want Stopped to name the deadline", res)
			}
			if _, err := analyzer.Analyze(&buf, analyzer.Options{}); err != nil {
				t.Errorf("trace of a cancelled run does not analyze: %v", err)
			}
		})
	}
}

// TestTracePanic: a panicking workload still leaves a complete trace.
func TestTracePanic(t *testing.T) {
	w := &Workload{Name: "boom", run: func(ctx context.Context, env *Env) error {
		env.Measure(Measurement{Name: "before_panic", Value: 1, Unit: "count"})
		panic("boom")
	}}
	var buf bytes.Buffer
	res, err := Trace(context.Background(), &buf, w, nil)
	if errors.Is(err, ErrTraceActive) {
		t.Skip(err)
	}
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || !bytes.Contains(pe.Stack, []byte("TestTracePanic")) {
		t.Fatalf("Trace error = %v, want a *PanicError with the stack", err)
	}
	if len(res.Measurements) != 1 {
		t.Errorf("measurements before the panic lost: %+v", res.Measurements)
	}
	if trace.IsEnabled() {
		t.Fatal("trace still on after a panicking workload")
	}
	if _, err := analyzer.Analyze(&buf, analyzer.Options{}); err != nil {
		t.Errorf("trace of a panicking workload does not analyze: %v", err)
	}
}

// TestTraceActive: with a trace already on, Trace says so instead of
// breaking it.
func TestTraceActive(t *testing.T) {
	if err := trace.Start(io.Discard); err != nil {
		t.Skipf("a trace is already active: %v", err)
	}
	defer trace.Stop()
	w, err := Lookup("fanout")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Trace(context.Background(), io.Discard, w, map[string]string{"jobs": "1"})
	if !errors.Is(err, ErrTraceActive) {
		t.Errorf("Trace with a trace active: error = %v, want ErrTraceActive", err)
	}
}

// TestTraceBadParams: Trace checks its parameters like Resolve.
func TestTraceBadParams(t *testing.T) {
	wasOn := trace.IsEnabled() // under go test -trace
	w, err := Lookup("many")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []map[string]string{{"n": "0"}, {"n": "x"}, {"bogus": "1"}} {
		if _, err := Trace(context.Background(), io.Discard, w, p); !errors.Is(err, ErrBadParam) {
			t.Errorf("Trace(many, %v) error = %v, want ErrBadParam", p, err)
		}
	}
	if trace.IsEnabled() && !wasOn {
		t.Fatal("trace left on")
	}
}

// checkWaitGroup: more goroutines than the count all run, and the first
// Done past the count panics; the panic is the outcome and the trace up to
// it is analyzed.
func checkWaitGroup(t *testing.T, res *Result, rep *analyzer.Report) {
	const want = "sync: negative WaitGroup counter"
	if res.Panic == nil || res.Panic.Value != want {
		t.Fatalf("Result.Panic = %+v, want %q", res.Panic, want)
	}
	if !strings.Contains(res.Panic.Stack, "sync.(*WaitGroup).Done") || !strings.Contains(res.Panic.Stack, pkgPrefix+"runWaitGroup") {
		t.Errorf("the panic's stack is not the Done past the count:\n%s", res.Panic.Stack)
	}
	if rep.Run == nil || rep.Run.Panic != want {
		t.Errorf("the report's Run = %+v, want Panic %q from the trace", rep.Run, want)
	}
	// Every goroutine ran, the counted ones and the others: the notes'
	// "only the counted ones run" does not hold.
	n := param(t, res, "goroutines")
	g := group(rep, pkgPrefix+"runWaitGroup.func1")
	if g == nil || g.Count != int64(n) || g.Time.Exec <= 0 {
		t.Errorf("group runWaitGroup.func1 = %+v, want %d goroutines that ran", g, n)
	}
	// Main measures after Wait returns, but a Done past the count may panic
	// (and end the run) before main runs again, and a counted goroutine
	// may not have counted its returned Done yet: the figure is a snapshot
	// that is absent or at most the count, never past it (a Done past the
	// count never returns).
	if m, ok := res.Measurement("done_at_wait_return", ""); ok && (m.Value < 0 || m.Value > float64(param(t, res, "add"))) {
		t.Errorf("done_at_wait_return = %v, want at most the count %d", m.Value, param(t, res, "add"))
	}
}

// TestWaitGroupWaitReturnsEarly: when the goroutines past the count are
// slower than main, Wait returns with the counted Done calls and main
// returns: the others are cut off, still working at the end of the trace.
func TestWaitGroupWaitReturnsEarly(t *testing.T) {
	res, rep := traceRun(t, "waitgroup", "add=2", "goroutines=5", "work=5ms", "late=5s", "after=0s")
	if res.Panic != nil {
		t.Fatalf("panicked: %+v", res.Panic)
	}
	if got := measured(t, res, "cut_off", ""); got != 3 {
		t.Errorf("cut_off = %v, want the 3 goroutines past the count", got)
	}
	if got := working(rep, pkgPrefix+"runWaitGroup.func1"); got != 3 {
		t.Errorf("%d runWaitGroup.func1 goroutines still working at the end, want 3: %+v", got, rep.Goroutines.Working)
	}
}

// checkMainExit: main returned while every goroutine still had work; the
// report names them, alive at the end and never ended.
func checkMainExit(t *testing.T, res *Result, rep *analyzer.Report) {
	n := param(t, res, "goroutines")
	if got := measured(t, res, "finished", ""); got != 0 {
		t.Errorf("finished = %v, want 0 (main returns long before the work is done)", got)
	}
	fn := pkgPrefix + "runMainExit.func1"
	if got := working(rep, fn); got != int64(n) {
		t.Errorf("%d %s goroutines still working at the end, want %d: %+v", got, fn, n, rep.Goroutines.Working)
	}
	if g := group(rep, fn); g == nil || g.Ended != 0 || g.AliveAtEnd != int64(n) {
		t.Errorf("group %s = %+v, want %d alive at the end, none ended", fn, g, n)
	}
	if got := metric(t, rep, "goroutines.working_at_end"); got < float64(n) {
		t.Errorf("goroutines.working_at_end = %v, want >= %d", got, n)
	}
	// The waiters are cut off too: alive at the end, blocked (or not yet
	// run), never ended.
	waiters := param(t, res, "waiters")
	sfn := pkgPrefix + "waitForJob"
	var blocked int64
	for _, g := range rep.Leaks.Groups {
		if g.Start == sfn {
			blocked += g.Count
		}
	}
	if got := blocked + working(rep, sfn); got != int64(waiters) {
		t.Errorf("%d waiters alive at the end (%d blocked), want %d", got, blocked, waiters)
	}
	if got := measured(t, res, "cut_off", ""); got != float64(n+waiters) {
		t.Errorf("cut_off = %v, want %d", got, n+waiters)
	}
}

// checkOversub: pinned threads switch through the kernel (a voluntary
// context switch for most hand-offs), goroutines do not.
func checkOversub(t *testing.T, res *Result, rep *analyzer.Report) {
	pairs := float64(param(t, res, "pairs"))
	for _, v := range []string{VariantGoroutines, VariantThreads} {
		for _, name := range []string{"handoffs_per_sec", "switch_ns", "cpu_ns_per_switch"} {
			if got := measured(t, res, name, v); got <= 0 {
				t.Errorf("%s[%s] = %v, want > 0", name, v, got)
			}
		}
	}
	if got := measured(t, res, "os_threads", VariantThreads); got < 2*pairs {
		t.Errorf("os_threads[%s] = %v, want >= %v (a thread per unit)", VariantThreads, got, 2*pairs)
	}
	th := measured(t, res, "kernel_switches_voluntary", VariantThreads)
	gr := measured(t, res, "kernel_switches_voluntary", VariantGoroutines)
	if th < 100 || gr > th/5 {
		t.Errorf("voluntary kernel switches per 1k hand-offs: threads %v, goroutines %v; want threads >= 100 and goroutines far fewer", th, gr)
	}
}

// group returns the report's goroutine group of a start function.
func group(rep *analyzer.Report, fn string) *analyzer.GoroutineGroup {
	for i := range rep.Goroutines.Groups {
		if rep.Goroutines.Groups[i].Name == fn {
			return &rep.Goroutines.Groups[i]
		}
	}
	return nil
}

// working counts the goroutines of a start function still working at the end.
func working(rep *analyzer.Report, fn string) int64 {
	var n int64
	for _, w := range rep.Goroutines.Working {
		if w.Start == fn {
			n += w.Count
		}
	}
	return n
}

// TestTraceGoroutinePanic: a panic of a workload goroutine that deferred
// CatchPanic ends the trace (complete up to the panic) and the run, with the
// panic as its outcome.
func TestTraceGoroutinePanic(t *testing.T) {
	w := &Workload{Name: "boom", run: func(ctx context.Context, env *Env) error {
		env.Measure(Measurement{Name: "before_panic", Value: 1, Unit: "count"})
		go func() {
			defer env.CatchPanic()
			panic("boom in a goroutine")
		}()
		<-ctx.Done() // the panic cancels the run
		env.Measure(Measurement{Name: "after_panic", Value: 1, Unit: "count"})
		return ctx.Err()
	}}
	var buf bytes.Buffer
	res, err := Trace(context.Background(), &buf, w, nil)
	if errors.Is(err, ErrTraceActive) {
		t.Skip(err)
	}
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom in a goroutine" {
		t.Fatalf("Trace error = %v, want the goroutine's *PanicError", err)
	}
	if res.Panic == nil || res.Panic.Value != "boom in a goroutine" || !strings.Contains(res.Panic.Stack, "TestTraceGoroutinePanic") {
		t.Errorf("Result.Panic = %+v", res.Panic)
	}
	rep, err := analyzer.Analyze(&buf, analyzer.Options{})
	if err != nil {
		t.Fatalf("trace of a panicking goroutine does not analyze: %v", err)
	}
	if rep.Run == nil || rep.Run.Panic != "boom in a goroutine" {
		t.Errorf("report Run = %+v, want the panic", rep.Run)
	}
	// The trace ended at the panic: what came after is in the result only.
	if len(rep.Measurements) != 1 || rep.Measurements[0].Name != "before_panic" || len(res.Measurements) != 2 {
		t.Errorf("measurements: trace %+v, result %+v", rep.Measurements, res.Measurements)
	}
}

// TestWarnf: a workload's doubt about its measurements reaches the result
// and the trace.
func TestWarnf(t *testing.T) {
	w := &Workload{Name: "doubt", run: func(ctx context.Context, env *Env) error {
		env.Warnf("baseline disturbed (%d%%)", 40)
		return nil
	}}
	var buf bytes.Buffer
	res, err := Trace(context.Background(), &buf, w, nil)
	if errors.Is(err, ErrTraceActive) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0] != "baseline disturbed (40%)" {
		t.Errorf("Result.Warnings = %q", res.Warnings)
	}
	rep, err := analyzer.Analyze(&buf, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logged bool
	for _, l := range rep.Annotations.Logs {
		logged = logged || l.Category == NoteCategory && l.Message == "warning: baseline disturbed (40%)"
	}
	if !logged {
		t.Errorf("warning not in the trace: %+v", rep.Annotations.Logs)
	}
}

// TestRateSpread: the syscall workload's baseline is steady when the compute
// rate is the same in every slice, and not when a slice was slowed or the
// clock shows a slice took longer for the same work.
func TestRateSpread(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms ...int) []time.Time {
		var out []time.Time
		for _, m := range ms {
			out = append(out, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return out
	}
	cases := []struct {
		name   string
		counts []int64
		times  []time.Time
		want   float64
	}{
		{"even", []int64{0, 1000, 2000, 3000, 4000}, at(0, 50, 100, 150, 200), 0},
		{"one slice slowed", []int64{0, 1000, 2000, 2500, 3500}, at(0, 50, 100, 150, 200), 0.5},
		{"one slice longer", []int64{0, 1000, 2000, 3000, 4000}, at(0, 50, 100, 250, 300), 2.0 / 3},
		{"within 25%", []int64{0, 1000, 2000, 2800, 3800}, at(0, 50, 100, 150, 200), 0.2},
		{"stopped", []int64{0, 0, 0, 0, 0}, at(0, 50, 100, 150, 200), math.Inf(1)},
	}
	for _, c := range cases {
		got := rateSpread(c.counts, c.times)
		if math.Abs(got-c.want) > 1e-9 && !(math.IsInf(c.want, 1) && math.IsInf(got, 1)) {
			t.Errorf("%s: spread %v, want %v", c.name, got, c.want)
		}
		if steady, want := got <= aloneMaxSpread, c.want <= aloneMaxSpread; steady != want {
			t.Errorf("%s: steady = %v", c.name, steady)
		}
	}
}
