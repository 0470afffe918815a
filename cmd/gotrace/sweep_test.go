package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/sweep"
)

// sweepJSON decodes a sweep.
func sweepJSON(t *testing.T, s string) *sweep.Sweep {
	t.Helper()
	var sw sweep.Sweep
	if err := json.Unmarshal([]byte(s), &sw); err != nil {
		t.Fatalf("not a JSON sweep: %v\n%.300s", err, s)
	}
	return &sw
}

// TestRunSweep: a sweep of two values gives two entries with the right
// parameters, each with --count reports, and keeps each run's trace.
func TestRunSweep(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := gotrace(t, nil, "run", "fanout", "--sweep", "workers=1,2", "--set", "jobs=40", "--set", "work=50us",
		"--count", "2", "--trace-out", filepath.Join(dir, "f.trace"), "--format", "json", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	sw := sweepJSON(t, out)
	if want := buildinfo.NewHeader(sweep.Kind, sweep.Schema); sw.Header != want || !strings.HasPrefix(out, "{\n  \"schema\": 1,\n  \"kind\": \"gotrace.sweep\",\n  \"producer\": {") {
		t.Errorf("sweep header %+v, want %+v first", sw.Header, want)
	}
	for _, e := range sw.Entries {
		for _, r := range e.Reports {
			if r.Header != buildinfo.NewHeader(analyzer.ReportKind, analyzer.SchemaVersion) {
				t.Errorf("a report of the sweep has header %+v", r.Header)
			}
		}
	}
	if sw.Kind != sweep.Kind || sw.Workload != "fanout" || sw.Param != "workers" || len(sw.Entries) != 2 {
		t.Fatalf("sweep: kind %q workload %q param %q, %d entries", sw.Kind, sw.Workload, sw.Param, len(sw.Entries))
	}
	if _, ok := sw.Env.Params["workers"]; ok || sw.Env.Params["jobs"] != "40" {
		t.Errorf("the sweep's shared parameters %v: want jobs, not the swept workers", sw.Env.Params)
	}
	for i, want := range []string{"1", "2"} {
		e := sw.Entries[i]
		if e.Value != want || len(e.Reports) != 2 || e.Env.Params["workers"] != want {
			t.Errorf("entry %d: value %q, %d reports, env params %v; want workers=%s and 2 reports", i, e.Value, len(e.Reports), e.Env.Params, want)
			continue
		}
		for _, r := range e.Reports {
			if r.Run == nil || r.Run.Params["workers"] != want {
				t.Errorf("entry %s: a report of a run with %+v", want, r.Run)
			}
		}
		for j := 1; j <= 2; j++ {
			if _, err := os.Stat(filepath.Join(dir, "f-workers-"+want+"-"+itoa(j)+".trace")); err != nil {
				t.Errorf("trace of workers=%s run %d not kept: %v", want, j, err)
			}
		}
	}
	// The table's series: fanout's measurements, then the default metrics.
	var names []string
	for _, s := range sw.Series {
		names = append(names, s.Metric)
		if len(s.Points) != 2 || s.Points[0].N != 2 {
			t.Errorf("series %s: points %+v, want 2 with 2 runs each", s.Metric, s.Points)
		}
	}
	if !strings.HasPrefix(strings.Join(names, ","), "measure.jobs_done,") || !strings.HasSuffix(strings.Join(names, ","), ","+strings.Join(sweep.DefaultMetrics, ",")) {
		t.Errorf("series %v", names)
	}
	jobs := sw.Series[0].Points
	if jobs[0].Median != 40 || jobs[1].Median != 40 {
		t.Errorf("jobs_done by workers = %+v, want 40 each", jobs)
	}
}

// TestRunSweepText: the text table has a column per value and the chosen
// metric as a row.
func TestRunSweepText(t *testing.T) {
	code, out, errOut := gotrace(t, nil, "run", "mainexit", "--sweep", "goroutines=2,4", "--set", "after=5ms", "--set", "work=1s",
		"--metric", "goroutines.working_at_end", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"gotrace sweep: mainexit over goroutines (2 values)", "│ goroutines ", "cut_off", "goroutines.working_at_end"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		// Every goroutine is cut off: 2, then 4.
		if strings.HasPrefix(l, "│ cut_off ") && !(strings.Contains(l, "2 goroutines") && strings.Contains(l, "4 goroutines")) {
			t.Errorf("cut_off row %q, want 2 then 4", l)
		}
	}
	if strings.Contains(out, "procs.utilization") {
		t.Errorf("--metric replaces the default metrics:\n%s", out)
	}
}

// TestRunSweepErrors: a bad --sweep is refused before any run: exit 2, one
// line, and no trace written.
func TestRunSweepErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.trace")
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"--sweep", "bogus=1,2"}, `unknown parameter "bogus"`},
		{[]string{"--sweep", "workers="}, "--sweep workers: no values"},
		{[]string{"--sweep", "workers=1,x"}, `"x" is not an integer`},
		{[]string{"--sweep", "workers=1,0"}, "below the minimum"},
		{[]string{"--sweep", "workers=2,2"}, "the same value"},
		{[]string{"--sweep", "workers"}, "want key=v1,v2"},
		{[]string{"--sweep", "workers=1,2", "--set", "workers=3"}, "both swept (--sweep) and set (--set)"},
		{[]string{"--sweep", "gomaxprocs=1,2", "--gomaxprocs", "2"}, "give one"},
		{[]string{"--sweep", "workers=1,2", "--metric", "nope.metric"}, `--metric: unknown metric "nope.metric"`},
		{[]string{"--sweep", "workers=1,2", "--pprof", dir}, "--pprof does not go with --sweep"},
		{[]string{"--metric", "switches.per_sec"}, "--metric needs --sweep"},
	}
	for _, c := range cases {
		args := append([]string{"run", "fanout", "--trace-out", out}, c.args...)
		code, stdout, errOut := gotrace(t, nil, args...)
		if code != 2 || stdout != "" || !strings.Contains(errOut, c.stderr) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %q; want exit 2 and one line with %q", c.args, code, stdout, errOut, c.stderr)
		}
		checkNoStackTrace(t, errOut)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a refused sweep ran: %d files in the trace directory", len(ents))
	}
}

