package check

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
	"github.com/gotrace/gotrace/analyzer/diff"
	"github.com/gotrace/gotrace/analyzer/stats"
)

// ResultKind identifies the JSON form of a Result; ResultSchema is its
// version.
const (
	ResultKind   = "gotrace.check"
	ResultSchema = 1
)

// Defaults of Options.
const (
	DefaultAlpha      = stats.DefaultAlpha
	DefaultMinSamples = 4
)

// Exit codes of a check (see Result.ExitCode), as the CLI contract has them.
const (
	ExitPass         = 0 // nothing regressed, every budget held
	ExitFail         = 1 // a regression or a broken budget
	ExitInsufficient = 3 // not enough data to decide, and nothing failed
)

// Options configure a comparison. The zero value uses the defaults.
type Options struct {
	// Alpha is the significance level of the U test; 0 means 0.05.
	Alpha float64
	// Thresholds overrides metrics' thresholds, in percent of the baseline
	// median. Naming a metric here also compares it when it is not in the
	// compared list. A neutral metric (one without a direction in Specs,
	// such as a workload's measure.*) named here needs a direction in
	// Directions.
	Thresholds map[string]float64
	// Directions overrides metrics' directions: which way of change is a
	// regression. It is how a neutral metric gets gated.
	Directions map[string]Direction
	// Max and Min are absolute budgets: every current sample must have the
	// metric <= Max (>= Min). They need no baseline.
	Max, Min map[string]float64
	// Metrics replaces the default list of compared metrics (Gated(),
	// Reported() and Gates). A neutral metric named here is compared and
	// its change reported, never counted as a regression.
	Metrics []string
	// Gates adds metrics to the default gated list, with their direction
	// and threshold: a workload's own throughput or wall time, which only
	// its samples have (see workloads.Workload.Gate). Thresholds and
	// Directions override them; Metrics replaces the default list, these
	// included. A gate on a metric that neither side has is left out.
	Gates []Spec
	// MinSamples is the fewest samples a side a comparison needs; 0 means
	// 4 (with fewer, the U test cannot reach p < 0.05). With Exact it is 1.
	MinSamples int
	// Exact compares medians without a significance test, for samples that
	// are exact (deterministic counts) or when one run a side is all there
	// is: any change past the threshold in the bad direction regresses.
	Exact bool
	// FamilyWise adjusts the p-values of the compared metrics that can
	// regress with Holm's method, so the chance that a check of unchanged
	// code fails on any metric stays under Alpha (without it, each metric
	// has its own Alpha and a check of k noisy metrics fails more often).
	// It needs more samples: the smallest p must clear Alpha/k.
	FamilyWise bool
	// AllowPartial compares samples whose trace lost data (Samples.Partial:
	// truncated, or a generation that could not be read), with a warning.
	// Without it, such a sample makes the check not comparable: nothing is
	// compared and the result is "insufficient data" with the reason.
	AllowPartial bool
}

// Verdict is the outcome for one metric or budget.
type Verdict string

// Verdicts.
const (
	Regressed    Verdict = "regressed"
	Improved     Verdict = "improved"
	Unchanged    Verdict = "unchanged"
	Changed      Verdict = "changed" // a neutral metric moved significantly past its threshold
	Insufficient Verdict = "insufficient data"
	BudgetBroken Verdict = "budget broken"
	BudgetOK     Verdict = "budget ok"
)

// Overall statuses of a Result.
const (
	StatusPass      = "pass"
	StatusFail      = "fail"
	StatusNotEnough = "insufficient data"
)

