package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
)

// TestTaskSections: a task type's section has its latency, breakdown and
// critical path; a type none of whose tasks completed says so instead of
// a latency table of zeros, and counts its unfinished ones without "more".
func TestTaskSections(t *testing.T) {
	r := &analyzer.Report{}
	r.Annotations.Tasks = []analyzer.AnnotationKind{
		{
			Type: "request", Count: 20, Unfinished: 2,
			Duration:     analyzer.Dist{Count: 20, Sum: 20e6, P50: 1e6, P90: 1e6, P99: 1e6, Max: 1e6},
			Breakdown:    []analyzer.TimeShare{{State: analyzer.StateRunning, NS: 12e6, Share: 0.6}, {State: analyzer.StateWaiting, Reason: "sync", NS: 8e6, Share: 0.4}},
			CriticalPath: []analyzer.PathRow{{Function: "main.worker", State: analyzer.StateRunning, File: "/src/cache.go", Line: 41, NS: 20e6, Share: 1}},
		},
		{
			Type: "startup", Unfinished: 1,
			Breakdown: []analyzer.TimeShare{{State: analyzer.StateRunning, NS: 5e3, Share: 1}},
		},
	}
	var out bytes.Buffer
	if err := Text(&out, r); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	req, start, ok := strings.Cut(s, "TASK STARTUP")
	if !ok || !strings.Contains(req, "TASK REQUEST") {
		t.Fatalf("no section per task type:\n%s", s)
	}
	for _, want := range []string{"│ latency │", "2 more tasks unfinished at the end of the trace: their time so far", "main.worker", "cache.go:41", "60.0%"} {
		if !strings.Contains(req, want) {
			t.Errorf("request section lacks %q:\n%s", want, req)
		}
	}
	for _, want := range []string{"No task of this type completed in the trace", "1 task unfinished at the end of the trace: its time so far"} {
		if !strings.Contains(start, want) {
			t.Errorf("startup section lacks %q:\n%s", want, start)
		}
	}
	if strings.Contains(start, "│ latency │") || strings.Contains(start, "more task") {
		t.Errorf("startup section has a latency table or \"more\":\n%s", start)
	}
}

// TestTaskPathLegend: the critical-path chart's key lists the states the
// path has, and no others.
func TestTaskPathLegend(t *testing.T) {
	r := &analyzer.Report{}
	r.Annotations.Tasks = []analyzer.AnnotationKind{{
		Type: "request", Count: 1, Duration: analyzer.Dist{Count: 1, Sum: 10e6},
		CriticalPath: []analyzer.PathRow{
			{Function: "main.worker", State: analyzer.StateRunning, NS: 6e6, Share: 0.6},
			{Function: "main.handler", State: analyzer.StateWaiting, Reason: "sleep", NS: 3e6, Share: 0.3},
			{State: analyzer.StateUnattributed, NS: 1e6, Share: 0.1},
		},
	}}
	c := htmlTaskChart(r, "task-path-0")
	if c == nil {
		t.Fatal("no chart task-path-0")
	}
	var got []string
	for _, k := range c.Legend {
		got = append(got, k.Class)
	}
	want := []string{"bar-running", "bar-blocked-sleep", "bar-blocked-unknown"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("legend %v, want %v", got, want)
	}
}