// TestCheckSweepBaseline: check matches a sweep baseline's values with a
// current sweep's, or with a run at one of them; anything else is refused
// before the run.
func TestCheckSweepBaseline(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	code, _, errOut := gotrace(t, nil, "run", "waitgroup", "--sweep", "goroutines=2,3", "--set", "add=2", "--set", "work=2ms", "--set", "late=2s", "--set", "after=0s",
		"--count", "2", "--format", "json", "-o", base, "-q")
	if code != 0 {
		t.Fatalf("baseline: exit %d: %s", code, errOut)
	}
	// The same sweep as current samples: every value compared with itself.
	code, out, errOut := gotrace(t, nil, "check", "--baseline", base, "--exact", "--metric", "measure.cut_off", "--format", "json", base)
	if code != 0 {
		t.Fatalf("check sweep vs itself: exit %d: %s\n%s", code, errOut, out)
	}
	var res check.SweepResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Header != buildinfo.NewHeader(check.SweepResultKind, check.SweepResultSchema) {
		t.Errorf("check result header %+v", res.Header)
	}
	if res.Param != "goroutines" || len(res.Entries) != 2 || res.Entries[0].Value != "2" || res.Entries[1].Value != "3" || res.Status != check.StatusPass {
		t.Errorf("result: param %s, %d entries, status %s", res.Param, len(res.Entries), res.Status)
	}
	// A run at one value of the sweep: checked against that value. The
	// measure (cut-off goroutines) changes with goroutines: 0 at 2, 1 at 3.
	code, out, errOut = gotrace(t, nil, "check", "--baseline", base, "--run", "waitgroup", "--set", "goroutines=3", "--set", "add=2",
		"--set", "work=2ms", "--set", "late=2s", "--set", "after=0s", "--count", "1", "--exact", "--metric", "measure.cut_off", "-q")
	if code != 0 || !strings.Contains(out, "gotrace check over goroutines: PASS: no regression at goroutines=3") {
		t.Errorf("check a run at goroutines=3: exit %d, stderr %s\n%s", code, errOut, out)
	}
	// Refused before any run: a value the baseline lacks, a sweep over
	// another parameter, a plain baseline for a sweep.
	plain := filepath.Join(dir, "plain.json")
	if code, _, errOut := gotrace(t, nil, "run", "fanout", "--set", "jobs=20", "--format", "json", "-o", plain, "-q"); code != 0 {
		t.Fatalf("plain baseline: %s", errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--baseline", base, "--run", "waitgroup", "--set", "goroutines=5"}, "the baseline sweeps goroutines over 2, 3; this run has goroutines=5"},
		{[]string{"--baseline", base, "--run", "waitgroup", "--sweep", "add=1,2"}, "--sweep add: the baseline sweeps goroutines"},
		{[]string{"--baseline", plain, "--run", "fanout", "--sweep", "workers=1,2"}, "the baseline must be one too"},
		{[]string{"--baseline", base, "--baseline", plain, "--run", "fanout"}, "is a sweep: give it as the only --baseline"},
		{[]string{"--baseline", base, "--run", "waitgroup", "--sweep", "goroutines=3,x"}, `"x" is not an integer`},
	} {
		code, _, errOut := gotrace(t, nil, append([]string{"check", "--count", "1", "--exact", "-q"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "done") {
			t.Errorf("check %v: exit %d, stderr %q; want exit 2 with %q before any run", c.args, code, errOut, c.want)
		}
	}
}