// Row is the comparison of one metric, baseline vs current.
type Row struct {
	Metric    string    `json:"metric"`
	Unit      string    `json:"unit"`
	Direction Direction `json:"direction"`
	// ThresholdPct is the threshold used (the default or the override).
	ThresholdPct float64 `json:"threshold_pct"`
	// MinDelta is the smallest absolute change that counts (Spec.MinDelta).
	MinDelta float64 `json:"min_delta,omitempty"`
	// BaseN and CurN count the samples that have a finite value.
	BaseN int `json:"base_n"`
	CurN  int `json:"cur_n"`
	// Medians; meaningless (0) when the side's N is 0.
	BaseMedian float64 `json:"base_median"`
	CurMedian  float64 `json:"cur_median"`
	// Delta is CurMedian - BaseMedian.
	Delta float64 `json:"delta"`
	// DeltaPct is Delta in percent of |BaseMedian|; nil when BaseMedian is
	// 0 (the change is then judged on Delta).
	DeltaPct *float64 `json:"delta_pct,omitempty"`
	// P is the U test's p-value; nil when not computed (too few samples,
	// or Exact).
	P *float64 `json:"p,omitempty"`
	// PAdjusted is P after Holm's adjustment (Options.FamilyWise); the
	// verdict then compares it with alpha.
	PAdjusted *float64 `json:"p_adjusted,omitempty"`
	Verdict   Verdict  `json:"verdict"`
	// Note explains a verdict that needs it, in one sentence.
	Note string `json:"note,omitempty"`
}

// BudgetRow is one absolute budget checked on every current sample.
type BudgetRow struct {
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// Kind is "max" (every sample <= Limit) or "min" (every sample >= Limit).
	Kind  string  `json:"kind"`
	Limit float64 `json:"limit"`
	// N counts the current samples that have the metric; Broken those past
	// the limit.
	N      int `json:"n"`
	Broken int `json:"broken"`
	// Worst is the sample furthest in the bad direction (highest for max,
	// lowest for min), from WorstSource.
	Worst       float64 `json:"worst"`
	WorstSource string  `json:"worst_source,omitempty"`
	Verdict     Verdict `json:"verdict"`
	Note        string  `json:"note,omitempty"`
}

// SetInfo describes one side of the comparison.
type SetInfo struct {
	// N is the number of samples.
	N   int          `json:"n"`
	Env analyzer.Env `json:"env"`
	// Sources name the samples, in order.
	Sources []string `json:"sources,omitempty"`
}

// Result is the outcome of a check.
type Result struct {
	// Header says what the JSON document is (ResultKind, ResultSchema) and
	// which gotrace produced it.
	buildinfo.Header
	// Status is "pass", "fail" or "insufficient data".
	Status     string  `json:"status"`
	Alpha      float64 `json:"alpha"`
	MinSamples int     `json:"min_samples"`
	Exact      bool    `json:"exact,omitempty"`
	FamilyWise bool    `json:"family_wise,omitempty"`
	// Baseline is nil when only budgets were checked.
	Baseline *SetInfo `json:"baseline,omitempty"`
	Current  SetInfo  `json:"current"`
	// Rows compare metrics, gated ones first in Specs order.
	Rows []Row `json:"rows"`
	// Budgets in Specs order of their metric, max before min.
	Budgets []BudgetRow `json:"budgets,omitempty"`
	// Warnings: environment mismatch, inputs that disagree, truncated
	// traces. One line each.
	Warnings      []string `json:"warnings,omitempty"`
	Regressions   int      `json:"regressions"`
	Improvements  int      `json:"improvements"`
	BrokenBudgets int      `json:"broken_budgets"`
	// Insufficient is set when a row or budget lacked data to decide.
	Insufficient bool `json:"insufficient"`
	// NotComparable lists the samples that lost data ("source: what was
	// lost"), when they stopped the comparison (no Options.AllowPartial):
	// the result is then "insufficient data" and holds no rows or budgets.
	NotComparable []string `json:"not_comparable,omitempty"`
	// Diff says where the two sides differ (their top changes, package
	// diff) when the check failed against a baseline whose samples carry
	// reports; nil otherwise.
	Diff *diff.Diff `json:"diff,omitempty"`
}

// ExplainTop is the number of rows per section of Result.Diff.
const ExplainTop = 3

