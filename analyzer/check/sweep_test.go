package check

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/sweep"
)

// sweepOf makes a sweep over param: one entry per value, each with n reports
// whose procs.utilization is center*factor[value] (with noise) and the other
// metrics at their centers.
func sweepOf(seed uint64, param string, values []string, n int, factor map[string]float64) *sweep.Sweep {
	g := newGen(seed, 0.02)
	var entries []sweep.Entry
	for _, v := range values {
		f, ok := factor[v]
		if !ok {
			f = 1
		}
		s := g.samples(n, env1, map[string]float64{"procs.utilization": f})
		e := sweep.Entry{Value: v, Env: env1}
		for _, m := range s.Values {
			e.Reports = append(e.Reports, &analyzer.Report{Metrics: m, Procs: analyzer.ProcStats{GOMAXPROCS: 2}})
		}
		entries = append(entries, e)
	}
	return sweep.New("fanout", param, env1, entries, nil)
}

func TestCompareSweep(t *testing.T) {
	base := FromSweep(sweepOf(1, "workers", []string{"1", "2", "4"}, 8, nil), "base.json")
	// The same work, but with 4 workers the Ps idle a quarter more; 8 is new.
	cur := FromSweep(sweepOf(2, "workers", []string{"1", "4", "8"}, 8, map[string]float64{"4": 0.75}), "")
	res, err := CompareSweep(base, cur, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, e := range res.Entries {
		values = append(values, e.Value)
	}
	if !slices.Equal(values, []string{"1", "4"}) {
		t.Fatalf("values checked %v, want the ones on both sides, matched by value", values)
	}
	if res.Entries[0].Result.Status != StatusPass || res.Entries[1].Result.Status != StatusFail {
		t.Errorf("verdicts %s, %s; want pass at 1, fail at 4", res.Entries[0].Result.Status, res.Entries[1].Result.Status)
	}
	if row := rowOf(t, res.Entries[1].Result, "procs.utilization"); row.Verdict != Regressed {
		t.Errorf("workers=4: utilization verdict %s, want regressed", row.Verdict)
	}
	if res.Status != StatusFail || res.ExitCode() != ExitFail || res.Regressions != 1 {
		t.Errorf("status %s, exit %d, %d regressions; want fail, 1, 1", res.Status, res.ExitCode(), res.Regressions)
	}
	warned := strings.Join(res.Warnings, "\n")
	for _, want := range []string{"workers=8: not in the baseline", "workers=2: in the baseline only"} {
		if !strings.Contains(warned, want) {
			t.Errorf("warnings %q lack %q", res.Warnings, want)
		}
	}
	if src := res.Entries[0].Result.Baseline.Sources[0]; src != "base.json[workers=1][0]" {
		t.Errorf("baseline source %q", src)
	}
}

func TestCompareSweepSingle(t *testing.T) {
	base := FromSweep(sweepOf(1, "workers", []string{"1", "2"}, 6, nil), "base.json")
	g := newGen(3, 0.02)
	e := env1
	e.Params = map[string]string{"workers": "2", "jobs": "100"}
	plain := g.samples(6, e, nil)
	cur, err := base.Single(plain)
	if err != nil {
		t.Fatal(err)
	}
	res, err := CompareSweep(base, cur, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || res.Entries[0].Value != "2" || res.Status != StatusPass || len(res.Warnings) != 0 {
		t.Errorf("a run at workers=2 against the sweep: entries %+v, status %s, warnings %q", res.Entries, res.Status, res.Warnings)
	}
	// GOMAXPROCS sweeps match on the environment's GOMAXPROCS.
	pbase := FromSweep(sweepOf(1, "gomaxprocs", []string{"1", "2"}, 6, nil), "")
	if cur, err := pbase.Single(plain); err != nil || cur.Values[0] != "2" {
		t.Errorf("gomaxprocs: %v, %v", cur, err)
	}
	if _, err := base.Single(g.samples(2, env1, nil)); err == nil {
		t.Errorf("samples that do not say their workers: no error")
	}
}

func TestCompareSweepErrors(t *testing.T) {
	base := FromSweep(sweepOf(1, "workers", []string{"1", "2"}, 4, nil), "")
	other := FromSweep(sweepOf(1, "jobs", []string{"1", "2"}, 4, nil), "")
	disjoint := FromSweep(sweepOf(1, "workers", []string{"3", "5"}, 4, nil), "")
	for _, c := range []struct {
		cur  *SweepSamples
		want string
	}{
		{other, "the baseline sweeps workers, the current samples jobs"},
		{disjoint, "no value of workers in both the baseline (1, 2) and the current samples (3, 5)"},
		{nil, "no current samples"},
	} {
		if _, err := CompareSweep(base, c.cur, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CompareSweep: %v, want %q", err, c.want)
		}
	}
	// Budgets only: no baseline, every value held to the budget.
	res, err := CompareSweep(nil, base, Options{Max: map[string]float64{"procs.utilization": 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || res.BrokenBudgets != 2 || res.ExitCode() != ExitFail {
		t.Errorf("budgets per value: %d entries, %d broken, exit %d", len(res.Entries), res.BrokenBudgets, res.ExitCode())
	}
}

func TestLoadSweep(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sweep.json")
	writeJSON(t, path, sweepOf(1, "workers", []string{"1", "2"}, 3, nil))
	s, isSweep, err := LoadSweep(path)
	if err != nil || !isSweep {
		t.Fatalf("LoadSweep: %v, %v", isSweep, err)
	}
	if s.Param != "workers" || !slices.Equal(s.Values, []string{"1", "2"}) || s.Sets[1].Len() != 3 {
		t.Errorf("loaded %+v", s)
	}
	// Not a sweep: for Load, no error.
	set := filepath.Join(dir, "set.json")
	writeJSON(t, set, analyzer.NewReportSet([]*analyzer.Report{{Metrics: map[string]float64{"a": 1}}}, ""))
	if _, isSweep, err := LoadSweep(set); isSweep || err != nil {
		t.Errorf("LoadSweep(report set) = %v, %v", isSweep, err)
	}
	// Load explains that a sweep goes elsewhere.
	if _, err := Load([]string{path}, analyzer.Options{}); err == nil || !strings.Contains(err.Error(), "a sweep (gotrace run --sweep)") || !errors.Is(err, analyzer.ErrUnreadable) {
		t.Errorf("Load(sweep): %v", err)
	}
	bad := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(bad, []byte(`{"kind": "gotrace.sweep", "param": "workers", "entries": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, isSweep, err := LoadSweep(bad); !isSweep || err == nil || !strings.Contains(err.Error(), "empty.json: sweep holds no values") {
		t.Errorf("LoadSweep(empty) = %v, %v", isSweep, err)
	}
}

func TestMetricName(t *testing.T) {
	for _, ok := range []string{"switches.per_sec", "measure.switch_ns.threads_1_1", "block.reason.sync.count"} {
		if err := MetricName("--metric", ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if err := MetricName("--metric", "switches.per_second"); err == nil || !strings.Contains(err.Error(), `--metric: unknown metric "switches.per_second"; did you mean switches.per_sec`) {
		t.Errorf("bad name: %v", err)
	}
}
