package workloads

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

// childSpec runs the test binary as the child (see TestMain).
func childSpec(t *testing.T, workload string, params map[string]string) ChildSpec {
	t.Helper()
	return ChildSpec{
		Exe:       os.Args[0],
		Workload:  workload,
		Params:    params,
		TraceFile: filepath.Join(t.TempDir(), workload+".trace"),
		Timeout:   60 * time.Second,
		Env:       []string{childEnv + "=1"},
	}
}

// runChild runs a child that must succeed and analyzes its trace.
func runChild(t *testing.T, s ChildSpec) (*Result, *analyzer.Report) {
	t.Helper()
	res, err := RunChild(context.Background(), s)
	if err != nil {
		t.Fatalf("RunChild(%s): %v", s.Workload, err)
	}
	rep, err := analyzer.AnalyzeFile(s.TraceFile, analyzer.Options{})
	if err != nil {
		t.Fatalf("analyzing the child's trace: %v", err)
	}
	w, err := Lookup(s.Workload)
	if err != nil {
		t.Fatal(err)
	}
	params, err := w.values(s.Params)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, res, rep, s.Workload, w.canonical(params))
	return res, rep
}

func TestRunChild(t *testing.T) {
	s := childSpec(t, "fanout", map[string]string{"workers": "3", "jobs": "200", "work": "100us"})
	s.GOMAXPROCS = 1
	res, rep := runChild(t, s)
	if res.GOMAXPROCS != 1 {
		t.Errorf("child ran with GOMAXPROCS %d, want 1", res.GOMAXPROCS)
	}
	if got := metric(t, rep, "procs.gomaxprocs"); got != 1 {
		t.Errorf("trace says GOMAXPROCS %v, want 1", got)
	}
	if got := res.Params["work"]; got != "100µs" {
		t.Errorf("Result.Params[work] = %q, want the canonical 100µs", got)
	}
	checkFanout(t, res, rep)
	// The child's trace holds only the workload: no goroutine of a test
	// harness is blocked in it, so the strict metric must be 0.
	if got := metric(t, rep, "goroutines.leaked"); got != 0 {
		t.Errorf("goroutines.leaked = %v in the child's trace, want 0: %+v", got, rep.Leaks.Groups)
	}
	if got := metric(t, rep, "goroutines.blocked_at_end"); got != 0 {
		t.Errorf("goroutines.blocked_at_end = %v in the child's trace, want 0: %+v", got, rep.Leaks.Groups)
	}
}

// TestRunChildDeadlock: in a program of its own, the notes' deadlock blocks
// the main goroutine, which the report must name.
func TestRunChildDeadlock(t *testing.T) {
	res, rep := runChild(t, childSpec(t, "deadlock", map[string]string{"hold": "300ms", "work": "1ms"}))
	checkDeadlock(t, res, rep)
	for _, g := range rep.Leaks.Groups {
		if hasFrame(g.Stack, "sync.(*WaitGroup).Wait") && !hasFrame(g.Stack, "main.main") {
			t.Errorf("the goroutine blocked in wg.Wait is not the main goroutine: start %s, stack %+v", g.Start, g.Stack)
		}
	}
}

func TestRunChildTimeout(t *testing.T) {
	s := childSpec(t, "deadlock", map[string]string{"hold": "10m"})
	s.Timeout = 500 * time.Millisecond
	start := time.Now()
	res, err := RunChild(context.Background(), s)
	d := time.Since(start)
	if err == nil {
		t.Fatalf("RunChild of a child blocked for 10m with a 500ms timeout returned %+v, want an error", res)
	}
	if !strings.Contains(err.Error(), "timed out after 500ms") {
		t.Errorf("error %q does not say the child timed out", err)
	}
	if d > 10*time.Second {
		t.Errorf("RunChild returned %v after a 500ms timeout", d)
	}
}

func TestRunChildCancel(t *testing.T) {
	s := childSpec(t, "leak", map[string]string{"hold": "10m"})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := RunChild(ctx, s)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RunChild with a cancelled context: error = %v, want the context's error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("RunChild returned %v after its context ended", d)
	}
}

func TestRunChildCrash(t *testing.T) {
	s := childSpec(t, "fanout", nil)
	s.Env = []string{childEnv + "=crash"}
	_, err := RunChild(context.Background(), s)
	if err == nil {
		t.Fatal("RunChild of a crashing child returned no error")
	}
	msg := err.Error()
	for _, want := range []string{"exit status 2", "panic: simulated crash in the child", "last stderr lines"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not contain %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "noise line 1\n") || strings.Count(msg, "\n\t") > stderrTailLines+2 {
		t.Errorf("error holds more than the stderr tail:\n%s", msg)
	}
}

