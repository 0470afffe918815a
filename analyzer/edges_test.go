package analyzer_test

// Tests of the numbers at the edges of a trace: states under way when the
// trace began, states still open when it ended, and states that span
// generations. Each compares the report with ground truth the test sets up,
// and with rawCount, an independent count of the raw events.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
)

// edgeRecord runs f under runtime/trace in this process and returns the
// trace's path.
func edgeRecord(t *testing.T, f func()) string {
	t.Helper()
	path, _ := oracleRecord(t, "edge", func() (struct{}, error) { f(); return struct{}{}, nil })
	return path
}

// TestOpenRunningCountsToEnd: a goroutine spinning until trace.Stop is
// Running when the trace ends; its time counts up to the last event.
func TestOpenRunningCountsToEnd(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var stop atomic.Bool
	done := make(chan struct{})
	path := edgeRecord(t, func() {
		go func() {
			defer close(done)
			for !stop.Load() {
			}
		}()
		time.Sleep(30 * time.Millisecond)
	})
	stop.Store(true)
	<-done
	raw, ok := rawCount(t, path)
	if !ok {
		t.Fatal("raw count failed")
	}
	r := compareRaw(t, path, raw)
	if d := max(r.Procs.BusyNS-raw.busyNS, raw.busyNS-r.Procs.BusyNS); float64(d) > 0.005*float64(raw.busyNS) {
		t.Errorf("procs.busy_ns = %d, raw count %d (open Running counted to the end): off by %d", r.Procs.BusyNS, raw.busyNS, d)
	}
	// The spinner alone keeps one of the two Ps busy for the whole trace.
	if u := r.Procs.Utilization; u < 0.45 {
		t.Errorf("utilization %.3f, want >= 0.45 with one goroutine spinning on 2 Ps", u)
	}
	var perP int64
	for _, p := range r.Procs.PerP {
		perP += p.BusyNS
	}
	if perP != r.Procs.BusyNS {
		t.Errorf("per-P busy sums %d, total %d", perP, r.Procs.BusyNS)
	}
	var tl float64
	for _, u := range r.Timeline.Utilization {
		tl += u
	}
	if mean := tl / float64(len(r.Timeline.Utilization)); mean < 0.45 {
		t.Errorf("timeline utilization mean %.3f, want >= 0.45", mean)
	}
}

// TestStatesBeganBeforeTrace: a syscall and a channel wait under way when
// the trace starts, both ending inside it, count from the trace start; the
// syscall is counted apart, not as one of the trace's syscalls.
func TestStatesBeganBeforeTrace(t *testing.T) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		t.Skipf("pipe: %v", err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	ch := make(chan int)
	done := make(chan struct{}, 2)
	go edgeBeforeReader(p[0], done)
	go edgeBeforeReceiver(ch, done)
	time.Sleep(20 * time.Millisecond) // both blocked before the trace starts
	const hold = 60 * time.Millisecond
	path := edgeRecord(t, func() {
		time.Sleep(hold)
		syscall.Write(p[1], []byte{1})
		ch <- 1
		<-done
		<-done
	})
	raw, ok := rawCount(t, path)
	if !ok {
		t.Fatal("raw count failed")
	}
	r := compareRaw(t, path, raw)
	if r.Syscalls.Preexisting < 1 {
		t.Errorf("syscalls.preexisting = %d, want >= 1 (the pipe read under way)", r.Syscalls.Preexisting)
	}
	if got := r.Syscalls.CompletedNS; got < int64(hold) {
		t.Errorf("syscalls.completed_ns = %v, want >= %v: the pipe read counts from the trace start", time.Duration(got), hold)
	}
	if r.Syscalls.Dist.Max >= uint64(hold) {
		t.Errorf("syscall distribution max %v: the cut pipe read must not be in it", time.Duration(r.Syscalls.Dist.Max))
	}
	var recv *analyzer.GoroutineGroup
	for i, g := range r.Goroutines.Groups {
		if strings.HasSuffix(g.Name, "edgeBeforeReceiver") {
			recv = &r.Goroutines.Groups[i]
		}
	}
	if recv == nil {
		var names []string
		for _, g := range r.Goroutines.Groups {
			names = append(names, g.Name)
		}
		t.Fatalf("no group edgeBeforeReceiver in %q", names)
	}
	// The runtime announces a goroutine that is woken before the trace's
	// first generation ends only when it is woken, with no stack: the
	// reason is unknown, and the wait counts from the trace start.
	if got := recv.Time.BlockedBy["unknown"] + recv.Time.BlockedBy["chan"]; got < int64(hold) {
		t.Errorf("edgeBeforeReceiver blocked %v (%v), want >= %v: the wait counts from the trace start", time.Duration(got), recv.Time.BlockedBy, hold)
	}
	if r.Blocking.Preexisting < 1 {
		t.Errorf("block.preexisting = %d, want >= 1", r.Blocking.Preexisting)
	}
	// go tool trace's total leaves out the syscall's time before its first
	// event.
	if gt := r.GoToolTrace; gt.SyscallNS > r.Syscalls.CompletedNS-int64(hold)+int64(10*time.Millisecond) {
		t.Errorf("gotooltrace.syscall_ns %v, syscalls.completed_ns %v: the first %v of the pipe read should be left out", time.Duration(gt.SyscallNS), time.Duration(r.Syscalls.CompletedNS), hold)
	}
}

