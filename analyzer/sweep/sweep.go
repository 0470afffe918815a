// Package sweep holds the result of a parameter sweep: a workload run at
// several values of one parameter (or of GOMAXPROCS), several runs each, and
// the table of its measurements and chosen metrics against the parameter.
//
// A claim such as "more threads than twice the cores makes switching costly"
// is about a curve; one run at one size cannot test it. `gotrace run
// WORKLOAD --sweep key=v1,v2,...` makes a Sweep; `gotrace check` takes one as
// a baseline, matching values by parameter. A Sweep is plain data: New
// computes the table (medians over the runs of each value) once, and
// renderers only format it.
package sweep

import (
	"math"
	"slices"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
)

// Kind identifies the JSON form of a Sweep; Schema is its version.
const (
	Kind   = "gotrace.sweep"
	Schema = 1
)

// DefaultMetrics are the report metrics a sweep's table shows besides the
// workload's measurements when none are chosen.
var DefaultMetrics = []string{"procs.utilization", "switches.per_sec", "sched.latency.p99_ns"}

// Sweep is the runs of one workload at each value of one parameter.
type Sweep struct {
	// Header says what the JSON document is (Kind, Schema) and which
	// gotrace produced it.
	buildinfo.Header
	Workload string `json:"workload"` // the built-in workload swept
	// Param is the parameter swept, or "gomaxprocs".
	Param string `json:"param"`
	// Env is what every entry shares: the machine, the Go release, and the
	// workload's other parameters (Params without Param).
	Env analyzer.Env `json:"env"`
	// Entries are the values in the order given, each with its runs.
	Entries []Entry `json:"entries"`
	// Series are the rows of the table: the workload's measurements (in
	// the order the workload reported them), then the chosen metrics.
	Series []Series `json:"series"`
}

// Entry is the runs at one value of the parameter.
type Entry struct {
	Value string `json:"value"` // canonical, e.g. "4"
	// Given is the value as written when it differs, e.g. "2x" (twice the
	// machine's cores).
	Given   string             `json:"given,omitempty"`
	Env     analyzer.Env       `json:"env"`
	Reports []*analyzer.Report `json:"reports"`
}

// Label is the value for display: "4", or "4 (2x)".
func (e *Entry) Label() string {
	if e.Given == "" || e.Given == e.Value {
		return e.Value
	}
	return e.Value + " (" + e.Given + ")"
}

// Series is one measurement (one variant of it) or one metric against the
// parameter: a point per entry.
type Series struct {
	// Metric is the name in the reports' metrics maps: "switches.per_sec",
	// or "measure.switch_ns.threads_1_1" for a measurement.
	Metric string `json:"metric"`
	// Name, Variant, Unit and Help describe a measurement (Name is empty
	// for a report metric, whose unit is in its name).
	Name    string `json:"name,omitempty"`
	Variant string `json:"variant,omitempty"`
	Unit    string `json:"unit,omitempty"`
	Help    string `json:"help,omitempty"`
	// Points has one point per entry, in the entries' order.
	Points []Point `json:"points"`
}

// Label names the series for display: "switch_ns [threads (1:1)]", or the
// metric.
func (s *Series) Label() string {
	switch {
	case s.Name == "":
		return s.Metric
	case s.Variant == "":
		return s.Name
	}
	return s.Name + " [" + s.Variant + "]"
}

// Point summarizes a series' values over the runs of one entry. N is 0 when
// no run had the value; then the other fields are 0.
type Point struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// New builds the sweep of workload over param from its entries, with a
// series for every measurement the reports hold and for each of metrics
// (DefaultMetrics when nil) that some report has. env is the environment
// the entries share.
func New(workload, param string, env analyzer.Env, entries []Entry, metrics []string) *Sweep {
	if metrics == nil {
		metrics = DefaultMetrics
	}
	s := &Sweep{Header: buildinfo.NewHeader(Kind, Schema), Workload: workload, Param: param, Env: env, Entries: entries}
	if len(s.Env.Params) > 0 {
		p := make(map[string]string, len(s.Env.Params))
		for k, v := range s.Env.Params {
			if k != param {
				p[k] = v
			}
		}
		s.Env.Params = p
	}
	// Measurements, in the order of first appearance.
	seen := map[string]bool{}
	for _, e := range entries {
		for _, r := range e.Reports {
			if r == nil {
				continue
			}
			for _, m := range r.Measurements {
				name := m.MetricName()
				if seen[name] {
					continue
				}
				seen[name] = true
				s.Series = append(s.Series, Series{Metric: name, Name: m.Name, Variant: m.Variant, Unit: m.Unit, Help: m.Help})
			}
		}
	}
	for _, m := range metrics {
		if seen[m] {
			continue
		}
		seen[m] = true
		s.Series = append(s.Series, Series{Metric: m})
	}
	for i := range s.Series {
		sr := &s.Series[i]
		for _, e := range entries {
			sr.Points = append(sr.Points, point(e.Reports, sr.Metric))
		}
	}
	// Drop chosen metrics that no report has (a measurement always has one).
	s.Series = slices.DeleteFunc(s.Series, func(sr Series) bool {
		for _, p := range sr.Points {
			if p.N > 0 {
				return false
			}
		}
		return true
	})
	return s
}

// point summarizes metric over reports.
func point(reports []*analyzer.Report, metric string) Point {
	var vals []float64
	for _, r := range reports {
		if r == nil {
			continue
		}
		if v, ok := r.Metrics[metric]; ok && !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return Point{}
	}
	slices.Sort(vals)
	n := len(vals)
	med := vals[n/2]
	if n%2 == 0 {
		med = (vals[n/2-1] + vals[n/2]) / 2
	}
	return Point{N: n, Median: med, Min: vals[0], Max: vals[n-1]}
}

// Groups returns the series grouped for charts: the variants of one
// measurement together (one chart, a line per variant), every other series
// alone, in table order.
func (s *Sweep) Groups() [][]*Series {
	var out [][]*Series
	at := map[string]int{}
	for i := range s.Series {
		sr := &s.Series[i]
		if sr.Name == "" {
			out = append(out, []*Series{sr})
			continue
		}
		if j, ok := at[sr.Name]; ok {
			out[j] = append(out[j], sr)
			continue
		}
		at[sr.Name] = len(out)
		out = append(out, []*Series{sr})
	}
	return out
}