func TestRunChildErrors(t *testing.T) {
	s := childSpec(t, "nope", nil)
	if _, err := RunChild(context.Background(), s); !errors.Is(err, ErrUnknownWorkload) {
		t.Errorf("unknown workload: error = %v, want ErrUnknownWorkload", err)
	}
	s = childSpec(t, "fanout", map[string]string{"workers": "many"})
	if _, err := RunChild(context.Background(), s); !errors.Is(err, ErrBadParam) || !strings.Contains(err.Error(), "workers") {
		t.Errorf("bad parameter: error = %v, want ErrBadParam naming workers", err)
	}
	s = childSpec(t, "fanout", nil)
	s.TraceFile = ""
	if _, err := RunChild(context.Background(), s); err == nil {
		t.Error("no trace file: no error")
	}
	s = childSpec(t, "fanout", nil)
	s.Exe = filepath.Join(t.TempDir(), "does-not-exist")
	if _, err := RunChild(context.Background(), s); err == nil {
		t.Error("missing executable: no error")
	}
}

func TestChildMainUsage(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.trace")
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{nil, "usage"},
		{[]string{"--trace", f}, "usage"},
		{[]string{"nope", "--trace", f}, "known workloads: deadlock, fanout"},
		{[]string{"fanout"}, "usage"},
		{[]string{"fanout", "--trace", f, "extra"}, "usage"},
		{[]string{"fanout", "--trace", f, "--set", "bogus=1"}, `"bogus"`},
		{[]string{"fanout", "--trace", f, "--set", "workers=0"}, "workers"},
		{[]string{"fanout", "--bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := ChildMain(tt.args, &stdout, &stderr)
		if code != 2 {
			t.Errorf("ChildMain(%q) = %d, want 2", tt.args, code)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("ChildMain(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("ChildMain(%q) wrote to stdout: %q", tt.args, stdout.String())
		}
	}
	if _, err := os.Stat(f); err == nil {
		t.Errorf("a usage error created the trace file")
	}
}

// TestRunChildPanic: the waitgroup workload's child dies of the panic (Done
// past the count), as the program would, but ends its trace first: RunChild
// returns its result with the panic, and the trace analyzes up to it.
func TestRunChildPanic(t *testing.T) {
	s := childSpec(t, "waitgroup", map[string]string{"add": "1", "goroutines": "3", "work": "5ms"})
	res, rep := runChild(t, s)
	if res.Panic == nil || res.Panic.Value != "sync: negative WaitGroup counter" {
		t.Fatalf("Result.Panic = %+v, want the negative counter", res.Panic)
	}
	if rep.Run == nil || rep.Run.Panic != res.Panic.Value {
		t.Errorf("the trace does not record the panic: Run = %+v", rep.Run)
	}
	if rep.Trace.Truncated {
		t.Errorf("the trace of the panicking child is truncated")
	}
	if g := group(rep, pkgPrefix+"runWaitGroup.func1"); g == nil || g.Count != 3 {
		t.Errorf("group runWaitGroup.func1 = %+v, want the 3 goroutines", g)
	}
}

// TestRunChildSyscallOneP: with one P, the computing goroutines keep going
// while others block in syscalls: the P is handed off and the process grows
// threads (a 1:N library would stop them all).
func TestRunChildSyscallOneP(t *testing.T) {
	s := childSpec(t, "syscall", map[string]string{"blockers": "3", "block": "30ms", "rounds": "2", "baseline": "60ms"})
	s.GOMAXPROCS = 1
	res, rep := runChild(t, s)
	if got := metric(t, rep, "procs.gomaxprocs"); got != 1 {
		t.Fatalf("GOMAXPROCS %v, want 1", got)
	}
	if got := measured(t, res, "compute_ops_per_sec", "during blocking syscalls"); got <= 0 {
		t.Errorf("no compute progress during the blocking syscalls on one P")
	}
	// Blocked in syscalls for most of the phase, a P held by them would
	// leave the computers a small fraction of their speed.
	if got := measured(t, res, "compute_progress_ratio", ""); got < 0.3 {
		t.Errorf("compute_progress_ratio = %v on one P, want the computer to keep running (>= 0.3); warnings %q", got, res.Warnings)
	}
	if got := metric(t, rep, "syscalls.lost_p"); got < 1 {
		t.Errorf("syscalls.lost_p = %v, want the P handed off", got)
	}
	if before, during := measured(t, res, "os_threads", "before"), measured(t, res, "os_threads", "during blocking syscalls"); during <= before {
		t.Errorf("OS threads %v before, %v during the blocking syscalls: want more", before, during)
	}
}