//go:noinline
func edgeBeforeReader(fd int, done chan<- struct{}) {
	var b [1]byte
	syscall.Read(fd, b[:])
	done <- struct{}{}
}

// edgeBeforeReceiver waits on ch, then sleeps: the trace shows no stack for
// a goroutine first seen when it is woken, so the sleep's stack names it.
//
//go:noinline
func edgeBeforeReceiver(ch <-chan int, done chan<- struct{}) {
	<-ch
	time.Sleep(time.Millisecond)
	done <- struct{}{}
}

// edgeChildEnv names the scenario a re-executed test binary runs.
const edgeChildEnv = "GOTRACE_EDGE_CHILD"

// TestEdgeChild is not a test: it is the scenario a test runs in a child
// process, with GODEBUG settings that only take effect at process start.
func TestEdgeChild(t *testing.T) {
	out := os.Getenv(edgeChildEnv)
	if out == "" {
		t.Skip("runs only as a child of TestSyscallConcurrencyAcrossGenerations")
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		t.Fatal(err)
	}
	edgeSyscallsAcrossGenerations()
	trace.Stop()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// edgeSyscallsAcrossGenerations blocks one goroutine in a pipe read for
// 150ms while, in a later generation, three more block in reads of their own.
func edgeSyscallsAcrossGenerations() {
	pipe := func() (int, int) {
		var p [2]int
		if err := syscall.Pipe(p[:]); err != nil {
			panic(err)
		}
		return p[0], p[1]
	}
	done := make(chan struct{})
	r0, w0 := pipe()
	go edgeBeforeReader(r0, done)
	time.Sleep(100 * time.Millisecond) // several generations of silence
	var ws []int
	for range 3 {
		r, w := pipe()
		ws = append(ws, w)
		go edgeBeforeReader(r, done)
	}
	time.Sleep(20 * time.Millisecond)
	for _, w := range ws {
		syscall.Write(w, []byte{1})
	}
	for range 3 {
		<-done
	}
	time.Sleep(30 * time.Millisecond)
	syscall.Write(w0, []byte{1})
	<-done
}

// TestSyscallConcurrencyAcrossGenerations: a goroutine in a syscall through
// generations without an event counts among the syscalls under way when
// three others block in a later generation.
func TestSyscallConcurrencyAcrossGenerations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gens.trace")
	cmd := exec.Command(os.Args[0], "-test.run=^TestEdgeChild$", "-test.v")
	cmd.Env = append(os.Environ(), edgeChildEnv+"="+path, "GODEBUG=traceadvanceperiod=10000000")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	raw, ok := rawCount(t, path)
	if !ok {
		t.Fatal("raw count failed")
	}
	r := compareRaw(t, path, raw)
	if r.Trace.Generations < 5 {
		t.Errorf("%d generations, want >= 5 (GODEBUG=traceadvanceperiod=10ms over 150ms)", r.Trace.Generations)
	}
	if r.Syscalls.MaxConcurrent < 4 {
		t.Errorf("syscalls.max_concurrent = %d, want >= 4 (one read across generations, three later)", r.Syscalls.MaxConcurrent)
	}
}

