package render

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/diff"
)

// CheckText writes a check result as text tables: the overall verdict, the
// comparison per metric, the budgets, notes and warnings. JSON output is
// JSON(w, result).
func CheckText(w io.Writer, r *check.Result) error {
	return writeCheck(w, r, StyleText)
}

// CheckMarkdown writes a check result as Markdown ready for
// $GITHUB_STEP_SUMMARY: a heading with the overall verdict, warnings as a
// blockquote, the comparison and budget tables, notes as a list.
func CheckMarkdown(w io.Writer, r *check.Result) error {
	return writeCheck(w, r, StyleMarkdown)
}

// checkWriter writes one check result in one style.
type checkWriter struct {
	styledWriter
	r *check.Result
}

func writeCheck(w io.Writer, r *check.Result, style Style) error {
	cw := &checkWriter{styledWriter: newStyledWriter(w, style), r: r}
	cw.header()
	cw.body()
	return cw.flush()
}

// body writes the metric and budget tables with their notes.
func (cw *checkWriter) body() {
	for _, sec := range buildCheckDoc(cw.r).sections {
		cw.title(sec.title)
		// The last column is the verdict: failing ones stand out in Markdown.
		last := len(sec.table.head) - 1
		cw.table(sec.table, func(col int, text string) string {
			if col == last {
				return cw.verdict(check.Verdict(text))
			}
			return text
		})
		cw.notes(sec.notes, len(sec.table.rows))
	}
	if d := cw.r.Diff; d != nil {
		if secs := buildDiffDoc(d, true); len(secs) > 0 {
			cw.title("Where the two sides differ")
			cw.printf("%s\n", diffIntro(d))
			for _, sec := range secs {
				cw.section(sec)
			}
		}
	}
}

// diffIntro introduces the diff under a failed check.
func diffIntro(d *diff.Diff) string {
	what := "changes"
	if d.Tested {
		what = "significant changes"
	}
	return fmt.Sprintf("The largest %s between baseline and current (gotrace diff, up to %d rows a section; gotrace diff BASELINE CURRENT shows them all).", what, check.ExplainTop)
}

// summary says what failed, or why nothing was decided.
func (cw *checkWriter) summary() string {
	r := cw.r
	var parts []string
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	}
	if r.Regressions > 0 {
		parts = append(parts, plural(r.Regressions, "regression", "regressions")+" ("+cw.names(check.Regressed)+")")
	}
	if r.BrokenBudgets > 0 {
		parts = append(parts, plural(r.BrokenBudgets, "broken budget", "broken budgets")+" ("+cw.budgetNames(check.BudgetBroken)+")")
	}
	if len(parts) == 0 && r.Insufficient {
		parts = append(parts, "not enough data to decide ("+checkJoin(cw.names(check.Insufficient), cw.budgetNames(check.Insufficient))+")")
	}
	if len(parts) == 0 {
		var what []string
		if len(r.Rows) > 0 {
			what = append(what, plural(len(r.Rows), "metric compared", "metrics compared"))
		}
		if len(r.Budgets) > 0 {
			what = append(what, plural(len(r.Budgets), "budget held", "budgets held"))
		}
		if r.Improvements > 0 {
			what = append(what, plural(r.Improvements, "improvement", "improvements"))
		}
		parts = append(parts, "no regression; "+strings.Join(what, ", "))
	}
	return strings.Join(parts, ", ")
}

func checkJoin(s ...string) string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return strings.Join(out, ", ")
}

func (cw *checkWriter) names(v check.Verdict) string {
	var out []string
	for _, row := range cw.r.Rows {
		if row.Verdict == v {
			out = append(out, row.Metric)
		}
	}
	if len(out) > 2 && len(out) == len(cw.r.Rows) {
		return fmt.Sprintf("all %d metrics", len(out))
	}
	return strings.Join(out, ", ")
}

func (cw *checkWriter) budgetNames(v check.Verdict) string {
	var out []string
	for _, b := range cw.r.Budgets {
		if b.Verdict == v {
			out = append(out, b.Metric)
		}
	}
	return strings.Join(out, ", ")
}

