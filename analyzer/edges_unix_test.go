//go:build unix

package analyzer_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/trace"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

// The edge tests that block goroutines in pipe reads (real syscalls).

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
