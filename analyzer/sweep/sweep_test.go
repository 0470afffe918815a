package sweep

import (
	"slices"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
)

// rep makes a report with measurements and metrics.
func rep(ms []analyzer.Measurement, metrics map[string]float64) *analyzer.Report {
	r := &analyzer.Report{Measurements: ms, Metrics: map[string]float64{}}
	for k, v := range metrics {
		r.Metrics[k] = v
	}
	for _, m := range ms {
		r.Metrics[m.MetricName()] = m.Value
	}
	return r
}

func TestNew(t *testing.T) {
	sw := func(variant string, v float64) analyzer.Measurement {
		return analyzer.Measurement{Name: "switch_ns", Variant: variant, Value: v, Unit: "ns", Help: "ns per switch"}
	}
	tput := func(v float64) analyzer.Measurement {
		return analyzer.Measurement{Name: "handoffs_per_sec", Value: v, Unit: "/s"}
	}
	entries := []Entry{
		{Value: "1", Given: "0.5x", Reports: []*analyzer.Report{
			rep([]analyzer.Measurement{sw("threads", 30), sw("goroutines", 3), tput(10)}, map[string]float64{"switches.per_sec": 100}),
			rep([]analyzer.Measurement{sw("threads", 10), sw("goroutines", 1), tput(30)}, map[string]float64{"switches.per_sec": 300}),
			rep([]analyzer.Measurement{sw("threads", 20), sw("goroutines", 2), tput(20)}, map[string]float64{"switches.per_sec": 200}),
		}},
		{Value: "2", Given: "2", Reports: []*analyzer.Report{
			rep([]analyzer.Measurement{sw("threads", 40), tput(5)}, map[string]float64{"switches.per_sec": 50}),
			rep([]analyzer.Measurement{sw("threads", 60), tput(7)}, map[string]float64{"switches.per_sec": 70}),
		}},
	}
	env := analyzer.Env{Workload: "oversub", Params: map[string]string{"pairs": "1", "duration": "1s"}}
	s := New("oversub", "pairs", env, entries, []string{"switches.per_sec", "no.such_metric"})
	if s.Kind != Kind || s.Param != "pairs" || s.Env.Params["pairs"] != "" || s.Env.Params["duration"] != "1s" {
		t.Errorf("sweep header: kind %q param %q env params %v (want the swept one left out)", s.Kind, s.Param, s.Env.Params)
	}
	if env.Params["pairs"] != "1" {
		t.Errorf("New modified the caller's environment")
	}
	var labels []string
	for i := range s.Series {
		labels = append(labels, s.Series[i].Label())
	}
	// Measurements in their order, then the metrics some report has.
	want := []string{"switch_ns [threads]", "switch_ns [goroutines]", "handoffs_per_sec", "switches.per_sec"}
	if !slices.Equal(labels, want) {
		t.Fatalf("series %q, want %q", labels, want)
	}
	pts := func(i int) []Point { return s.Series[i].Points }
	if got := pts(0); got[0] != (Point{N: 3, Median: 20, Min: 10, Max: 30}) || got[1] != (Point{N: 2, Median: 50, Min: 40, Max: 60}) {
		t.Errorf("switch_ns [threads] points %+v", got)
	}
	if got := pts(1); got[0].N != 3 || got[0].Median != 2 || got[1].N != 0 {
		t.Errorf("switch_ns [goroutines] points %+v, want none at 2", got)
	}
	if got := pts(3); got[0].Median != 200 || got[1].Median != 60 {
		t.Errorf("switches.per_sec points %+v", got)
	}
	if s.Series[0].Unit != "ns" || s.Series[0].Help != "ns per switch" || s.Series[0].Metric != "measure.switch_ns.threads" {
		t.Errorf("series 0 = %+v", s.Series[0])
	}
	if l := s.Entries[0].Label(); l != "1 (0.5x)" {
		t.Errorf("label %q", l)
	}
	if l := s.Entries[1].Label(); l != "2" {
		t.Errorf("label %q", l)
	}
	// Charts: the variants of switch_ns together.
	g := s.Groups()
	if len(g) != 3 || len(g[0]) != 2 || g[0][1].Variant != "goroutines" || g[1][0].Name != "handoffs_per_sec" || g[2][0].Metric != "switches.per_sec" {
		t.Errorf("groups %d: %+v", len(g), g)
	}
}

func TestNewDefaultMetrics(t *testing.T) {
	r := rep(nil, map[string]float64{"procs.utilization": 0.5, "switches.per_sec": 10, "sched.latency.p99_ns": 1000, "gc.cycles": 3})
	s := New("fanout", "workers", analyzer.Env{}, []Entry{{Value: "1", Reports: []*analyzer.Report{r}}}, nil)
	var got []string
	for _, sr := range s.Series {
		got = append(got, sr.Metric)
	}
	if !slices.Equal(got, DefaultMetrics) {
		t.Errorf("series %v, want the default metrics %v", got, DefaultMetrics)
	}
}