func (cw *checkWriter) header() {
	r := cw.r
	status := strings.ToUpper(r.Status)
	if cw.md() {
		icon := map[string]string{check.StatusPass: "✅", check.StatusFail: "❌", check.StatusNotEnough: "⚠️"}[r.Status]
		cw.printf("## gotrace check: %s %s\n\n", icon, r.Status)
		cw.printf("**%s**\n\n", checkMDEscape(cw.summary()))
		for _, w := range r.Warnings {
			cw.printf("> **Warning:** %s\n\n", checkMDEscape(w))
		}
		if r.Baseline != nil {
			cw.printf("Baseline: %s. Current: %s. %s\n", checkSide(r.Baseline), checkSide(&r.Current), cw.method())
		} else {
			cw.printf("Current: %s. Budgets only (no baseline).\n", checkSide(&r.Current))
		}
		return
	}
	cw.printf("gotrace check: %s: %s\n", status, cw.summary())
	if r.Baseline != nil {
		cw.printf("  baseline: %s\n", checkSide(r.Baseline))
	}
	cw.printf("  current:  %s\n", checkSide(&r.Current))
	if r.Baseline != nil {
		cw.printf("  %s\n", cw.method())
	}
	for _, w := range r.Warnings {
		cw.printf("warning: %s\n", w)
	}
}

// method describes how metrics were compared.
func (cw *checkWriter) method() string {
	r := cw.r
	if r.Exact {
		return "Exact comparison of medians (no significance test); a regression is a change past the threshold in the bad direction."
	}
	s := fmt.Sprintf("Mann-Whitney U test, alpha %v", r.Alpha)
	if r.FamilyWise {
		s += ", p-values adjusted over the compared metrics (Holm)"
	}
	return s + "; a regression needs p < alpha and a change past the threshold in the bad direction."
}

// checkSide describes one side: "10 samples (go1.26.8, GOMAXPROCS 2, 2 CPUs, linux/amd64)".
func checkSide(s *check.SetInfo) string {
	n := "1 sample"
	if s.N != 1 {
		n = strconv.Itoa(s.N) + " samples"
	}
	if e := checkEnv(s.Env); e != "" {
		return n + " (" + e + ")"
	}
	return n
}

func checkEnv(e analyzer.Env) string {
	var parts []string
	if e.Workload != "" {
		parts = append(parts, "workload "+e.Workload)
	}
	if e.GoVersion != "" {
		parts = append(parts, e.GoVersion)
	}
	if e.GOMAXPROCS != 0 {
		parts = append(parts, fmt.Sprintf("GOMAXPROCS %d", e.GOMAXPROCS))
	}
	if e.NumCPU != 0 {
		parts = append(parts, fmt.Sprintf("%d CPUs", e.NumCPU))
	}
	if e.GOOS != "" {
		parts = append(parts, e.GOOS+"/"+e.GOARCH)
	}
	return strings.Join(parts, ", ")
}

// checkDoc is the content of a check result, drawn by every format.
type checkDoc struct {
	sections []checkSection
}

// checkSection is a titled table with "metric: note" lines under it.
type checkSection struct {
	title string
	table *docTable
	notes [][2]string
}

func buildCheckDoc(r *check.Result) checkDoc {
	var d checkDoc
	if len(r.Rows) > 0 {
		pHeader := "p"
		if r.FamilyWise {
			pHeader = "p (Holm)"
		}
		t := newDocTable([]string{"metric", "baseline", "current", "delta", "threshold", pHeader, "n", "verdict"}, 7).codeCols(0)
		var notes [][2]string
		for _, row := range r.Rows {
			base, cur := "—", "—"
			if row.BaseN > 0 {
				base = checkValue(row.Unit, row.BaseMedian)
			}
			if row.CurN > 0 {
				cur = checkValue(row.Unit, row.CurMedian)
			}
			p := "—"
			switch {
			case row.PAdjusted != nil:
				p = check.FormatP(*row.PAdjusted)
			case row.P != nil:
				p = check.FormatP(*row.P)
			}
			t.row(row.Metric, base, cur, checkDelta(row), checkThreshold(row), p,
				fmt.Sprintf("%d+%d", row.BaseN, row.CurN), string(row.Verdict))
			if row.Note != "" {
				notes = append(notes, [2]string{row.Metric, row.Note})
			}
		}
		d.sections = append(d.sections, checkSection{title: "Metrics", table: t, notes: notes})
	}
	if len(r.Budgets) > 0 {
		t := newDocTable([]string{"metric", "budget", "worst sample", "past the limit", "verdict"}, 4).codeCols(0)
		var notes [][2]string
		for _, b := range r.Budgets {
			limit := "max " + checkValue(b.Unit, b.Limit)
			if b.Kind == "min" {
				limit = "min " + checkValue(b.Unit, b.Limit)
			}
			worst, past := "—", "—"
			if b.N > 0 {
				worst = checkValue(b.Unit, b.Worst)
				past = fmt.Sprintf("%d of %d", b.Broken, b.N)
			}
			t.row(b.Metric, limit, worst, past, string(b.Verdict))
			note := b.Note
			if b.Verdict == check.BudgetBroken && b.WorstSource != "" {
				note = checkJoin("worst sample: "+b.WorstSource, note)
			}
			if note != "" {
				notes = append(notes, [2]string{b.Metric + " (" + b.Kind + ")", note})
			}
		}
		d.sections = append(d.sections, checkSection{title: "Budgets", table: t, notes: notes})
	}
	return d
}

