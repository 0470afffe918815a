package analyzer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
)

// TestMatchesRawCount holds the report to an independent count of the raw
// x/exp/trace events of committed and shared real traces: goroutines created
// and ended, switches and why goroutines stopped running, Running time
// (open intervals counted to the end), syscalls and the most at once.
func TestMatchesRawCount(t *testing.T) {
	committed := testtraces.Committed(t)
	files := append(committed, testtraces.Shared(t)...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, ok := rawCount(t, f)
			if !ok {
				if slices.Contains(committed, f) {
					t.Fatal("a committed trace must be a complete Go 1.22+ trace")
				}
				t.Skip("not a complete Go 1.22+ trace")
			}
			compareRaw(t, f, raw)
		})
	}
}

// compareRaw analyzes path and compares the report with raw.
func compareRaw(t *testing.T, path string, raw rawCounts) *analyzer.Report {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r, err := analyzer.Analyze(fh, analyzer.Options{Top: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Switches.Out; got.Blocked != raw.out.Blocked || got.Preempted != raw.out.Preempted ||
		got.Yielded != raw.out.Yielded || got.Syscall != raw.out.Syscall || got.Exited != raw.out.Exited {
		t.Errorf("switch-outs\n got %+v\nwant %+v (x/exp transitions)", got, raw.out)
	}
	exact := []struct {
		name      string
		got, want int64
	}{
		{"goroutines.created", r.Goroutines.Created, raw.created},
		{"goroutines.ended", r.Goroutines.Ended, raw.ended},
		{"switches.total", r.Switches.Total, raw.switches},
		{"syscalls.count", r.Syscalls.Count, raw.syscalls},
		{"syscalls.preexisting", r.Syscalls.Preexisting, raw.syscallPre},
		{"syscalls.max_concurrent", r.Syscalls.MaxConcurrent, raw.syscallMax},
	}
	for _, e := range exact {
		if e.got != e.want {
			t.Errorf("%s = %d, raw count %d", e.name, e.got, e.want)
		}
	}
	// A whole-file reader moves events at generation boundaries (see
	// oracleBoundaryMoves); old formats carry 1ns steps gotrace takes as
	// ties. Times agree within 0.5% beyond what the moves explain.
	moved := oracleBoundaryMoves(t, path)
	var tie int64 // ns an old-format interval may lose to tie collapsing
	if v := 0; traceMinor(r.Source.Format, &v) && v < 22 {
		tie = 2 * 8 // v1TieBump at each end
	}
	near := []struct {
		name      string
		got, want int64
		intervals int64
	}{
		{"procs.busy_ns", r.Procs.BusyNS, raw.busyNS, raw.switches + r.Goroutines.PreExisting},
		{"syscalls.completed_ns", r.Syscalls.CompletedNS, raw.syscallNS, raw.syscalls + raw.syscallPre},
		{"syscalls.open_ns", r.Syscalls.OpenNS, raw.syscallOpenNS, raw.syscallPre},
	}
	for _, e := range near {
		diff := max(e.got-e.want, e.want-e.got)
		slack := moved + tie*e.intervals
		if diff > slack && float64(diff-slack) > 0.005*float64(max(e.want, 1)) {
			t.Errorf("%s = %d, raw count %d: differ by %d ns beyond the %d ns explained by generation boundaries and ties", e.name, e.got, e.want, diff, slack)
		}
	}
	return r
}

// traceMinor reads the minor version of a "go 1.NN trace" format.
func traceMinor(format string, v *int) bool {
	_, err := fmt.Sscanf(format, "go 1.%d", v)
	return err == nil
}
