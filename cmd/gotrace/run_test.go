package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/workloads"
)

// cliEnv, set to 1, makes the test binary act as the gotrace command (see
// cliOnPath).
const cliEnv = "GOTRACE_TEST_AS_CLI"

// TestMain lets the test binary stand in for gotrace in workload child
// processes (gotrace run re-executes os.Executable() with __workload), in
// command lines run by a shell, and in processes of their own that tests
// measure or signal (childEnv).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == workloads.ChildCommand || os.Getenv(cliEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	switch os.Getenv(childEnv) {
	case "gotrace":
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	case "bare":
		os.Exit(bareChild(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// report decodes a JSON report.
func report(t *testing.T, s string) *analyzer.Report {
	t.Helper()
	var r analyzer.Report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not a JSON report: %v\n%.300s", err, s)
	}
	return &r
}

func TestRunFanout(t *testing.T) {
	code, out, errOut := gotrace(t, nil, "run", "fanout", "--set", "jobs=400", "--set", "workers=4", "--set", "work=100us", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"WORKLOAD FANOUT", "Parameters: jobs=400 work=100µs workers=4.", "SUMMARY", "LEAKED GOROUTINES"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestRunThenAnalyze: the trace kept by --trace-out analyzes to the same
// metrics as the run reported.
func TestRunThenAnalyze(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mutex.trace")
	code, out, errOut := gotrace(t, nil, "run", "mutex", "--set", "iterations=300", "--trace-out", file, "--format", "json", "-q")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	ran := report(t, out)
	code, out, errOut = gotrace(t, nil, "analyze", file, "--format", "json", "-q")
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, errOut)
	}
	analyzed := report(t, out)
	if len(ran.Metrics) < 50 {
		t.Fatalf("only %d metrics", len(ran.Metrics))
	}
	for k, v := range ran.Metrics {
		if analyzed.Metrics[k] != v {
			t.Errorf("metric %s: run %v, analyze %v", k, v, analyzed.Metrics[k])
		}
	}
	if analyzed.Run == nil || analyzed.Run.Workload != "mutex" || analyzed.Run.Params["iterations"] != "300" {
		t.Errorf("analyze did not find the workload in the trace: %+v", analyzed.Run)
	}
	if len(analyzed.Measurements) == 0 || ran.Metrics["measure.acquisitions_per_sec"] == 0 && len(ran.Measurements) == 0 {
		t.Errorf("no measurements in the report")
	}
}

func TestRunCount(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "t.trace")
	code, stdout, errOut := gotrace(t, nil, "run", "fanout", "--count", "3", "--set", "jobs=100", "--trace-out", out, "--godebug", "asyncpreemptoff=1", "--format", "json", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var set analyzer.ReportSet
	if err := json.Unmarshal([]byte(stdout), &set); err != nil {
		t.Fatal(err)
	}
	if set.Kind != analyzer.ReportSetKind || len(set.Reports) != 3 || set.Env.Workload != "fanout" || set.Env.NumCPU < 1 || !strings.HasSuffix(set.Env.GODEBUG, "asyncpreemptoff=1") {
		t.Errorf("set: kind %q, %d reports, env %+v", set.Kind, len(set.Reports), set.Env)
	}
	// The child saw the setting (it logs its GODEBUG into its trace), and
	// the set's env says what the children ran with.
	for _, r := range set.Reports {
		if r.Run == nil {
			t.Fatalf("%s: no workload in the trace", r.Source.Name)
		}
		if got := r.Run.Params["GODEBUG"]; got != set.Env.GODEBUG {
			t.Errorf("%s: the workload ran with GODEBUG %q, the set says %q", r.Source.Name, got, set.Env.GODEBUG)
		}
	}
	for i := 1; i <= 3; i++ {
		if _, err := os.Stat(filepath.Join(dir, "t-"+itoa(i)+".trace")); err != nil {
			t.Errorf("trace %d not kept: %v", i, err)
		}
	}
}

func TestRunErrors(t *testing.T) {
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"run", "nosuch"}, `unknown workload "nosuch"; known workloads: deadlock, fanout, gc, leak, mainexit, many, mutex, net, oversub, server, syscall, threads, waitgroup`},
		{[]string{"run", "fanout", "--set", "bogus=1"}, `bogus`},
		{[]string{"run", "fanout", "--set", "workers=abc"}, `workers`},
		{[]string{"run", "fanout", "--set", "noequals"}, `noequals`},
		{[]string{"run"}, `run needs one workload name`},
		{[]string{"run", "fanout", "--count", "0"}, `--count must be between 1 and 10000`},
		{[]string{"run", "fanout", "--trace-out", filepath.Join(t.TempDir(), "nodir", "x.trace")}, `nodir: no such file or directory`},
		{[]string{"run", "fanout", "--trace-out", t.TempDir()}, `is a directory; give a file name`},
		{[]string{"workloads", "nosuch"}, `unknown workload "nosuch"`},
	}
	for _, c := range cases {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.stderr) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %q; want exit 2 and one line with %q", c.args, code, out, errOut, c.stderr)
		}
		checkNoStackTrace(t, errOut)
	}
}

