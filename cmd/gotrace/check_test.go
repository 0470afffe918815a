package main

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCheckBudgets(t *testing.T) {
	small := repoFile("traces", "small.trace") // two goroutines leak in it
	cases := []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"check", "--max", "goroutines.leaked=0", small}, 1, "budget broken"},
		{[]string{"check", "--max", "goroutines.leaked=5", small}, 0, "budget ok"},
		{[]string{"check", "--min", "procs.gomaxprocs=4", small}, 1, "procs.gomaxprocs"},
		{[]string{"check", "--max", "sched.latency.p99_ns=1s", "--max", "goroutines.peak=1000", small}, 0, "PASS"},
		// --exact compares one sample a side without --min-samples.
		{[]string{"check", "--exact", "--baseline", small, small}, 0, "PASS"},
		{[]string{"check", "--exact", "--baseline", small, "--threshold", "goroutines.created=+0", repoFile("traces", "multigen.trace")}, 1, "goroutines.created"},
		// Findings' impacts are metrics: the leak of small.trace explains
		// 41.6% of its user goroutine time; it shows no lock contention.
		{[]string{"check", "--max", "findings.goroutine-leak.impact=0.2", small}, 1, "findings.goroutine-leak.impact"},
		{[]string{"check", "--max", "findings.goroutine-leak.impact=50%", "--max", "findings.lock-contention.impact=0", small}, 0, "budget ok"},
		{[]string{"check", "--exact", "--baseline", small, "--metric", "findings.goroutine-leak.impact", small}, 0, "unchanged"},
	}
	for _, c := range cases {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != c.code || !strings.Contains(out, c.stdout) {
			t.Errorf("%v: exit %d (want %d), stdout lacks %q:\n%s%s", c.args, code, c.code, c.stdout, out, errOut)
		}
	}
}

func TestCheckInsufficient(t *testing.T) {
	code, out, errOut := gotrace(t, nil, "check", "--baseline", repoFile("traces", "small.trace"), repoFile("traces", "multigen.trace"))
	if code != 3 || !strings.Contains(out, "insufficient data") {
		t.Errorf("exit %d, want 3 and insufficient data:\n%s%s", code, out, errOut)
	}
}

func TestCheckUsage(t *testing.T) {
	small := repoFile("traces", "small.trace")
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"check"}, "check needs current samples"},
		{[]string{"check", "--max", "no.such_metric=1", small}, "no.such_metric"},
		{[]string{"check", "--max", "goroutines.leaked", small}, "goroutines.leaked"},
		{[]string{"check", "--format", "xml", small}, `unknown --format "xml" for check; use one of text, markdown, json, html`},
		{[]string{"check", "--run", "mutex", small}, "either trace/report files or --run"},
		{[]string{"check", "--count", "3", small}, "--count needs --run"},
		{[]string{"check", "--set", "n=1", "--max", "goroutines.leaked=0", small}, "--set needs --run"},
		{[]string{"check", "--gomaxprocs", "4", "--max", "goroutines.leaked=0", small}, "--gomaxprocs needs --run"},
		{[]string{"check", "--timeout", "1s", "--max", "goroutines.leaked=0", small}, "--timeout needs --run"},
		{[]string{"check", "--trace-out", "x.trace", "--max", "goroutines.leaked=0", small}, "--trace-out needs --run"},
		{[]string{"check", "--alpha", "0", "--baseline", small, small}, "--alpha 0 out of range"},
		{[]string{"check", "--min-samples", "0", "--baseline", small, small}, "--min-samples 0: want at least 1"},
		{[]string{"check", "--baseline", small, "--threshold", "goroutines.created=10", small}, "goroutines.created has no direction of its own"},
		// Bad options are refused before any workload runs (no progress line).
		{[]string{"check", "--run", "fanout", "--set", "jobs=10"}, "nothing to check"},
		{[]string{"check", "--run", "fanout", "--baseline", small, "--threshold", "measure.wall_ns=5"}, "measure.wall_ns has no direction"},
		{[]string{"check", "--baseline", filepath.Join(t.TempDir(), "nope.json"), small}, "nope.json: cannot open"},
	}
	for _, c := range cases {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.stderr) || strings.Contains(errOut, "run 1/") {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %q; want exit 2 and %q", c.args, code, out, errOut, c.stderr)
		}
	}
}

// TestCheckEndToEnd makes a baseline from runs of a workload, then checks
// the same configuration (pass) and the same work on fewer Ps (a
// regression of scheduler latency).
func TestCheckEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a workload 30 times; skipped with -short")
	}
	if runtime.NumCPU() < 2 {
		t.Skip("needs 2 CPUs to compare GOMAXPROCS 2 with 1")
	}
	base := filepath.Join(t.TempDir(), "base.json")
	work := []string{"--set", "iterations=300", "--count", "10", "-q"}
	code, _, errOut := gotrace(t, nil, append([]string{"run", "mutex", "--gomaxprocs", "2", "--format", "json", "-o", base}, work...)...)
	if code != 0 {
		t.Fatalf("baseline run: exit %d: %s", code, errOut)
	}
	// The test shares the machine with other test binaries, whose load
	// moves utilization and latency between the baseline's runs and the
	// current ones. So the check gates the median scheduler latency only,
	// with a 200% threshold (one P for the work of two raises it ~6-30x),
	// at alpha 0.001: an unchanged configuration fails about 1 time in 1000.
	gate := []string{"--metric", "sched.latency.p50_ns", "--threshold", "sched.latency.p50_ns=200", "--alpha", "0.001"}
	code, out, errOut := gotrace(t, nil, append(append([]string{"check", "--baseline", base, "--run", "mutex", "--gomaxprocs", "2", "--format", "json"}, gate...), work...)...)
	if code != 0 {
		t.Errorf("same configuration: exit %d, want 0:\n%s%s", code, out, errOut)
	}
	var res struct {
		Status string `json:"status"`
		Rows   []struct {
			Metric, Verdict string
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "pass" || len(res.Rows) != 1 {
		t.Errorf("JSON result: %v, %+v", err, res)
	}
	code, out, errOut = gotrace(t, nil, append(append([]string{"check", "--baseline", base, "--run", "mutex", "--gomaxprocs", "1", "--format", "markdown"}, gate...), work...)...)
	if code != 1 {
		t.Errorf("one P for the work of two: exit %d, want 1:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "sched.latency.p50_ns") || !strings.Contains(out, "regressed") {
		t.Errorf("markdown does not name the regressed metric:\n%s", out)
	}
	if !strings.Contains(errOut, "GOMAXPROCS 2 vs 1") {
		t.Errorf("no environment warning on stderr: %q", errOut)
	}
}