// ExitCode maps the result to the CLI's exit code: 1 when something
// regressed or a budget broke, else 3 when some metric lacked the data to
// decide, else 0.
func (r *Result) ExitCode() int {
	switch {
	case r.Regressions > 0 || r.BrokenBudgets > 0:
		return ExitFail
	case r.Insufficient:
		return ExitInsufficient
	}
	return ExitPass
}

// Compare checks the current samples against the baseline and the budgets.
// base may be nil when only budgets are given. Errors are usage errors:
// unknown metric names, bad options, nothing to check.
func Compare(base, cur *Samples, opts Options) (*Result, error) {
	if cur.Len() == 0 {
		return nil, errors.New("no current samples to check")
	}
	alpha, minN, err := opts.settings(base != nil)
	if err != nil {
		return nil, err
	}

	known := knownNames(base, cur)
	check := func(what string, names []string) error {
		for _, n := range names {
			if !known[n] {
				return unknownMetricError(what, n, sortedKeys(known))
			}
		}
		return nil
	}
	for _, c := range []struct {
		what  string
		names []string
	}{
		{"threshold", sortedKeys(opts.Thresholds)},
		{"max budget", sortedKeys(opts.Max)},
		{"min budget", sortedKeys(opts.Min)},
		{"metric", opts.Metrics},
	} {
		if err := check(c.what, c.names); err != nil {
			return nil, err
		}
	}
	if err := check("direction", sortedKeys(opts.Directions)); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(opts.Thresholds) {
		if err := opts.directed(name); err != nil {
			return nil, err
		}
	}

	res := &Result{
		Header:     buildinfo.NewHeader(ResultKind, ResultSchema),
		Alpha:      alpha,
		MinSamples: minN,
		Exact:      opts.Exact,
		FamilyWise: opts.FamilyWise && !opts.Exact,
		Current:    SetInfo{N: cur.Len(), Env: cur.Env, Sources: cur.Sources},
	}
	if base != nil {
		res.Baseline = &SetInfo{N: base.Len(), Env: base.Env, Sources: base.Sources}
		res.Warnings = append(res.Warnings, prefixed("baseline: ", base.Warnings)...)
	}
	res.Warnings = append(res.Warnings, prefixed("current: ", cur.Warnings)...)
	if base != nil {
		if w := envWarning(base.Env, cur.Env); w != "" {
			res.Warnings = append([]string{w}, res.Warnings...)
		}
	}
	if err := duplicates("baseline", base); err != nil {
		return nil, err
	}
	if err := duplicates("current", cur); err != nil {
		return nil, err
	}
	if w := sharedSamples(base, cur); w != "" {
		res.Warnings = append(res.Warnings, w)
	}
	res.Warnings = dedupe(res.Warnings)

	var partial []string
	if base != nil {
		partial = append(partial, prefixed("baseline: ", base.Partial)...)
	}
	partial = append(partial, prefixed("current: ", cur.Partial)...)
	if len(partial) > 0 && !opts.AllowPartial {
		res.NotComparable = partial
		res.Insufficient = true
		res.Status = StatusNotEnough
		return res, nil
	}

	if base != nil {
		var notes, undirected []string
		for _, name := range comparedMetrics(opts, known) {
			bv, bnote := values(base, name)
			cv, cnote := values(cur, name)
			if len(bv) == 0 && len(cv) == 0 && !opts.named(name) {
				continue // a default metric these samples do not have (reports of other tools)
			}
			spec := opts.specOf(name)
			if t, ok := opts.Thresholds[name]; ok {
				spec.ThresholdPct = t
			}
			spec.Direction = directionOf(name, opts)
			reportedOnly := spec.Reported && !opts.named(name)
			if reportedOnly {
				spec.Direction = Neutral // compared, not gated
			} else if spec.Direction == Neutral {
				undirected = append(undirected, name)
			}
			res.Rows = append(res.Rows, measure(spec, bv, cv, minN, opts.Exact))
			notes = append(notes, joinNotes(prefixNote("baseline", bnote), prefixNote("current", cnote)))
		}
		if len(undirected) > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: no direction, so a change is reported but never fails the check; give a threshold with a sign (--threshold %s=+10 if an increase is bad, -10 if a decrease is) to gate it", strings.Join(undirected, ", "), undirected[0]))
		}
		var levels map[int]float64
		if opts.FamilyWise && !opts.Exact {
			levels = holm(res.Rows, alpha)
		}
		for i := range res.Rows {
			row := &res.Rows[i]
			level := alpha
			if l, ok := levels[i]; ok {
				level = l
			}
			decide(row, alpha, level, opts.Exact)
			if s := opts.specOf(row.Metric); s.Reported && !opts.named(row.Metric) && row.Verdict == Changed {
				row.Note = joinNotes(row.Note, "reported, not gated: it can fall when the program got slower (goroutines that park on a lock no longer queue for a P); --metric or --threshold gates it")
			}
			row.Note = joinNotes(row.Note, notes[i])
			switch row.Verdict {
			case Regressed:
				res.Regressions++
			case Improved:
				res.Improvements++
			case Insufficient:
				res.Insufficient = true
			}
		}
	}

	for _, name := range orderMetrics(append(sortedKeys(opts.Max), sortedKeys(opts.Min)...)) {
		for _, kind := range []string{"max", "min"} {
			limits := opts.Max
			if kind == "min" {
				limits = opts.Min
			}
			limit, ok := limits[name]
			if !ok {
				continue
			}
			b := checkBudget(cur, name, kind, limit)
			switch b.Verdict {
			case BudgetBroken:
				res.BrokenBudgets++
			case Insufficient:
				res.Insufficient = true
			}
			res.Budgets = append(res.Budgets, b)
		}
	}

	switch res.ExitCode() {
	case ExitFail:
		res.Status = StatusFail
		if res.Regressions > 0 && base != nil && len(base.Reports) > 0 && len(cur.Reports) > 0 {
			res.Diff = Diff(base, cur, diff.Options{Alpha: alpha, Top: ExplainTop})
		}
	case ExitInsufficient:
		res.Status = StatusNotEnough
	default:
		res.Status = StatusPass
	}
	return res, nil
}

