// Package diff says where two runs differ: two sets of reports (a base and
// a current side, one report per trace) compared section by section —
// headline metrics, goroutine groups by state, blocking stacks by reason,
// syscall stacks, scheduler latency and run-slice quantiles, task and region
// types — each section ranked by the size of the change.
//
// One report is one sample. With several samples a side, every row carries
// the statistics `check` uses (package stats: medians, a Mann-Whitney U
// test) and the ranking puts significant changes first; with one sample a
// side the rows are plain differences. Compare is a pure function of the
// reports: it works the same on reports just analyzed and on JSON reports
// read back. Package render formats a Diff.
package diff

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
	"github.com/gotrace/gotrace/analyzer/stats"
)

// Kind identifies the JSON form of a Diff; Schema is its version.
const (
	Kind   = "gotrace.diff"
	Schema = 1
)

// DefaultTop is the number of rows kept per ranked section by default.
const DefaultTop = 10

// Options control a comparison. The zero value uses the defaults.
type Options struct {
	// Alpha is the significance level of the U test; 0 means 0.05.
	Alpha float64
	// Top is the number of rows kept in each ranked section (groups,
	// blocking, syscalls, tasks); 0 means DefaultTop, a negative value all.
	// The metrics and distributions sections are never cut.
	Top int
}

// Side is one side of a comparison: the reports of its samples.
type Side struct {
	// Name says where the side came from (a file name).
	Name string
	// Env is what the inputs say of their environment.
	Env analyzer.Env
	// Reports are the samples, one per trace.
	Reports []*analyzer.Report
	// Sources name the samples (optional; the reports' source names
	// otherwise).
	Sources []string
	// Warnings about the inputs, one line each.
	Warnings []string
}

// Diff is the comparison of two sides. Every row holds medians over each
// side's samples.
type Diff struct {
	buildinfo.Header
	Base    SideInfo `json:"base"`
	Current SideInfo `json:"current"`
	// Tested is set when both sides have at least two samples: rows then
	// carry the U test's p-value and whether the change is significant.
	// Without it rows are plain differences.
	Tested bool    `json:"tested"`
	Alpha  float64 `json:"alpha"`
	// Method says in one sentence how the sides were compared.
	Method   string   `json:"method"`
	Warnings []string `json:"warnings,omitempty"`

	// Metrics are the headline metrics, largest relative change first.
	Metrics []MetricRow `json:"metrics"`
	// Groups are goroutine groups (start function) by state, and by reason
	// class when blocked.
	Groups []GroupRow `json:"groups"`
	// Blocking is completed waits by reason and blocking stack.
	Blocking []StackRow `json:"blocking"`
	// Syscalls is completed syscalls by stack.
	Syscalls []StackRow `json:"syscalls"`
	// Distributions are the quantiles of scheduler latency and run slices,
	// side by side, in quantile order (not ranked).
	Distributions []QuantileRow `json:"distributions"`
	// Tasks are task and region types: count and duration quantiles.
	Tasks []TaskRow `json:"tasks"`
	// Findings that appear or disappear between the sides (empty until the
	// reports carry findings).
	Findings []FindingRow `json:"findings,omitempty"`
	// Omitted counts, per section name ("groups", "blocking", ...), the
	// rows left out by Options.Top.
	Omitted map[string]int `json:"omitted,omitempty"`
}

// SideInfo describes one side.
type SideInfo struct {
	Name    string       `json:"name"`
	N       int          `json:"n"` // samples
	Env     analyzer.Env `json:"env"`
	Sources []string     `json:"sources,omitempty"`
}

// Row statuses.
const (
	// New: absent (zero) in every base sample, present in the current ones.
	New = "new"
	// Vanished: present in the base, absent (zero) in every current sample.
	Vanished = "vanished"
)

// Stat is what every row holds besides its values.
type Stat struct {
	// BaseN and CurrentN count the samples with a value: a sample whose
	// report listed only its top stacks or groups, without this one, has
	// none.
	BaseN    int `json:"base_n"`
	CurrentN int `json:"current_n"`
	// DeltaPct is the change of the median in percent of the base's; nil
	// when the base median is 0.
	DeltaPct *float64 `json:"delta_pct,omitempty"`
	// P is the U test's p-value (Diff.Tested only).
	P *float64 `json:"p,omitempty"`
	// Significant: P < Alpha.
	Significant bool `json:"significant"`
	// Status is New, Vanished or empty.
	Status string `json:"status,omitempty"`
	// Note explains what the numbers cannot show, in one sentence.
	Note string `json:"note,omitempty"`
}