const allMetrics = "all metrics"

// notes lists "metric: note" under a table. Metrics with the same note
// share one line ("all metrics" when they are all the table's rows).
func (cw *checkWriter) notes(in [][2]string, all int) {
	notes := groupNotes(in, all)
	if len(notes) == 0 {
		return
	}
	if cw.md() {
		cw.printf("\n")
		for _, n := range notes {
			name := "`" + strings.ReplaceAll(n[0], ", ", "`, `") + "`"
			if n[0] == allMetrics {
				name = allMetrics
			}
			cw.printf("- %s: %s\n", name, checkMDEscape(n[1]))
		}
		return
	}
	for _, n := range notes {
		cw.printf("  %s: %s\n", n[0], n[1])
	}
}

// groupNotes merges the names of metrics with the same note ("all
// metrics" when that is every row of the table).
func groupNotes(in [][2]string, all int) [][2]string {
	var notes [][2]string
	count := []int{}
	at := map[string]int{}
	for _, n := range in {
		if i, ok := at[n[1]]; ok {
			notes[i][0] += ", " + n[0]
			count[i]++
			continue
		}
		at[n[1]] = len(notes)
		notes = append(notes, n)
		count = append(count, 1)
	}
	if len(notes) == 1 && count[0] > 2 && count[0] == all {
		notes[0][0] = allMetrics
	}
	return notes
}

// verdict writes a verdict; failing ones stand out in Markdown.
func (cw *checkWriter) verdict(v check.Verdict) string {
	if cw.md() && (v == check.Regressed || v == check.BudgetBroken) {
		return "**" + string(v) + "**"
	}
	return string(v)
}

// checkMDEscape keeps text from being read as Markdown markup.
func checkMDEscape(s string) string {
	r := strings.NewReplacer("*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "`", "\\`")
	return r.Replace(s)
}

// checkValue formats a value in its unit: durations, bytes, rates,
// percentages for ratios, counts otherwise.
func checkValue(unit string, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	switch unit {
	case check.UnitNS:
		return Dur(int64(math.Round(v)))
	case check.UnitBytes:
		if v < 0 {
			return "-" + Bytes(uint64(math.Round(-v)))
		}
		return Bytes(uint64(math.Round(v)))
	case check.UnitPerSec:
		if v < 0 {
			return "-" + Rate(-v)
		}
		return Rate(v)
	case check.UnitRatio:
		return Pct(v)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return Count(int64(v))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// checkDelta is the change of the median: in percent of the baseline, or
// absolute (marked "abs") when the baseline median is 0.
func checkDelta(row check.Row) string {
	if row.BaseN == 0 || row.CurN == 0 {
		return "—"
	}
	if row.DeltaPct != nil {
		return checkSigned(strconv.FormatFloat(*row.DeltaPct, 'f', 1, 64), *row.DeltaPct) + "%"
	}
	if row.Delta == 0 {
		return "0"
	}
	return checkSigned(checkValue(row.Unit, row.Delta), row.Delta) + " abs"
}

func checkSigned(s string, v float64) string {
	if v > 0 {
		return "+" + s
	}
	return s
}

// checkThreshold shows the threshold on its bad side: "+10%" for
// lower-is-better metrics, "-5%" for higher-is-better, "±10%" for neutral.
func checkThreshold(row check.Row) string {
	t := strconv.FormatFloat(row.ThresholdPct, 'f', -1, 64) + "%"
	switch row.Direction {
	case check.LowerIsBetter:
		return "+" + t
	case check.HigherIsBetter:
		return "-" + t
	}
	return "±" + t
}