// Validate checks the options that do not depend on the samples, so a
// caller can refuse bad options before it spends time producing samples;
// Compare checks them again, and the metric names against the samples.
// withBaseline says whether a baseline will be given.
func (opts Options) Validate(withBaseline bool) error {
	_, _, err := opts.settings(withBaseline)
	return err
}

// settings validates the options and returns the alpha and minimum samples
// to use.
func (opts Options) settings(withBaseline bool) (alpha float64, minN int, err error) {
	alpha = opts.Alpha
	if alpha == 0 {
		alpha = DefaultAlpha
	}
	if !(alpha > 0 && alpha < 1) {
		return 0, 0, fmt.Errorf("alpha %v out of range; want 0 < alpha < 1 (usually 0.05)", opts.Alpha)
	}
	minN = opts.MinSamples
	if minN == 0 {
		minN = DefaultMinSamples
		if opts.Exact {
			minN = 1
		}
	}
	if minN < 1 {
		return 0, 0, fmt.Errorf("minimum samples %d: want at least 1", minN)
	}
	if !withBaseline {
		if len(opts.Metrics) > 0 || len(opts.Thresholds) > 0 || len(opts.Directions) > 0 {
			return 0, 0, errors.New("thresholds and compared metrics need a baseline to compare against; give one, or use budgets (--max/--min)")
		}
		if len(opts.Max) == 0 && len(opts.Min) == 0 {
			return 0, 0, errors.New("nothing to check: give a baseline, or budgets (--max/--min)")
		}
	}
	for _, name := range sortedKeys(opts.Thresholds) {
		t := opts.Thresholds[name]
		if !(t >= 0) || math.IsInf(t, 0) {
			return 0, 0, fmt.Errorf("threshold %s=%v: want a percentage >= 0", name, t)
		}
		// Names the table does not know are checked against the samples
		// first (Compare), so a typo is reported as one.
		if _, ok := SpecOf(name); ok || strings.HasPrefix(name, "measure.") {
			if err := opts.directed(name); err != nil {
				return 0, 0, err
			}
		}
	}
	for _, b := range []map[string]float64{opts.Max, opts.Min} {
		for _, name := range sortedKeys(b) {
			if v := b[name]; math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, 0, fmt.Errorf("budget %s=%v is not a finite number", name, v)
			}
		}
	}
	return alpha, minN, nil
}

