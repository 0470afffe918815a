// Package check compares trace metrics across runs, for CI: samples of a
// baseline against samples of the current code (a Mann-Whitney U test, as
// benchstat does, plus a per-metric threshold), and absolute budgets that
// need no baseline. It computes verdicts as plain data; package render
// formats them.
package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
)

// Direction says which way a metric gets better.
type Direction int

const (
	// Neutral metrics describe the workload (counts, durations of the trace)
	// and are never regressions; a change is reported as information.
	Neutral Direction = iota
	// LowerIsBetter: latencies, pauses, leaks.
	LowerIsBetter
	// HigherIsBetter: utilization.
	HigherIsBetter
)

// String returns "lower", "higher" or "neutral" (lower/higher is better).
func (d Direction) String() string {
	switch d {
	case LowerIsBetter:
		return "lower"
	case HigherIsBetter:
		return "higher"
	}
	return "neutral"
}

// MarshalText writes the direction as its String form in JSON.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the String form.
func (d *Direction) UnmarshalText(b []byte) error {
	switch string(b) {
	case "lower":
		*d = LowerIsBetter
	case "higher":
		*d = HigherIsBetter
	case "neutral":
		*d = Neutral
	default:
		return fmt.Errorf("unknown direction %q (want lower, higher or neutral)", b)
	}
	return nil
}

// Units of metrics, derived from their names (see analyzer.MetricUnit).
const (
	UnitNS     = analyzer.UnitNS
	UnitBytes  = analyzer.UnitBytes
	UnitPerSec = analyzer.UnitPerSec
	UnitRatio  = analyzer.UnitRatio
	UnitCount  = analyzer.UnitCount
)

// UnitOf returns the unit of a metric from its name (analyzer.MetricUnit).
func UnitOf(metric string) string { return analyzer.MetricUnit(metric) }

// Spec says how a metric is judged.
type Spec struct {
	Metric    string    `json:"metric"`
	Direction Direction `json:"direction"`
	// ThresholdPct is the smallest change of the median, in percent of the
	// baseline median, that counts (a smaller one, however significant, is
	// noise for CI purposes). 0 means any change counts.
	ThresholdPct float64 `json:"threshold_pct"`
	// MinDelta is the smallest absolute change of the median, in the
	// metric's unit, that counts; 0 means none. It keeps a large relative
	// move of a tiny quantity (0.2% -> 0.4% of CPU in GC) from failing.
	MinDelta float64 `json:"min_delta,omitempty"`
	// Gated metrics are compared by default, and can regress.
	Gated bool `json:"gated,omitempty"`
	// Reported metrics are compared by default but judged without a
	// direction (a change is "changed", never a regression or an
	// improvement) unless named in Options.Metrics, Thresholds or
	// Directions, which gates them.
	Reported bool   `json:"reported,omitempty"`
	Unit     string `json:"unit"`
}

// defaultNeutralThreshold is the threshold of metrics without an entry in
// judged: only used to call a neutral change "changed" when such a metric is
// compared on request.
const defaultNeutralThreshold = 10