// Times are medians of a duration, in nanoseconds.
type Times struct {
	BaseNS    float64 `json:"base_ns"`
	CurrentNS float64 `json:"current_ns"`
	DeltaNS   float64 `json:"delta_ns"`
	Stat
}

// Values are medians of a quantity in the unit of its row.
type Values struct {
	Base    float64 `json:"base"`
	Current float64 `json:"current"`
	Delta   float64 `json:"delta"`
	Stat
}

// MetricRow is one headline metric.
type MetricRow struct {
	Metric string `json:"metric"`
	Unit   string `json:"unit"` // analyzer.MetricUnit
	Values
}

// GroupRow is the time a goroutine group spent in one state.
type GroupRow struct {
	Group  string `json:"group"` // start function
	System bool   `json:"system,omitempty"`
	// State is "running", "runnable", "syscall" or "blocked".
	State string `json:"state"`
	// Reason is the reason class of a blocked state ("sync", "chan", ...).
	Reason string `json:"reason,omitempty"`
	Times
}

// StackRow is time attributed to one stack: blocking under one reason, or
// syscalls.
type StackRow struct {
	Reason string `json:"reason,omitempty"` // the wait reason (blocking rows)
	// Where is the stack, innermost frame first.
	Where []Frame `json:"where"`
	// User is the first frame of the program's own code (outside the
	// standard library), when the stack has one.
	User *Frame `json:"user,omitempty"`
	// BaseCount and CurrentCount are the medians of the number of waits or
	// syscalls.
	BaseCount    float64 `json:"base_count"`
	CurrentCount float64 `json:"current_count"`
	Times
}

// Frame is one stack frame.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// QuantileRow is one quantile of a distribution.
type QuantileRow struct {
	// Dist is "sched.latency" or "switches.run_slice".
	Dist string `json:"dist"`
	// Quantile is "p50", "p90", "p99", "p999", "max" or "mean".
	Quantile string `json:"quantile"`
	Times
}

// TaskRow is one quantity of a task or region type.
type TaskRow struct {
	Kind string `json:"kind"` // "task" or "region"
	Type string `json:"type"`
	// Quantity is "count" (completed), "p50_ns" or "p99_ns" (duration),
	// "breakdown.STATE[.REASON]_share" (a breakdown category's share) or
	// "critical.FUNCTION.STATE[.REASON][@FILE:LINE]_share" (a critical-path
	// row's share, FILE its base name); its unit follows from the name
	// (analyzer.MetricUnit).
	Quantity string `json:"quantity"`
	// Label is the quantity for people: "p99", "breakdown: waiting sync",
	// "critical path: main.worker running (cache.go:41)".
	Label string `json:"label"`
	Unit  string `json:"unit"`
	Values
}

// FindingRow is a finding present on at least one side.
type FindingRow struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Status is "appeared" (in no base sample), "disappeared" (in no
	// current sample) or "both".
	Status string `json:"status"`
	// BaseIn and CurrentIn count the samples that have the finding.
	BaseIn    int `json:"base_in"`
	CurrentIn int `json:"current_in"`
	// Impact is the finding's impact (0..1), 0 in samples without it.
	Impact Values `json:"impact"`
}

// Finding statuses.
const (
	Appeared    = "appeared"
	Disappeared = "disappeared"
	Both        = "both"
)