// directed fails when a threshold names a metric that has no direction, so
// it could never regress.
func (opts Options) directed(name string) error {
	if directionOf(name, opts) != Neutral {
		return nil
	}
	t := opts.Thresholds[name]
	return fmt.Errorf("threshold %s=%v: %s has no direction of its own, so it would never regress; write %s=+%v if an increase is a regression, %s=-%v if a decrease is", name, t, name, name, t, name, t)
}

// directionOf is the metric's direction: the override, else its spec's.
func directionOf(name string, opts Options) Direction {
	if d, ok := opts.Directions[name]; ok {
		return d
	}
	return opts.specOf(name).Direction
}

// specOf is the metric's spec: one of opts.Gates, else the table's.
func (opts Options) specOf(name string) Spec {
	for _, g := range opts.Gates {
		if g.Metric == name {
			g.Gated = true
			g.Unit = UnitOf(name)
			return g
		}
	}
	s, _ := SpecOf(name)
	return s
}

// named reports whether the user named the metric: in Metrics,
// Thresholds or Directions.
func (opts Options) named(name string) bool {
	_, t := opts.Thresholds[name]
	_, d := opts.Directions[name]
	return t || d || slices.Contains(opts.Metrics, name)
}

// comparedMetrics is the list of metrics to compare, in report order: the
// default list (gated and reported metrics, and opts.Gates the samples
// have), or opts.Metrics, and every metric given a threshold or direction.
func comparedMetrics(opts Options, known map[string]bool) []string {
	names := opts.Metrics
	if len(names) == 0 {
		names = append(Gated(), Reported()...)
		for _, g := range opts.Gates {
			if known[g.Metric] {
				names = append(names, g.Metric)
			}
		}
	}
	names = append(append([]string(nil), names...), sortedKeys(opts.Thresholds)...)
	names = append(names, sortedKeys(opts.Directions)...)
	return orderMetrics(names)
}