// judged lists the metrics with a direction, the default ones first in the
// order they are reported. The thresholds are about practical significance:
// the U test already guards against noise (p < alpha), the threshold keeps a
// tiny but consistent shift from failing a build. README's "How often does
// an unchanged program fail?" measures what these defaults give.
var judged = []Spec{
	// Wall time: the regression people notice first. For the same work a
	// longer trace means the program got slower, whatever the cause.
	{Metric: "trace.duration_ns", Direction: LowerIsBetter, ThresholdPct: 10, Gated: true},
	// Utilization is a bounded ratio that varies little between runs of the
	// same work; losing 5% of it (0.90 -> 0.855) means Ps sat idle that
	// used to work: contention or serialization.
	{Metric: "procs.utilization", Direction: HigherIsBetter, ThresholdPct: 5, Gated: true},
	// Blocked time by reason class: a lock held longer, a channel that
	// waits on a slower producer. The sums over goroutines move with the
	// run's length and the scheduler's luck, hence 20%; changes under 1ms of
	// total waiting do not count.
	{Metric: "block.class.sync.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20, MinDelta: 1e6, Gated: true},
	{Metric: "block.class.chan.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20, MinDelta: 1e6, Gated: true},
	{Metric: "block.class.select.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20, MinDelta: 1e6, Gated: true},
	// GC's share of CPU: 20% more of it, and at least one point of CPU
	// (a move from 0.2% to 0.4% is noise, not pressure).
	{Metric: "procs.gc_utilization", Direction: LowerIsBetter, ThresholdPct: 20, MinDelta: 0.01, Gated: true},
	// Stop-the-world pauses are tens of microseconds, where timer and OS
	// noise is large: the longest pause gets 25%, the total (summed over
	// cycles, so steadier) 20%.
	{Metric: "gc.stw.max_ns", Direction: LowerIsBetter, ThresholdPct: 25, Gated: true},
	{Metric: "gc.stw.total_ns", Direction: LowerIsBetter, ThresholdPct: 20, Gated: true},
	// Leaked goroutines: any increase counts (0%); from a baseline of 0,
	// where a percentage is undefined, any absolute increase of the median
	// counts. For a hard "never leak" gate use the budget --max
	// goroutines.leaked=0, which looks at every sample.
	{Metric: "goroutines.leaked", Direction: LowerIsBetter, ThresholdPct: 0, Gated: true},
	// Switch rate: for the same work, more switches per second means
	// goroutines block, yield or get preempted more often (lock convoys,
	// channel ping-pong). Work that merely gets faster also raises the rate
	// a little, hence a wide 20%.
	{Metric: "switches.per_sec", Direction: LowerIsBetter, ThresholdPct: 20, Gated: true},
	// Scheduler latency, how long a runnable goroutine waits for a P, is
	// reported but not gated: it falls when goroutines park on a lock
	// instead of queueing for a P, so a gate would call a lock-contention
	// regression an improvement. Naming it (--metric, --threshold) gates it.
	{Metric: "sched.latency.p50_ns", Direction: LowerIsBetter, ThresholdPct: 10, Reported: true},
	{Metric: "sched.latency.p99_ns", Direction: LowerIsBetter, ThresholdPct: 15, Reported: true},

	// Not compared by default; compared when named (--threshold or Metrics).
	{Metric: "sched.latency.mean_ns", Direction: LowerIsBetter, ThresholdPct: 15},
	{Metric: "sched.latency.p90_ns", Direction: LowerIsBetter, ThresholdPct: 15},
	{Metric: "sched.latency.p999_ns", Direction: LowerIsBetter, ThresholdPct: 25},
	{Metric: "sched.latency.max_ns", Direction: LowerIsBetter, ThresholdPct: 50},
	{Metric: "sched.wait.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "sched.wait.after_first_run_ns", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "switches.per_sec_per_p", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "gc.stw.p99_ns", Direction: LowerIsBetter, ThresholdPct: 25},
	{Metric: "gc.cycles", Direction: LowerIsBetter, ThresholdPct: 10},
	{Metric: "gc.mark_ns", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "gc.assist_ns", Direction: LowerIsBetter, ThresholdPct: 25},
	{Metric: "gc.heap.max_bytes", Direction: LowerIsBetter, ThresholdPct: 10},
	{Metric: "goroutines.blocked_at_end", Direction: LowerIsBetter, ThresholdPct: 0},
	{Metric: "block.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "block.sync.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "block.net.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "block.class.network.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20, MinDelta: 1e6},
	{Metric: "syscalls.completed_ns", Direction: LowerIsBetter, ThresholdPct: 20},
	{Metric: "syscalls.p99_ns", Direction: LowerIsBetter, ThresholdPct: 25},
	{Metric: "syscalls.max_ns", Direction: LowerIsBetter, ThresholdPct: 50},
	{Metric: "stw.other.total_ns", Direction: LowerIsBetter, ThresholdPct: 25},
	{Metric: "stw.other.max_ns", Direction: LowerIsBetter, ThresholdPct: 50},
}

// findingSpecs judges the findings' impacts (findings.ID.impact): lower is
// better, and a change of 25% of the baseline's impact counts (from a
// baseline of 0, any impact does).
func findingSpecs() []Spec {
	var out []Spec
	for _, id := range findings.IDs() {
		out = append(out, Spec{Metric: findings.MetricName(id), Direction: LowerIsBetter, ThresholdPct: 25})
	}
	return out
}

// specs is the full table: judged, then every other metric the analyzer
// reports, neutral, sorted by name.
var specs, specIndex = buildSpecs()

func buildSpecs() ([]Spec, map[string]int) {
	out := make([]Spec, 0, 128)
	idx := map[string]int{}
	for _, s := range append(slices.Clone(judged), findingSpecs()...) {
		s.Unit = UnitOf(s.Metric)
		idx[s.Metric] = len(out)
		out = append(out, s)
	}
	var rest []string
	for name := range analyzer.Metrics(&analyzer.Report{}) {
		if _, ok := idx[name]; !ok {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		idx[name] = len(out)
		out = append(out, Spec{Metric: name, Direction: Neutral, ThresholdPct: defaultNeutralThreshold, Unit: UnitOf(name)})
	}
	return out, idx
}

// Specs returns the table of known metrics: the gated ones first, in report
// order, then the others with a direction, then the neutral ones by name.
// The caller may modify the returned slice.
func Specs() []Spec {
	return append([]Spec(nil), specs...)
}

// SpecOf returns the spec of a metric. A task or region type's latency
// (task.TYPE.latency.*_ns, region.TYPE.latency.*_ns) is lower-is-better,
// with a threshold of 20% (mean, p50) or 25% (the tail); the type's shares
// and counts are neutral (which way is bad depends on the category: give
// the threshold a sign). Any other metric the table does not know (one a
// newer analyzer or a workload added) is neutral with the default
// threshold; ok reports whether the table knew it.
func SpecOf(metric string) (s Spec, ok bool) {
	if i, ok := specIndex[metric]; ok {
		return specs[i], true
	}
	if q, ok := annotationLatency(metric); ok {
		pct := 25.0
		if q == "mean" || q == "p50" {
			pct = 20
		}
		return Spec{Metric: metric, Direction: LowerIsBetter, ThresholdPct: pct, Unit: UnitNS}, true
	}
	return Spec{Metric: metric, Direction: Neutral, ThresholdPct: defaultNeutralThreshold, Unit: UnitOf(metric)}, false
}

// Gated returns the metrics gated by default, in report order.
func Gated() []string {
	var out []string
	for _, s := range specs {
		if s.Gated {
			out = append(out, s.Metric)
		}
	}
	return out
}

// Reported returns the metrics compared by default without being gated
// (Spec.Reported), in report order.
func Reported() []string {
	var out []string
	for _, s := range specs {
		if s.Reported {
			out = append(out, s.Metric)
		}
	}
	return out
}

// unknownMetricError says a name is not a metric and suggests close ones.
func unknownMetricError(what, name string, known []string) error {
	close := closeNames(name, known, 4)
	if len(close) > 0 {
		return fmt.Errorf("%s: unknown metric %q; did you mean %s?", what, name, strings.Join(close, ", "))
	}
	return fmt.Errorf("%s: unknown metric %q; metric names are the keys of \"metrics\" in a JSON report (e.g. sched.latency.p99_ns, procs.utilization, goroutines.leaked)", what, name)
}

// closeNames returns up to n names of known close to name: by edit
// distance, else by sharing name's first dotted component.
func closeNames(name string, known []string, n int) []string {
	type cand struct {
		s string
		d int
	}
	var cs []cand
	limit := max(3, len(name)/3)
	for _, k := range known {
		d := editDistance(strings.ToLower(name), strings.ToLower(k))
		// A name that contains the query (or the reverse) is close too:
		// "p99" -> sched.latency.p99_ns.
		if d <= limit || (len(name) >= 3 && strings.Contains(k, name)) {
			cs = append(cs, cand{k, d})
		}
	}
	if len(cs) == 0 {
		prefix, _, _ := strings.Cut(name, ".")
		for _, k := range known {
			if strings.HasPrefix(k, prefix+".") {
				cs = append(cs, cand{k, editDistance(name, k)})
			}
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].s < cs[j].s
	})
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].s)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// annotationLatency returns the quantile of a task or region type's latency
// metric: "p99" of task.TYPE.latency.p99_ns (TYPE may hold dots).
func annotationLatency(metric string) (q string, ok bool) {
	if !strings.HasPrefix(metric, "task.") && !strings.HasPrefix(metric, "region.") {
		return "", false
	}
	i := strings.LastIndex(metric, ".latency.")
	if i < 0 || !strings.HasSuffix(metric, "_ns") {
		return "", false
	}
	q = strings.TrimSuffix(metric[i+len(".latency."):], "_ns")
	switch q {
	case "mean", "p50", "p90", "p99", "max":
		return q, true
	}
	return "", false
}