// TestGoTestprogs records Go's own trace test programs (from GOROOT, run
// with go run, generations every 20ms) and holds the report to the raw count.
func TestGoTestprogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a dozen programs")
	}
	gocmd := oracleGo(t)
	dir := filepath.Join(testtraces.GoRoot(), "src", "internal", "trace", "testdata", "testprog")
	progs, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	if len(progs) == 0 {
		t.Skipf("no trace test programs in %s", dir)
	}
	work := t.TempDir()
	for _, src := range progs {
		name := strings.TrimSuffix(filepath.Base(src), ".go")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), `"internal/`) {
				t.Skip("imports a standard-library internal package")
			}
			prog := filepath.Join(work, name+".go")
			if err := os.WriteFile(prog, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(work, name+".trace")
			f, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(gocmd, "run", prog)
			cmd.Dir = work
			cmd.Stdout = f
			cmd.Env = append(os.Environ(), "GODEBUG=traceadvanceperiod=20000000")
			var msg strings.Builder
			cmd.Stderr = &msg
			err = cmd.Run()
			f.Close()
			if err != nil {
				if strings.Contains(name, "cgo") {
					t.Skipf("cannot build a cgo program here: %v\n%s", err, msg.String())
				}
				t.Fatalf("go run %s: %v\n%s", name, err, msg.String())
			}
			raw, ok := rawCount(t, out)
			if !ok {
				t.Skip("x/exp/trace cannot read the trace to its end")
			}
			r := compareRaw(t, out, raw)
			if name == "wait-on-pipe" {
				// A read blocked 10ms before the trace and 100ms into it.
				if r.Syscalls.Preexisting != 1 || r.Syscalls.CompletedNS < int64(100*time.Millisecond) {
					t.Errorf("wait-on-pipe: syscalls.preexisting = %d, completed %v; want 1 and >= 100ms", r.Syscalls.Preexisting, time.Duration(r.Syscalls.CompletedNS))
				}
			}
			t.Logf("%s: %d generations, busy %v, switches %d, syscalls %d (+%d under way at the start), at most %d at once",
				name, r.Trace.Generations, time.Duration(r.Procs.BusyNS), r.Switches.Total, r.Syscalls.Count, r.Syscalls.Preexisting, r.Syscalls.MaxConcurrent)
		})
	}
}

// TestRegionOfGoroutineRunningAtStart: a goroutine running when the trace
// begins (announced, not created) opens and closes a region; the region is
// complete, not one begun before the trace.
func TestRegionOfGoroutineRunningAtStart(t *testing.T) {
	path := edgeRecord(t, func() {
		trace.WithRegion(context.Background(), "edge-region", func() {
			time.Sleep(2 * time.Millisecond)
		})
	})
	r, err := analyzer.AnalyzeFile(path, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range r.Annotations.Regions {
		if k.Type == "edge-region" {
			if k.Count != 1 || k.Duration.Max < uint64(2*time.Millisecond) {
				t.Errorf("region edge-region: %d completed, longest %v; want 1 of at least 2ms", k.Count, time.Duration(k.Duration.Max))
			}
			return
		}
	}
	t.Errorf("no region edge-region in %+v", r.Annotations.Regions)
}
