package diff_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/diff"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
	"github.com/gotrace/gotrace/internal/machinelock"
	"github.com/gotrace/gotrace/workloads"
)

// mutexRuns traces the mutex workload n times in this process, with the lock
// held for work, and analyzes each trace with every stack listed.
func mutexRuns(t *testing.T, n int, work string) *check.Samples {
	t.Helper()
	w, err := workloads.Lookup("mutex")
	if err != nil {
		t.Fatal(err)
	}
	params, err := w.Resolve([]string{"work=" + work, "iterations=300", "outside=5us"})
	if err != nil {
		t.Fatal(err)
	}
	set := &analyzer.ReportSet{}
	for i := range n {
		var buf bytes.Buffer
		if _, err := workloads.Trace(context.Background(), &buf, w, params); err != nil {
			t.Fatal(err)
		}
		r, err := analyzer.Analyze(&buf, analyzer.Options{Name: "mutex " + work + " #" + string(rune('1'+i)), Top: -1})
		if err != nil {
			t.Fatal(err)
		}
		set.Reports = append(set.Reports, r)
	}
	return check.FromReports(set)
}

// lockLine is the line of mu.Lock() in the mutex workload's source.
func lockLine(t *testing.T) int {
	t.Helper()
	f, err := os.Open(filepath.Join(testtraces.Root(), "workloads", "mutex.go"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "mu.Lock()" {
			return n
		}
	}
	t.Fatal("no mu.Lock() in workloads/mutex.go")
	return 0
}

// TestMutexGroundTruth: the same lock held 10µs, then 40µs, five runs a
// side. The diff must rank the Lock stack first under blocking, growing,
// at the workload's own mu.Lock() line; the default check must fail and
// name a blocking or a wall-time metric.
func TestMutexGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("records 10 traces of the mutex workload")
	}
	machinelock.Hold(t)
	base := mutexRuns(t, 5, "10us")
	cur := mutexRuns(t, 5, "40us")

	d := check.Diff(base, cur, diff.Options{})
	if !d.Tested || len(d.Blocking) == 0 {
		t.Fatalf("tested %v, %d blocking rows", d.Tested, len(d.Blocking))
	}
	top := d.Blocking[0]
	if top.Reason != "sync" || top.Where[0].Function == "" || !hasFunc(top.Where, "sync.(*Mutex).Lock") {
		t.Errorf("first blocking row is not the Lock stack: %+v", top)
	}
	if top.User == nil || filepath.Base(top.User.File) != "mutex.go" || top.User.Line != lockLine(t) {
		t.Errorf("Lock row's user frame %+v, want workloads/mutex.go:%d", top.User, lockLine(t))
	}
	if !top.Significant || top.DeltaNS <= 0 || top.CurrentNS < 2*top.BaseNS {
		t.Errorf("Lock row not growing significantly: %+v p=%v", top, top.P)
	}

	res, err := check.Compare(base, cur, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	for _, row := range res.Rows {
		if row.Verdict == check.Regressed {
			named = append(named, row.Metric)
		}
		if strings.HasPrefix(row.Metric, "sched.latency.") && row.Verdict == check.Improved {
			t.Errorf("%s called an improvement: %+v", row.Metric, row)
		}
	}
	blockOrWall := false
	for _, m := range named {
		blockOrWall = blockOrWall || strings.HasPrefix(m, "block.") || m == "trace.duration_ns"
	}
	if res.ExitCode() != check.ExitFail || !blockOrWall {
		t.Errorf("default check: exit %d, regressions %v; want a failure naming a block.* or trace.duration_ns metric", res.ExitCode(), named)
	}
	if res.Diff == nil || len(res.Diff.Blocking) == 0 || !hasFunc(res.Diff.Blocking[0].Where, "sync.(*Mutex).Lock") {
		t.Errorf("the failed check does not explain itself with the Lock stack: %+v", res.Diff)
	}
}

func hasFunc(where []diff.Frame, fn string) bool {
	for _, f := range where {
		if f.Function == fn {
			return true
		}
	}
	return false
}

// TestDiffItself: every committed trace against itself, as one sample a
// side and as three: every delta is zero and nothing is significant, new
// or vanished.
func TestDiffItself(t *testing.T) {
	for _, path := range testtraces.Committed(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			r, err := analyzer.AnalyzeFile(path, analyzer.Options{Top: -1})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 3} {
				var reports []*analyzer.Report
				for range n {
					reports = append(reports, r)
				}
				d := diff.Compare(diff.Side{Reports: reports}, diff.Side{Reports: reports}, diff.Options{Top: -1})
				if d.Tested != (n > 1) {
					t.Errorf("%d a side: tested %v", n, d.Tested)
				}
				rows := 0
				each(d, func(what string, st diff.Stat, delta float64) {
					rows++
					if delta != 0 || st.Significant || st.Status != "" || (st.DeltaPct != nil && *st.DeltaPct != 0) {
						t.Errorf("%d a side: %s row changed: delta %v, %+v", n, what, delta, st)
					}
					if n > 1 && (st.P == nil || *st.P != 1) {
						t.Errorf("%d a side: %s row p = %v, want 1", n, what, st.P)
					}
				})
				if rows < 20 || len(d.Blocking) == 0 || len(d.Groups) == 0 {
					t.Errorf("%d a side: only %d rows (%d blocking, %d groups)", n, rows, len(d.Blocking), len(d.Groups))
				}
			}
		})
	}
}

// each calls f for every row of a diff.
func each(d *diff.Diff, f func(what string, st diff.Stat, delta float64)) {
	for _, r := range d.Metrics {
		f("metric "+r.Metric, r.Stat, r.Delta)
	}
	for _, r := range d.Groups {
		f("group "+r.Group+" "+r.State, r.Stat, r.DeltaNS)
	}
	for _, r := range d.Blocking {
		f("blocking "+r.Reason, r.Stat, r.DeltaNS)
	}
	for _, r := range d.Syscalls {
		f("syscall", r.Stat, r.DeltaNS)
	}
	for _, r := range d.Distributions {
		f(r.Dist+" "+r.Quantile, r.Stat, r.DeltaNS)
	}
	for _, r := range d.Tasks {
		f(r.Kind+" "+r.Type+" "+r.Quantity, r.Stat, r.Delta)
	}
}
