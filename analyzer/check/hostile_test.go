package check

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
)

// report is a minimal report with the given metrics and clock span.
func report(start int64, metrics map[string]float64) *analyzer.Report {
	return &analyzer.Report{
		Header:  buildinfo.NewHeader(analyzer.ReportKind, analyzer.SchemaVersion),
		Source:  analyzer.Source{GoVersion: "1.26+"},
		Trace:   analyzer.TraceInfo{StartNS: start, EndNS: start + 1e9, Events: 1000, Generations: 1},
		Metrics: metrics,
	}
}

func readBytes(t *testing.T, name string, b []byte) (*Samples, error) {
	t.Helper()
	return Read(bytes.NewReader(b), name, analyzer.Options{})
}

// TestHostileJSON: what check accepts as report JSON, and what it refuses.
func TestHostileJSON(t *testing.T) {
	one, _ := json.Marshal(report(1, map[string]float64{"sched.latency.p99_ns": 1000}))
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write([]byte(`{"schema": 1, "metrics": {"a": 1}, "pad": "`))
	pad := bytes.Repeat([]byte{' '}, 1<<20)
	for range (MaxJSONBytes >> 20) + 2 {
		zw.Write(pad)
	}
	zw.Write([]byte(`"}`))
	zw.Close()

	cases := []struct {
		name string
		data []byte
		want string // error text; "" for accepted
	}{
		{"bom", append([]byte("\xef\xbb\xbf"), one...), ""},
		{"bom-gzip", gzipped(append([]byte("\xef\xbb\xbf"), one...)), ""},
		{"empty objects", []byte(`{"schema":1,"kind":"gotrace.reportset","reports":[{},{},{},{},{}]}`), "report 0 of the set holds no metrics: not a gotrace report"},
		{"null report", []byte(`{"schema":1,"kind":"gotrace.reportset","reports":[null]}`), "report 0 of the set holds no metrics"},
		{"empty metrics", []byte(`{"schema":1,"metrics":{}}`), `JSON without "metrics" or "kind"`},
		{"inflates past the limit", gz.Bytes(), "report JSON larger than 128 MiB, the limit"},
	}
	for _, c := range cases {
		s, err := readBytes(t, c.name, c.data)
		switch {
		case c.want == "" && (err != nil || s.Len() != 1):
			t.Errorf("%s: %v, %d samples; want one sample", c.name, err, s.Len())
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// TestHugeValues: values past any measurement are clamped (with a
// warning), and nothing overflows: deltas stay finite and the result
// encodes as JSON.
func TestHugeValues(t *testing.T) {
	base, cur := &Samples{}, &Samples{}
	for i := range 4 {
		base.Add(FromReports(&analyzer.ReportSet{Reports: []*analyzer.Report{report(int64(i), map[string]float64{"sched.latency.p99_ns": 1e3, "gc.stw.max_ns": math.Inf(-1)})}}))
		cur.Add(FromReports(&analyzer.ReportSet{Reports: []*analyzer.Report{report(int64(100+i), map[string]float64{"sched.latency.p99_ns": 1.8e306, "gc.stw.max_ns": math.NaN()})}}))
	}
	res, err := Compare(base, cur, Options{Metrics: []string{"sched.latency.p99_ns", "gc.stw.max_ns"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range res.Rows {
		if math.Abs(row.BaseMedian) > MaxValue || math.Abs(row.CurMedian) > MaxValue || math.IsInf(row.Delta, 0) || math.IsNaN(row.Delta) || (row.DeltaPct != nil && (math.IsInf(*row.DeltaPct, 0) || math.IsNaN(*row.DeltaPct))) {
			t.Errorf("%s: base %g, current %g, delta %g", row.Metric, row.BaseMedian, row.CurMedian, row.Delta)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("the result does not encode as JSON: %v", err)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "sched.latency.p99_ns = 1.8e+306 is past what any trace measures; taken as 1e+18") {
		t.Errorf("no warning of the clamp: %q", res.Warnings)
	}
}

// TestDuplicateSamples: the same trace given twice on one side is refused;
// on both sides, it is a warning.
func TestDuplicateSamples(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, start int64) string {
		p := filepath.Join(dir, name)
		writeJSON(t, p, report(start, map[string]float64{"sched.latency.p99_ns": float64(1000 + start)}))
		return p
	}
	a, b := write("a.json", 1), write("b.json", 2)
	copyOfA := filepath.Join(dir, "copy-of-a.json")
	data, _ := os.ReadFile(a)
	os.WriteFile(copyOfA, data, 0o644)
	base, err := Load([]string{a, a, a, a, b, b, b, b}, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := Load([]string{write("c.json", 3), write("d.json", 4), write("e.json", 5), write("f.json", 6)}, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compare(base, cur, Options{})
	if err == nil || !strings.Contains(err.Error(), "baseline samples "+a+" and "+a+" are the same trace") {
		t.Errorf("repeated file: %v", err)
	}
	base, _ = Load([]string{a, copyOfA}, analyzer.Options{})
	if _, err := Compare(base, cur, Options{Exact: true}); err == nil || !strings.Contains(err.Error(), "are the same trace") {
		t.Errorf("a copy: %v", err)
	}
	base, _ = Load([]string{a, b}, analyzer.Options{})
	both, _ := Load([]string{a, write("g.json", 7)}, analyzer.Options{})
	res, err := Compare(base, both, Options{Exact: true})
	if err != nil || !strings.Contains(strings.Join(res.Warnings, "\n"), "the same trace is a baseline and a current sample") {
		t.Errorf("shared: %v, %q", err, res.Warnings)
	}
}

// TestPartialNotComparable: a sample whose trace lost data stops the
// comparison (insufficient data, exit 3, with the reason) unless
// AllowPartial.
func TestPartialNotComparable(t *testing.T) {
	lost := report(9, map[string]float64{"goroutines.leaked": 0})
	lost.Trace.Truncated = true
	lost.Trace.Loss = &analyzer.DataLoss{Reason: analyzer.LossCorrupt, Generation: 2, Bytes: 810, BytesKnown: true, Share: 0.81, CompleteAfter: 4, Detail: "found invalid event type: 255"}
	cur := FromReports(&analyzer.ReportSet{Reports: []*analyzer.Report{lost}})
	opts := Options{Max: map[string]float64{"goroutines.leaked": 0}}
	res, err := Compare(nil, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := "current: report 1: generation 2 of the trace cannot be read (found invalid event type: 255): it and the rest were not analyzed, 810 bytes (81% of the input), with 4 complete generations after it"
	if res.ExitCode() != ExitInsufficient || res.Status != StatusNotEnough || len(res.NotComparable) != 1 || res.NotComparable[0] != want || len(res.Budgets) != 0 {
		t.Errorf("exit %d, %s, not comparable %q", res.ExitCode(), res.Status, res.NotComparable)
	}
	opts.AllowPartial = true
	res, err = Compare(nil, cur, opts)
	if err != nil || res.ExitCode() != ExitPass || len(res.Budgets) != 1 {
		t.Errorf("with AllowPartial: %v, exit %d", err, res.ExitCode())
	}
	// An old report that only says truncated is partial too.
	old := report(10, map[string]float64{"goroutines.leaked": 0})
	old.Trace.Truncated, old.Trace.LostBytes = true, 100
	if s := FromReports(&analyzer.ReportSet{Reports: []*analyzer.Report{old}}); len(s.Partial) != 1 {
		t.Errorf("truncated report: partial %q", s.Partial)
	}
}

// TestParamsDiffer: a baseline of the same workload with other parameters
// says which.
func TestParamsDiffer(t *testing.T) {
	a := analyzer.Env{Workload: "many", Params: map[string]string{"n": "100000", "hold": "0s"}}
	b := analyzer.Env{Workload: "many", Params: map[string]string{"n": "10", "hold": "0s", "x": "1"}}
	w := envWarning(a, b)
	if !strings.Contains(w, "parameter n 100000 vs 10") || !strings.Contains(w, "parameter x (none) vs 1") || strings.Contains(w, "hold") {
		t.Errorf("warning %q", w)
	}
	if w := envWarning(a, analyzer.Env{Workload: "fanout"}); !strings.Contains(w, "workload many vs fanout") {
		t.Errorf("other workload: %q", w)
	}
}
