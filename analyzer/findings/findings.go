// Package findings diagnoses the problems an analyzer.Report shows: goroutine
// leaks, lock contention, channel waits, CPU saturation, GC pressure and the
// rest of IDs. A finding says what is wrong, how much of the program's time it
// explains (its impact, 0..1), the numbers behind it, the user's code it
// points at and where to look next.
//
// Findings are a pure function of a finished Report: plain data in, plain
// data out. They work the same on a report just analyzed, on a JSON report
// read back, and on both sides of a comparison. The rules are in rules.go;
// README.md documents every id.
package findings

import (
	"cmp"
	"slices"

	"github.com/gotrace/gotrace/analyzer"
)

// Finding ids, stable across releases.
const (
	GoroutineLeak  = "goroutine-leak"
	LockContention = "lock-contention"
	ChannelWait    = "channel-wait"
	CPUSaturation  = "cpu-saturation"
	GCPressure     = "gc-pressure"
	SyscallThreads = "syscall-threads"
	GoroutineChurn = "goroutine-churn"
	LongRunSlices  = "long-run-slices"
	NonGCSTW       = "non-gc-stw"
	IdleProcs      = "idle-procs"
	SlowRequests   = "slow-requests"
)

// IDs returns every finding id, in the order the rules run.
func IDs() []string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.id
	}
	return ids
}

// Of returns the findings of a report, most impactful first. It does not
// modify r. A report with no events has none.
func Of(r *analyzer.Report) []analyzer.Finding {
	out := []analyzer.Finding{}
	if r == nil || r.Trace.DurationNS <= 0 {
		return out
	}
	c := newContext(r)
	for _, rl := range rules {
		if f := rl.fn(c); f != nil {
			f.ID = rl.id
			f.Impact = round3(clamp01(f.Impact))
			out = append(out, *f)
		}
	}
	slices.SortStableFunc(out, func(a, b analyzer.Finding) int { return cmp.Compare(b.Impact, a.Impact) })
	return out
}

// Attach sets r.Findings and adds the findings' metrics to r.Metrics (see
// Metrics). It returns r.
func Attach(r *analyzer.Report) *analyzer.Report {
	if r == nil {
		return r
	}
	r.Findings = Of(r)
	if r.Metrics == nil {
		r.Metrics = analyzer.Metrics(r)
	}
	for k, v := range metricsOf(r.Findings) {
		r.Metrics[k] = v
	}
	return r
}

// Metrics returns findings.ID.impact for every finding id: the finding's
// impact, or 0 when the report does not show it; check gates on these
// (--max findings.lock-contention.impact=0.2).
func Metrics(r *analyzer.Report) map[string]float64 {
	return metricsOf(Of(r))
}

func metricsOf(fs []analyzer.Finding) map[string]float64 {
	m := make(map[string]float64, len(rules))
	for _, id := range IDs() {
		m[MetricName(id)] = 0
	}
	for _, f := range fs {
		m[MetricName(f.ID)] = f.Impact
	}
	return m
}

// MetricName is the metric of a finding's impact: "findings.ID.impact".
func MetricName(id string) string { return "findings." + id + ".impact" }

func clamp01(v float64) float64 {
	switch {
	case !(v > 0): // NaN too
		return 0
	case v > 1:
		return 1
	}
	return v
}

// round3 keeps impacts short and stable in JSON.
func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
