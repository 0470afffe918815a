package check

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
)

// makeTrace writes a small trace of some goroutines into dir.
func makeTrace(t *testing.T, dir string) string {
	t.Helper()
	if trace.IsEnabled() {
		t.Skip("tracing already enabled (go test -trace?)")
	}
	path := filepath.Join(dir, "run.trace")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		t.Fatal(err)
	}
	ctx, task := trace.NewTask(context.Background(), "check-test")
	var wg sync.WaitGroup
	ch := make(chan int)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "work", func() { time.Sleep(time.Millisecond) })
			ch <- i
		}()
	}
	go func() { wg.Wait(); close(ch) }()
	for range ch {
	}
	task.End()
	trace.Stop()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	tracePath := makeTrace(t, dir)
	rep, err := analyzer.AnalyzeFile(tracePath, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Metrics["goroutines.created"] < 20 {
		t.Fatalf("trace too small: %v goroutines created", rep.Metrics["goroutines.created"])
	}

	reportPath := filepath.Join(dir, "one.json")
	writeJSON(t, reportPath, rep)

	set := analyzer.NewReportSet([]*analyzer.Report{rep, rep, rep}, "go1.26.8")
	if set.Env.NumCPU != 0 || set.Env.GOOS != "" {
		t.Errorf("a set of traces knows the machine that recorded them: %+v", set.Env)
	}
	set.RecordedHere() // as gotrace run does
	set.Env.Workload = "fanout"
	setPath := filepath.Join(dir, "set.json")
	writeJSON(t, setPath, set)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	b, _ := json.Marshal(set)
	zw.Write(b)
	zw.Close()
	gzPath := filepath.Join(dir, "set.json.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("trace", func(t *testing.T) {
		s, err := Load([]string{tracePath}, analyzer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 1 || s.Sources[0] != tracePath || s.Values[0]["goroutines.created"] != rep.Metrics["goroutines.created"] {
			t.Errorf("samples %+v", s)
		}
		if s.Env.GoVersion != "go"+rep.Source.GoVersion || s.Env.GOMAXPROCS != rep.Procs.GOMAXPROCS || s.Env.NumCPU != 0 {
			t.Errorf("env %+v: want the trace's Go format and GOMAXPROCS, machine unknown", s.Env)
		}
	})
	t.Run("report", func(t *testing.T) {
		s, err := Load([]string{reportPath}, analyzer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 1 || s.Sources[0] != reportPath {
			t.Fatalf("samples %d %v", s.Len(), s.Sources)
		}
		for k, v := range rep.Metrics {
			if got, ok := s.Values[0][k]; !ok || got != v {
				t.Errorf("metric %s = %v (%v), want %v", k, got, ok, v)
			}
		}
		// The findings' impacts are computed from the report read back.
		for k, v := range findings.Metrics(rep) {
			if got, ok := s.Values[0][k]; !ok || got != v {
				t.Errorf("metric %s = %v (%v), want %v", k, got, ok, v)
			}
		}
	})
	t.Run("report set", func(t *testing.T) {
		s, err := Load([]string{setPath}, analyzer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{setPath + "[0]", setPath + "[1]", setPath + "[2]"}
		if s.Len() != 3 || strings.Join(s.Sources, " ") != strings.Join(want, " ") {
			t.Errorf("sources %v", s.Sources)
		}
		if s.Env.GoVersion != "go1.26.8" || s.Env.Workload != "fanout" || s.Env.NumCPU == 0 || len(s.Warnings) != 0 {
			t.Errorf("env %+v warnings %v", s.Env, s.Warnings)
		}
	})
	t.Run("gzip set", func(t *testing.T) {
		s, err := Load([]string{gzPath}, analyzer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 3 {
			t.Errorf("%d samples", s.Len())
		}
	})
	t.Run("mixed", func(t *testing.T) {
		s, err := Load([]string{setPath, tracePath, reportPath}, analyzer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 5 || len(s.Warnings) != 0 {
			t.Errorf("%d samples, warnings %v", s.Len(), s.Warnings)
		}
		// The set's precise release wins over the trace's format range.
		if s.Env.GoVersion != "go1.26.8" {
			t.Errorf("env %+v", s.Env)
		}
	})
	t.Run("stdin reader", func(t *testing.T) {
		f, err := os.Open(setPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s, err := Read(f, "-", analyzer.Options{})
		if err != nil || s.Len() != 3 || s.Sources[0] != "-[0]" {
			t.Fatalf("%v %+v", err, s)
		}
		tf, _ := os.Open(tracePath)
		defer tf.Close()
		s, err = Read(tf, "-", analyzer.Options{})
		if err != nil || s.Len() != 1 {
			t.Fatalf("trace from a reader: %v", err)
		}
	})
	t.Run("disagreeing inputs warn", func(t *testing.T) {
		other := *rep
		other.Procs.GOMAXPROCS = rep.Procs.GOMAXPROCS + 3
		other.Metrics = rep.Metrics
		p := filepath.Join(dir, "other.json")
		writeJSON(t, p, &other)
		s, err := Load([]string{reportPath, p}, analyzer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "samples disagree on GOMAXPROCS") || !strings.Contains(s.Warnings[0], p) {
			t.Errorf("warnings %q", s.Warnings)
		}
	})
}

func TestLoadSharedTrace(t *testing.T) {
	path := testtraces.SharedFile(t, "go1.21-task.trace")
	s, err := Load([]string{path}, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1 || s.Env.GoVersion != "go1.21" || s.Values[0]["annotations.logs"] != 1 {
		t.Errorf("env %+v logs %v", s.Env, s.Values[0]["annotations.logs"])
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := write("newer.json", `{"schema": 99, "metrics": {"a": 1}}`)
	tests := []struct {
		path string
		want string
		kind error
	}{
		{filepath.Join(dir, "missing.json"), "missing.json: cannot open: no such file or directory", analyzer.ErrUnreadable},
		{write("broken.json", "{\n \"metrics\": {\n  \"a\": 1,\n}"), "broken.json: not valid JSON (line 4: invalid character '}'", analyzer.ErrUnreadable},
		{write("other.json", `{"name": "x"}`), `other.json: JSON without "metrics" or "kind": not a gotrace report`, analyzer.ErrUnreadable},
		{write("kind.json", `{"kind": "something"}`), `kind.json: JSON of kind "something"`, analyzer.ErrUnreadable},
		{write("check.json", `{"schema": 1, "kind": "gotrace.check", "status": "pass"}`), `check.json: JSON of kind "gotrace.check", not a gotrace report or report set`, analyzer.ErrUnreadable},
		{write("no-metrics.json", `{"schema": 1, "kind": "gotrace.report"}`), `no-metrics.json: report without "metrics"`, analyzer.ErrUnreadable},
		{write("empty-set.json", `{"kind": "gotrace.reportset", "reports": []}`), "empty-set.json: report set holds no reports", analyzer.ErrUnreadable},
		{write("typed.json", `{"metrics": {"a": "x"}}`), "typed.json: bad report: field metrics: json: cannot unmarshal string", analyzer.ErrUnreadable},
		{newer, "newer.json: written by a newer gotrace (schema 99", analyzer.ErrUnreadable},
		{write("text.txt", "hello, world\n"), "text.txt: ", analyzer.ErrNotTrace},
	}
	for _, tt := range tests {
		_, err := Load([]string{tt.path}, analyzer.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%s): %v, want %q", filepath.Base(tt.path), err, tt.want)
			continue
		}
		if !errors.Is(err, tt.kind) {
			t.Errorf("Load(%s): %v is not %v", filepath.Base(tt.path), err, tt.kind)
		}
		if strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("error is not one line: %q", err)
		}
	}
}

func TestParse(t *testing.T) {
	th, dirs, err := ParseThresholds([]string{"sched.latency.p99_ns=10", "procs.utilization=7.5%", " gc.stw.max_ns = 0 ", "measure.x=+20%", "measure.y=-3"})
	if err != nil {
		t.Fatal(err)
	}
	if th["sched.latency.p99_ns"] != 10 || th["procs.utilization"] != 7.5 || th["gc.stw.max_ns"] != 0 || th["measure.x"] != 20 || th["measure.y"] != 3 || len(th) != 5 {
		t.Errorf("thresholds %v", th)
	}
	if want := map[string]Direction{"measure.x": LowerIsBetter, "measure.y": HigherIsBetter}; !maps.Equal(dirs, want) {
		t.Errorf("directions %v, want %v", dirs, want)
	}
	b, err := ParseBudgets("--max", []string{"goroutines.leaked=0", "sched.latency.p99_ns=1ms", "gc.stw.max_ns=250us", "procs.utilization=80%", "gc.heap.max_bytes=1e9"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"goroutines.leaked": 0, "sched.latency.p99_ns": 1e6, "gc.stw.max_ns": 250e3, "procs.utilization": 0.8, "gc.heap.max_bytes": 1e9}
	for k, v := range want {
		if b[k] != v {
			t.Errorf("budget %s = %v, want %v", k, b[k], v)
		}
	}
	for _, tt := range []struct {
		fn   func() error
		want string
	}{
		{func() error { _, _, err := ParseThresholds([]string{"sched.latency.p99_ns"}); return err }, `--threshold "sched.latency.p99_ns": want METRIC=VALUE`},
		{func() error { _, _, err := ParseThresholds([]string{"=5"}); return err }, "want METRIC=VALUE"},
		{func() error { _, _, err := ParseThresholds([]string{"a=ten"}); return err }, `--threshold a: "ten" is not a percentage`},
		{func() error { _, _, err := ParseThresholds([]string{"a=--1"}); return err }, "not a percentage"},
		{func() error { _, _, err := ParseThresholds([]string{"a=NaN"}); return err }, "not a percentage"},
		{func() error { _, _, err := ParseThresholds([]string{"a=1", "a=2"}); return err }, "a given twice"},
		{func() error { _, err := ParseBudgets("--max", []string{"goroutines.leaked=1ms"}); return err }, "a duration only fits a *_ns metric"},
		{func() error { _, err := ParseBudgets("--min", []string{"switches.per_sec=50%"}); return err }, "a percentage only fits a ratio metric"},
		{func() error { _, err := ParseBudgets("--max", []string{"sched.latency.p99_ns=fast"}); return err }, "want a number of nanoseconds or a duration such as 1ms"},
		{func() error { _, err := ParseBudgets("--min", []string{"procs.utilization=most"}); return err }, "want a ratio 0..1 or a percentage"},
	} {
		err := tt.fn()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}

// TestLoadBoth: both sides loaded at once give what Load gives each, with
// their reports; standard input serves one side only; an error names its
// file.
func TestLoadBoth(t *testing.T) {
	dir := t.TempDir()
	tracePath := makeTrace(t, dir)
	rep, err := analyzer.AnalyzeFile(tracePath, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	setPath := filepath.Join(dir, "set.json")
	writeJSON(t, setPath, analyzer.NewReportSet([]*analyzer.Report{rep, rep}, ""))

	base, cur, err := LoadBoth([]string{tracePath}, []string{setPath}, analyzer.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if base.Len() != 1 || cur.Len() != 2 || len(base.Reports) != 1 || len(cur.Reports) != 2 {
		t.Fatalf("base %d samples (%d reports), current %d (%d)", base.Len(), len(base.Reports), cur.Len(), len(cur.Reports))
	}
	if base.Values[0]["switches.total"] != rep.Metrics["switches.total"] || cur.Values[1]["switches.total"] != rep.Metrics["switches.total"] {
		t.Errorf("values differ from the analysis: %v, %v", base.Values[0]["switches.total"], cur.Values[1]["switches.total"])
	}
	if base.Reports[0].Profiles == nil || cur.Reports[0].Profiles != nil {
		t.Errorf("a trace's report keeps its profiles, a JSON report has none")
	}
	if _, _, err := LoadBoth([]string{"-"}, []string{"-"}, analyzer.Options{}, nil); err == nil || !strings.Contains(err.Error(), "one side only") {
		t.Errorf("stdin on both sides: %v", err)
	}
	missing := filepath.Join(dir, "missing.trace")
	if _, _, err := LoadBoth([]string{tracePath}, []string{missing}, analyzer.Options{}, nil); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing current file: %v", err)
	}
}