// Compare compares the current side with the base.
func Compare(base, cur Side, opts Options) *Diff {
	alpha := opts.Alpha
	if !(alpha > 0 && alpha < 1) {
		alpha = stats.DefaultAlpha
	}
	top := opts.Top
	if top == 0 {
		top = DefaultTop
	}
	nb, nc := len(base.Reports), len(cur.Reports)
	d := &Diff{
		Header: buildinfo.NewHeader(Kind, Schema),
		Base:   sideInfo(base), Current: sideInfo(cur),
		Tested: nb >= 2 && nc >= 2, Alpha: alpha,
	}
	if d.Tested {
		d.Method = fmt.Sprintf("Medians of %d base and %d current samples; Mann-Whitney U test, alpha %v; significant changes rank first.", nb, nc, alpha)
		if minP := stats.MinUTestP(nb, nc); minP >= alpha {
			d.Warnings = append(d.Warnings, fmt.Sprintf("with %d and %d samples the U test cannot reach p < %v (smallest possible p is %.3g), so no change can be significant; give 4 or more samples a side", nb, nc, alpha, minP))
		}
	} else {
		d.Method = "One sample a side: plain differences, no significance test (give report sets of several runs a side, e.g. gotrace run --count 5 --format json, for p-values)."
	}
	for _, w := range base.Warnings {
		d.Warnings = append(d.Warnings, "base: "+w)
	}
	for _, w := range cur.Warnings {
		d.Warnings = append(d.Warnings, "current: "+w)
	}

	c := &comparer{alpha: alpha, tested: d.Tested, nb: nb, nc: nc}
	d.Metrics = c.metrics(base.Reports, cur.Reports)
	d.Groups = c.groups(base.Reports, cur.Reports)
	d.Blocking = c.stacks(base.Reports, cur.Reports, blockingStacks)
	d.Syscalls = c.stacks(base.Reports, cur.Reports, syscallStacks)
	d.Distributions = c.distributions(base.Reports, cur.Reports)
	d.Tasks = c.tasks(base.Reports, cur.Reports)
	d.Findings = c.findings(base.Reports, cur.Reports)

	cut := func(name string, n int) int {
		if top < 0 || n <= top {
			return n
		}
		if d.Omitted == nil {
			d.Omitted = map[string]int{}
		}
		d.Omitted[name] = n - top
		return top
	}
	d.Groups = d.Groups[:cut("groups", len(d.Groups))]
	d.Blocking = d.Blocking[:cut("blocking", len(d.Blocking))]
	d.Syscalls = d.Syscalls[:cut("syscalls", len(d.Syscalls))]
	d.Tasks = d.Tasks[:cut("tasks", len(d.Tasks))]
	d.Findings = d.Findings[:cut("findings", len(d.Findings))]
	return d
}

func sideInfo(s Side) SideInfo {
	info := SideInfo{Name: s.Name, N: len(s.Reports), Env: s.Env, Sources: s.Sources}
	if len(info.Sources) == 0 {
		for _, r := range s.Reports {
			info.Sources = append(info.Sources, r.Source.Name)
		}
	}
	return info
}

// comparer compares the quantities of the two sides' reports.
type comparer struct {
	alpha  float64
	tested bool
	nb, nc int // samples a side
}

// key names one quantity of one entity (a group, a stack, a metric).
type key struct{ ent, sub string }

// table is the quantities of one report for one section.
type table struct {
	vals map[key]float64
	// listed holds the entities the report lists; partial the scopes (a
	// wait reason, the group list) whose lists were cut at the report's
	// top N. An entity absent from a partial scope is unknown in that
	// report; absent from a complete one it is 0.
	listed  map[string]bool
	partial map[string]bool
}

func newTable() *table {
	return &table{vals: map[key]float64{}, listed: map[string]bool{}, partial: map[string]bool{}}
}

func (t *table) add(ent, sub string, v float64) {
	t.listed[ent] = true
	t.vals[key{ent, sub}] += v
}

// value is the quantity in this report, and whether the report knows it.
func (t *table) value(k key, scope string) (float64, bool) {
	if v, ok := t.vals[k]; ok {
		return v, true
	}
	if t.listed[k.ent] || !t.partial[scope] {
		return 0, true
	}
	return 0, false
}

// samples returns the known values of k over the tables.
func samples(ts []*table, k key, scope string) []float64 {
	var out []float64
	for _, t := range ts {
		if v, ok := t.value(k, scope); ok {
			out = append(out, v)
		}
	}
	return out
}