// orderMetrics dedupes names and sorts them in Specs order, names the table
// does not know last, by name.
func orderMetrics(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	rank := func(n string) int {
		if i, ok := specIndex[n]; ok {
			return i
		}
		return len(specs)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i]), rank(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// measure fills a row's statistics: sample counts, medians, delta and the U
// test's p-value. A row without enough samples gets its verdict here
// (Insufficient); the others are judged by decide.
func measure(spec Spec, bv, cv []float64, minN int, exact bool) Row {
	row := Row{
		Metric: spec.Metric, Unit: spec.Unit, Direction: spec.Direction,
		ThresholdPct: spec.ThresholdPct, MinDelta: spec.MinDelta, BaseN: len(bv), CurN: len(cv),
	}
	enough := len(bv) >= minN && len(cv) >= minN
	c := stats.Compare(bv, cv, enough && !exact)
	row.BaseMedian, row.CurMedian, row.Delta, row.DeltaPct, row.P = c.BaseMedian, c.CurMedian, c.Delta, c.DeltaPct, c.P
	if !enough {
		row.Verdict = Insufficient
		switch {
		case len(bv) == 0 && len(cv) == 0:
			row.Note = "no sample has this metric"
		case len(bv) == 0:
			row.Note = "no baseline sample has this metric"
		case len(cv) == 0:
			row.Note = "no current sample has this metric"
		default:
			row.Note = fmt.Sprintf("need at least %d samples a side to decide, have %d baseline and %d current", minN, len(bv), len(cv))
		}
	}
	return row
}

// decide judges a measured row: significant (its p-value, Holm-adjusted
// when PAdjusted is set, under alpha) and past its threshold. level is the
// strictest raw p-value the row may have to clear (alpha, or alpha/k under
// FamilyWise): when the sample sizes cannot reach it, the row is
// Insufficient.
func decide(row *Row, alpha, level float64, exact bool) {
	if row.Verdict == Insufficient {
		return
	}
	// beyond: the medians moved past the threshold (any move from a zero
	// baseline, where a percentage is undefined).
	var beyond bool
	if row.DeltaPct != nil {
		beyond = math.Abs(*row.DeltaPct) > row.ThresholdPct
	} else {
		beyond = row.Delta != 0
	}
	small := beyond && math.Abs(row.Delta) < row.MinDelta
	if small {
		beyond = false
	}
	zeroNote := ""
	if row.DeltaPct == nil && row.Delta != 0 {
		zeroNote = "baseline median is 0, so % change is undefined: judged on the absolute change"
	}
	bad := (row.Direction == LowerIsBetter && row.Delta > 0) || (row.Direction == HigherIsBetter && row.Delta < 0)

	significant := true
	pText := ""
	if !exact {
		if minP := stats.MinUTestP(row.BaseN, row.CurN); minP >= level {
			row.Verdict = Insufficient
			row.Note = fmt.Sprintf("with %d and %d samples the U test cannot reach p < %.2g (smallest possible p is %.3g); add samples", row.BaseN, row.CurN, level, minP)
			return
		}
		p := *row.P
		if row.PAdjusted != nil {
			p = *row.PAdjusted
		}
		significant = p < alpha
		pText = stats.FormatP(p)
	}

	switch {
	case significant && beyond && row.Direction == Neutral:
		row.Verdict = Changed
	case significant && beyond && bad:
		row.Verdict = Regressed
	case significant && beyond:
		row.Verdict = Improved
	default:
		row.Verdict = Unchanged
		switch {
		case small && significant:
			row.Note = fmt.Sprintf("past the threshold but smaller than the minimum change that counts (%s)", minDeltaText(row.Unit, row.MinDelta))
			zeroNote = ""
		case significant && row.Delta != 0 && !exact:
			row.Note = fmt.Sprintf("significant (p=%s) but within the %s threshold", pText, thresholdText(row.ThresholdPct))
		case !significant && beyond:
			row.Note = fmt.Sprintf("moved past the threshold but not significantly (p=%s, alpha %v)", pText, alpha)
			zeroNote = ""
		}
	}
	row.Note = joinNotes(row.Note, zeroNote)
}

// holm sets PAdjusted on the rows that can regress (not neutral, measured)
// with Holm's step-down adjustment over them (stats.Holm). It returns, for
// each such row, alpha/k: the level the smallest p-value must clear before
// any change can be detected.
func holm(rows []Row, alpha float64) map[int]float64 {
	var idx []int
	var ps []float64
	for i, r := range rows {
		if r.Verdict != Insufficient && r.P != nil && r.Direction != Neutral {
			idx = append(idx, i)
			ps = append(ps, *r.P)
		}
	}
	levels := map[int]float64{}
	for j, adj := range stats.Holm(ps) {
		v := adj
		rows[idx[j]].PAdjusted = &v
		levels[idx[j]] = alpha / float64(len(ps))
	}
	return levels
}

// checkBudget checks one budget on every current sample.
func checkBudget(cur *Samples, name, kind string, limit float64) BudgetRow {
	b := BudgetRow{Metric: name, Unit: UnitOf(name), Kind: kind, Limit: limit}
	first := true
	missing := 0
	for i, m := range cur.Values {
		v, ok := m[name]
		if !ok || math.IsNaN(v) {
			missing++
			continue
		}
		b.N++
		worse := (kind == "max" && v > b.Worst) || (kind == "min" && v < b.Worst)
		if first || worse {
			b.Worst, b.WorstSource, first = v, cur.Sources[i], false
		}
		if (kind == "max" && v > limit) || (kind == "min" && v < limit) {
			b.Broken++
		}
	}
	switch {
	case b.N == 0:
		b.Verdict = Insufficient
		b.Note = "no current sample has this metric"
	case b.Broken > 0:
		b.Verdict = BudgetBroken
	default:
		b.Verdict = BudgetOK
	}
	if missing > 0 && b.N > 0 {
		b.Note = joinNotes(b.Note, fmt.Sprintf("%d samples lack the metric", missing))
	}
	return b
}

// values returns the finite values of a metric over the samples, and a note
// on the samples left out.
func values(s *Samples, name string) ([]float64, string) {
	var out []float64
	missing, nonFinite := 0, 0
	for _, m := range s.Values {
		v, ok := m[name]
		switch {
		case !ok:
			missing++
		case math.IsNaN(v) || math.IsInf(v, 0):
			nonFinite++
		default:
			out = append(out, v)
		}
	}
	var notes []string
	if missing > 0 && len(out) > 0 {
		notes = append(notes, fmt.Sprintf("%d samples lack the metric", missing))
	}
	if nonFinite > 0 {
		notes = append(notes, fmt.Sprintf("%d non-finite values ignored", nonFinite))
	}
	return out, strings.Join(notes, ", ")
}

// envWarning describes how the current environment differs from the
// baseline's, or returns "".
func envWarning(base, cur analyzer.Env) string {
	return envWarningAs("baseline", base, cur)
}

// envWarningAs is envWarning naming the base side as given.
func envWarningAs(side string, base, cur analyzer.Env) string {
	ds := envDiffs(base, cur)
	if len(ds) == 0 {
		return ""
	}
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s %s vs %s", d.field, d.a, d.b))
	}
	return "environment differs from the " + side + " (" + side + " vs current): " + strings.Join(parts, ", ") +
		"; differences may come from the machine, not the code"
}

