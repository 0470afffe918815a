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
