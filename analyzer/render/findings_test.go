package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
)

func TestEvidenceValue(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    float64
		want string
	}{
		{"lock.wait_ns", 2.5e9, "2.50s"},
		{"gc.heap.max_bytes", 3 << 20, "3.00 MiB"},
		{"goroutines.creation_per_sec", 250000, "250k/s"},
		{"procs.utilization", 0.805, "80.5%"},
		{"gc.assist_share", 0.25, "25.0%"},
		{"findings.gc-pressure.impact", 0.3, "30.0%"},
		{"lock.waits", 1755, "1,755"},
		{"sched.runnable_mean", 2.549, "2.549"},
	} {
		if got := EvidenceValue(tt.name, tt.v); got != tt.want {
			t.Errorf("EvidenceValue(%s, %v) = %q, want %q", tt.name, tt.v, got, tt.want)
		}
	}
}

// TestFindingsText: the text formats put the findings first, and Markdown
// escapes what it would read as formatting.
func TestFindingsText(t *testing.T) {
	r := &analyzer.Report{Top: 10}
	r.Trace.DurationNS = 1e9
	r.Findings = []analyzer.Finding{{
		ID: "lock-contention", Title: "Lock contention on sync.Mutex", Impact: 0.36,
		Detail:   "Goroutines waited 4.13s for locks. Most at main.(*cache).get (cache.go:34), in sync.(*Mutex).Lock.",
		Evidence: map[string]float64{"lock.wait_ns": 4.13e9, "lock.waits": 1755},
		Where:    []analyzer.Location{{Function: "main.(*cache).get", File: "/src/cache.go", Line: 34, Via: "sync.(*Mutex).Lock", Count: 1755, TotalNS: 4.13e9}},
		Next:     []string{"the BLOCKING section"},
	}}
	var txt, md bytes.Buffer
	if err := Text(&txt, r); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	out := txt.String()
	if f, s := strings.Index(out, "FINDINGS"), strings.Index(out, "SUMMARY"); f < 0 || f > s {
		t.Errorf("text: findings at %d, summary at %d", f, s)
	}
	for _, want := range []string{
		"1. Lock contention on sync.Mutex [lock-contention, impact 36.0%]: Goroutines waited 4.13s",
		"- at main.(*cache).get (cache.go:34) in sync.(*Mutex).Lock: 1,755×, 4.13s",
		"- evidence: lock.wait_ns 4.13s, lock.waits 1,755",
		"- next: the BLOCKING section",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	m := md.String()
	for _, want := range []string{
		`**1. Lock contention on sync.Mutex \[lock-contention, impact 36.0%\]**: `,
		`main.(\*cache).get (cache.go:34), in sync.(\*Mutex).Lock.`,
		`- evidence: lock.wait\_ns 4.13s`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("markdown lacks %q:\n%s", want, m)
		}
	}
	var none bytes.Buffer
	r.Findings = nil
	if err := Text(&none, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(none.String(), "No findings") {
		t.Errorf("a report without findings does not say so:\n%s", none.String())
	}
}