func TestRunTimeout(t *testing.T) {
	start := time.Now()
	code, _, errOut := gotrace(t, nil, "run", "leak", "--set", "hold=30s", "--timeout", "500ms", "-q")
	if code != 2 || !regexp.MustCompile(`workload leak \(run 1 of 1\): .*(timed out|timeout|killed)`).MatchString(errOut) {
		t.Errorf("exit %d, stderr %q; want exit 2 and a timeout", code, errOut)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestWorkloadsList(t *testing.T) {
	code, out, _ := gotrace(t, nil, "workloads")
	if code != 0 {
		t.Fatal(code)
	}
	for _, name := range workloads.Names() {
		if !strings.Contains(out, name+" ") {
			t.Errorf("list lacks %s", name)
		}
	}
	code, out, _ = gotrace(t, nil, "workloads", "many")
	if code != 0 || !strings.Contains(out, "parameters (--set name=value):") || !strings.Contains(out, "n ") {
		t.Errorf("workloads many: exit %d\n%s", code, out)
	}
}

// TestRunMemoryEstimate: a run whose estimate does not fit in the memory
// available is refused before it starts, with the estimate; one that takes
// more than half of it is warned about.
func TestRunMemoryEstimate(t *testing.T) {
	saved := availableMemory
	defer func() { availableMemory = saved }()
	availableMemory = func() (int64, bool) { return 8 << 30, true }
	code, out, errOut := gotrace(t, nil, "run", "many", "--set", "n=10000000")
	want := "gotrace: workload many with n=10000000 needs about 26 GiB (10,000,000 goroutines x 2.7 KiB, plus 48 MiB for the runtime and the trace buffers), and the analysis of its trace about 4.8 GiB; 8.0 GiB of memory is available here: lower the parameters\n"
	if code != exitUsage || out != "" || errOut != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, want)
	}
	availableMemory = func() (int64, bool) { return 4 << 30, true }
	code, _, errOut = gotrace(t, nil, "check", "--run", "leak", "--set", "n=1000000", "--set", "ok=1000000", "--max", "goroutines.leaked=0")
	if code != exitUsage || !strings.Contains(errOut, "workload leak with n=1000000 ok=1000000 needs about 5.2 GiB") {
		t.Errorf("check --run: exit %d, stderr %q", code, errOut)
	}
	availableMemory = func() (int64, bool) { return 300 << 20, true }
	code, _, errOut = gotrace(t, nil, "run", "many", "--set", "n=50000", "-q", "-o", os.DevNull)
	if code != 0 || !strings.Contains(errOut, "gotrace: warning: workload many with n=50000 needs about 180 MiB") || !strings.Contains(errOut, "more than half of the 300 MiB available here") {
		t.Errorf("warning: exit %d, stderr %q", code, errOut)
	}
}