// keys returns the keys of every table, sorted.
func keys(sides ...[]*table) []key {
	seen := map[key]bool{}
	var out []key
	for _, ts := range sides {
		for _, t := range ts {
			for k := range t.vals {
				if !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b key) int {
		if c := cmp.Compare(a.ent, b.ent); c != 0 {
			return c
		}
		return cmp.Compare(a.sub, b.sub)
	})
	return out
}

// compare makes the statistics of one quantity from its samples. ok is
// false when every sample on both sides is 0 (nothing to show).
func (c *comparer) compare(bv, cv []float64) (st Stat, cmpn stats.Comparison, ok bool) {
	if allZero(bv) && allZero(cv) {
		return st, cmpn, false
	}
	cmpn = stats.Compare(bv, cv, c.tested)
	st = Stat{BaseN: cmpn.BaseN, CurrentN: cmpn.CurN, DeltaPct: cmpn.DeltaPct, P: cmpn.P, Significant: cmpn.Significant(c.alpha)}
	switch {
	case len(bv) == c.nb && allZero(bv) && len(cv) > 0 && !allZero(cv):
		st.Status = New
	case len(cv) == c.nc && allZero(cv) && len(bv) > 0 && !allZero(bv):
		st.Status = Vanished
	}
	switch {
	case len(bv) == 0:
		st.Note = "not listed in the base's reports (" + notListed + ")"
	case len(cv) == 0:
		st.Note = "not listed in the current reports (" + notListed + ")"
	case len(bv) < c.nb || len(cv) < c.nc:
		st.Note = fmt.Sprintf("listed in %d of %d base and %d of %d current reports (the others list only their top stacks or groups)", len(bv), c.nb, len(cv), c.nc)
	}
	return st, cmpn, true
}

func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func timesOf(st Stat, c stats.Comparison) Times {
	return Times{BaseNS: c.BaseMedian, CurrentNS: c.CurMedian, DeltaNS: c.Delta, Stat: st}
}

func valuesOf(st Stat, c stats.Comparison) Values {
	return Values{Base: c.BaseMedian, Current: c.CurMedian, Delta: c.Delta, Stat: st}
}

// rankAbs orders rows: significant first (every row is equal here when
// untested), then the program's own (runtime reports whether a row is the
// runtime's: a runtime goroutine group, a stack without user code), then
// by the size of the change, then in the order the rows came (stable).
func rankAbs[R any](rows []R, stat func(*R) (Stat, float64), runtime func(*R) bool) {
	slices.SortStableFunc(rows, func(a, b R) int {
		sa, da := stat(&a)
		sb, db := stat(&b)
		if sa.Significant != sb.Significant {
			if sa.Significant {
				return -1
			}
			return 1
		}
		if runtime != nil {
			if ra, rb := runtime(&a), runtime(&b); ra != rb {
				if rb {
					return -1
				}
				return 1
			}
		}
		return cmp.Compare(math.Abs(db), math.Abs(da))
	})
}

// relSize is the size of a relative change for ranking: |delta %|, or
// +Inf for a change from 0.
func relSize(st Stat, delta float64) float64 {
	if st.DeltaPct != nil {
		return *st.DeltaPct
	}
	if delta != 0 {
		return math.Inf(1)
	}
	return 0
}

// frames converts a report's stack.
func frames(s []analyzer.Frame) []Frame {
	out := make([]Frame, len(s))
	for i, f := range s {
		out[i] = Frame{Function: f.Func, File: f.File, Line: f.Line}
	}
	return out
}

// stackKey identifies a stack by the functions of its frames, with the
// numbers the compiler gives closures left out ("main.run.func2" is
// "main.run.func"): adding a closure to a function renumbers the ones after
// it, and inlining renames them, without changing what the stack is.
func stackKey(s []analyzer.Frame) string {
	var b strings.Builder
	for _, f := range s {
		b.WriteString(closureNumbers.ReplaceAllString(f.Func, "$1"))
		b.WriteByte(0)
	}
	return b.String()
}

// closureNumbers matches the numbers of compiler-named closures and
// wrappers: ".func3", ".gowrap2", "-range1".
var closureNumbers = regexp.MustCompile(`(\.func|\.gowrap|-range|\.deferwrap)[0-9]+`)

// notListed says why a row may be missing on one side.
const notListed = "they list only their top stacks or groups, analyze with --top -1 for all; " +
	"the top 20 rows of a critical path; no breakdown or critical path when analyzed without them"