// duplicates refuses a side that holds the same trace twice (the same
// file given twice, or a copy): it would count as two samples and make a
// difference look significant.
func duplicates(side string, s *Samples) error {
	if s == nil {
		return nil
	}
	first := map[string]int{}
	for i, k := range s.keys {
		if k == "" {
			continue
		}
		if j, ok := first[k]; ok {
			return fmt.Errorf("%s samples %s and %s are the same trace (same metrics and clock span): each sample must be a run of its own", side, s.Sources[j], s.Sources[i])
		}
		first[k] = i
	}
	return nil
}

// sharedSamples warns when a trace is both in the baseline and in the
// current samples.
func sharedSamples(base, cur *Samples) string {
	if base == nil {
		return ""
	}
	in := map[string]string{}
	for i, k := range base.keys {
		if k != "" {
			in[k] = base.Sources[i]
		}
	}
	for i, k := range cur.keys {
		if b, ok := in[k]; ok && k != "" {
			return fmt.Sprintf("the same trace is a baseline and a current sample (%s, %s): the check compares it with itself", b, cur.Sources[i])
		}
	}
	return ""
}

// knownNames is every metric name the table or a sample knows.
func knownNames(sets ...*Samples) map[string]bool {
	known := map[string]bool{}
	for _, s := range specs {
		known[s.Metric] = true
	}
	for _, set := range sets {
		if set == nil {
			continue
		}
		for _, m := range set.Values {
			for k := range m {
				known[k] = true
			}
		}
	}
	return known
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func prefixed(p string, list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = p + s
	}
	return out
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func prefixNote(p, note string) string {
	if note == "" {
		return ""
	}
	return p + ": " + note
}

func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}

// FormatP formats a p-value as benchstat does, three decimals ("0.000");
// it is stats.FormatP.
func FormatP(p float64) string { return stats.FormatP(p) }

// minDeltaText writes a minimum change in the metric's unit: "1ms", "1.0%".
func minDeltaText(unit string, v float64) string {
	switch unit {
	case UnitNS:
		return time.Duration(v).String()
	case UnitRatio:
		return strconv.FormatFloat(100*v, 'f', -1, 64) + " points"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// thresholdText writes a threshold percentage: "10%".
func thresholdText(pct float64) string {
	return strconv.FormatFloat(pct, 'f', -1, 64) + "%"
}
