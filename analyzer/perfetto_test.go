package analyzer_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
	"github.com/gotrace/gotrace/analyzer/perfetto"
	"golang.org/x/exp/trace"
)

// exportTrace exports a trace file and decodes the timeline.
func exportTrace(t *testing.T, path string, workers int) (*analyzer.Report, []byte, *perfetto.Trace) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := analyzer.ExportFile(path, &buf, analyzer.Options{Top: -1, Workers: workers})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr, err := perfetto.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%s: decoding the timeline: %v", path, err)
	}
	return rep, buf.Bytes(), tr
}

// TestPerfettoTimeline holds the timeline to what a viewer needs and to the
// report of the same pass: tracks declared with unique uuids and declared
// parents, interned ids resolved on their sequence, slices nesting on every
// track, every goroutine on one P at a time; per goroutine group, the
// running intervals add up to the report's exec time, and there are as many
// as goroutine switches plus syscall returns to a P (a goroutine starts
// running either way).
func TestPerfettoTimeline(t *testing.T) {
	paths := testtraces.Committed(t)
	if !testing.Short() {
		paths = append(paths, testtraces.Shared(t)...)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rep, _, tr := exportTrace(t, path, 0)
			slices, runs, err := tr.Check()
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) == 0 || len(slices) == 0 {
				t.Fatalf("%d runs, %d slices: the timeline is empty", len(runs), len(slices))
			}
			// Thread (goroutine) -> group name, from the descriptors.
			procs := map[int64]string{}
			threads := map[int64]int64{}
			for _, k := range tr.Tracks {
				if k.Process {
					procs[k.PID] = k.Name
				}
			}
			for _, k := range tr.Tracks {
				if k.Thread {
					if _, ok := procs[k.PID]; !ok {
						t.Fatalf("thread %d (%s) in undeclared process %d", k.TID, k.Name, k.PID)
					}
					threads[k.TID] = k.PID
				}
			}
			exec := map[string]int64{}
			for _, r := range runs {
				pid, ok := threads[r.TID]
				if !ok {
					t.Fatalf("goroutine %d runs but has no track", r.TID)
				}
				exec[procs[pid]] += r.End - r.Start
			}
			want := map[string]int64{}
			for _, g := range rep.Goroutines.Groups {
				name := g.Name
				if name == "(unknown)" {
					name = "(start function unknown)"
				}
				want[name] += g.Time.Exec
			}
			for name, w := range want {
				if exec[name] != w {
					t.Errorf("group %s: running %d ns in the timeline, exec %d ns in the report", name, exec[name], w)
				}
			}
			for name, got := range exec {
				if _, ok := want[name]; !ok && got != 0 {
					t.Errorf("group %s runs %d ns in the timeline but is not in the report", name, got)
				}
			}
			starts := int64(len(runs))
			if w := rep.Switches.Total + rep.Syscalls.KeptP + preTraceRunning(t, path); starts != w {
				t.Errorf("%d running intervals, want %d switches + %d syscall returns to the P (+ running at the start)", starts, rep.Switches.Total, rep.Syscalls.KeptP)
			}
			// Wakings wake goroutines that are not running.
			for _, w := range tr.Wakings {
				if _, ok := threads[w.PID]; !ok {
					t.Fatalf("waking at %d of goroutine %d, which has no track", w.TS, w.PID)
				}
			}
			for _, r := range runs {
				if r.End < r.Start {
					t.Fatalf("run of goroutine %d ends before it begins", r.TID)
				}
			}
			waits := 0
			for _, s := range slices {
				if len(s.Stack) > 0 {
					waits++
				}
			}
			if rep.Blocking.Count > 0 && waits == 0 {
				t.Errorf("no slice carries a stack")
			}
		})
	}
}

// preTraceRunning counts, from the raw events, the goroutines already
// running when the trace began: their first run starts without a switch.
func preTraceRunning(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := trace.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for {
		ev, err := r.ReadEvent()
		if err != nil {
			break
		}
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		if from, to := st.Goroutine(); from == trace.GoUndetermined && to == trace.GoRunning {
			n++
		}
	}
	return n
}

// TestPerfettoWorkersAgree: the timeline does not depend on how many
// generations are decoded at once.
func TestPerfettoWorkersAgree(t *testing.T) {
	path := filepath.Join(testtraces.Root(), "testdata", "traces", "multigen.trace")
	_, a, _ := exportTrace(t, path, 1)
	_, b, _ := exportTrace(t, path, 4)
	if !bytes.Equal(a, b) {
		t.Fatalf("timelines differ: %d bytes with one worker, %d with four", len(a), len(b))
	}
}

// TestPerfettoGolden compares the decoded timeline of a small committed
// trace with testdata/golden/small.perfetto.txt (go test -update rewrites it).
func TestPerfettoGolden(t *testing.T) {
	root := testtraces.Root()
	_, _, tr := exportTrace(t, filepath.Join(root, "testdata", "traces", "small.trace"), 0)
	var got bytes.Buffer
	if err := tr.Dump(&got); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(root, "testdata", "golden", "small.perfetto.txt")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("line %d differs:\n got %s\nwant %s\n(go test -update rewrites the golden file)", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%d lines, want %d (go test -update rewrites the golden file)", len(gl), len(wl))
	}
}

var update = flag.Bool("update", false, "rewrite golden files")
