package render

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer/diff"
	"github.com/gotrace/gotrace/analyzer/stats"
)

// DiffText writes a diff as text tables: the two sides, then one table per
// section, largest changes first. JSON output is JSON(w, d).
func DiffText(w io.Writer, d *diff.Diff) error {
	return writeDiff(w, d, StyleText)
}

// DiffMarkdown writes a diff as Markdown, for a step summary or a
// pull-request comment.
func DiffMarkdown(w io.Writer, d *diff.Diff) error {
	return writeDiff(w, d, StyleMarkdown)
}

func writeDiff(w io.Writer, d *diff.Diff, style Style) error {
	rw := &reportWriter{styledWriter: newStyledWriter(w, style)}
	if rw.md() {
		rw.printf("## gotrace diff: %s → %s\n\n", rw.esc(tr(d.Base.Name)), rw.esc(tr(d.Current.Name)))
		rw.printf("Base: %s. Current: %s. %s\n", rw.esc(diffSide(&d.Base)), rw.esc(diffSide(&d.Current)), rw.esc(d.Method))
		for _, wa := range d.Warnings {
			rw.printf("\n> **Warning:** %s\n", rw.esc(tr(wa)))
		}
	} else {
		rw.printf("gotrace diff: %s -> %s\n", rw.esc(d.Base.Name), rw.esc(d.Current.Name))
		rw.printf("  base:    %s\n  current: %s\n  %s\n", rw.esc(diffSide(&d.Base)), rw.esc(diffSide(&d.Current)), rw.esc(d.Method))
		for _, wa := range d.Warnings {
			rw.printf("warning: %s\n", rw.esc(wa))
		}
	}
	for _, sec := range buildDiffDoc(d, false) {
		rw.section(sec)
	}
	return rw.flush()
}

// diffSide describes one side: "5 samples (workload mutex, go1.26.8, ...)".
func diffSide(s *diff.SideInfo) string {
	n := "1 sample"
	if s.N != 1 {
		n = strconv.Itoa(s.N) + " samples"
	}
	if e := checkEnv(s.Env); e != "" {
		return n + " (" + e + ")"
	}
	return n
}

// diffCols are the value columns of a ranked table: base, current,
// delta, delta %, and p and change when tested.
func diffCols(d *diff.Diff) []string {
	cols := []string{"base", "current", "delta", "%"}
	if d.Tested {
		cols = append(cols, "p")
	}
	return append(cols, "change")
}

// diffCells formats one row's values in unit.
func diffCells(d *diff.Diff, unit string, base, cur, delta float64, st diff.Stat, up, down string) []string {
	b, c := checkValue(unit, base), checkValue(unit, cur)
	if st.BaseN == 0 {
		b = "—"
	}
	if st.CurrentN == 0 {
		c = "—"
	}
	dl, pct := "—", "—"
	if st.BaseN > 0 && st.CurrentN > 0 {
		dl = checkSigned(checkValue(unit, delta), delta)
		if delta == 0 {
			dl = "0"
		}
		if st.DeltaPct != nil {
			pct = checkSigned(strconv.FormatFloat(*st.DeltaPct, 'f', 1, 64), *st.DeltaPct) + "%"
		}
	}
	cells := []string{b, c, dl, pct}
	if d.Tested {
		p := "—"
		if st.P != nil {
			p = stats.FormatP(*st.P)
		}
		cells = append(cells, p)
	}
	return append(cells, diffChange(d, st, delta, up, down))
}

// diffChange names the change: new, vanished, up/down (grew/shrank), same,
// or "~" when the U test finds it not significant.
func diffChange(d *diff.Diff, st diff.Stat, delta float64, up, down string) string {
	switch {
	case d.Tested && !st.Significant:
		return "~"
	case st.Status != "":
		return st.Status
	case delta > 0:
		return up
	case delta < 0:
		return down
	}
	return "same"
}

// diffStack names a stack by its frames down to the user's code, with the
// user's file:line: "sync.(*Mutex).Lock < app.(*Cache).Get (cache.go:41)".
func diffStack(where []diff.Frame, user *diff.Frame) docCell {
	full := make([]string, len(where))
	for i, f := range where {
		full[i] = fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
	}
	cell := docCell{title: tr(strings.Join(full, "\n"))}
	// The scheduler's leading frames (gopark, ...) say nothing.
	i := 0
	for i+1 < len(where) && strings.HasPrefix(where[i].Function, "runtime.") && strings.HasPrefix(where[i+1].Function, "runtime.") {
		i++
	}
	fs := where[i:]
	if len(fs) == 0 {
		cell.text = "(no stack)"
		return cell
	}
	at := 0 // the frame that gets file:line
	if user != nil {
		for j, f := range fs {
			if f.Function == user.Function && f.File == user.File && f.Line == user.Line {
				at = j
				break
			}
		}
	}
	var parts []string
	for j, f := range fs[:at+1] {
		if j > 0 && j < at && at > 2 {
			if j == 1 {
				parts = append(parts, "…")
			}
			continue
		}
		name := shortFunc(f.Function)
		if j == at {
			name += " (" + baseName(f.File) + ":" + strconv.Itoa(f.Line) + ")"
		}
		parts = append(parts, name)
	}
	cell.text = tr(strings.Join(parts, " < "))
	return cell
}

// shortFunc drops the import path before a function's package name:
// "github.com/a/b.F" is "b.F".
func shortFunc(fn string) string {
	paren := strings.IndexAny(fn, "([")
	head := fn
	if paren >= 0 {
		head = fn[:paren]
	}
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

func baseName(file string) string {
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		return file[i+1:]
	}
	return file
}

// buildDiffDoc lays out a diff. brief keeps the sections that explain a
// failed check (groups, blocking, syscalls, tasks) and only rows that
// changed (significantly, when tested).
func buildDiffDoc(d *diff.Diff, brief bool) []*docSection {
	b := &docBuilder{}
	keep := func(st diff.Stat, delta float64) bool {
		if !brief {
			return true
		}
		if d.Tested {
			return st.Significant
		}
		return delta != 0
	}
	more := func(section string, shown int) {
		if n := d.Omitted[section]; n > 0 && !brief {
			b.note("%s more %s not shown (--top sets how many).", Count(int64(n)), plural(int64(n), "row", "rows"))
		}
	}
	title := func(key, nav, t string) {
		if brief {
			t = "Diff: " + t
		}
		b.section(key, nav, t)
	}

	if !brief {
		title("metrics", "Metrics", "Metrics")
		if len(d.Metrics) == 0 {
			b.note("No metric on either side.")
		} else {
			t := newDocTable(append([]string{"metric"}, diffCols(d)...)).codeCols(0)
			for _, r := range d.Metrics {
				t.row(append([]string{tr(r.Metric)}, diffCells(d, r.Unit, r.Base, r.Current, r.Delta, r.Stat, "up", "down")...)...)
			}
			b.table(t)
			b.note("Largest relative change first%s.", sigFirst(d))
		}
	}

	var rows [][]docCell
	for _, r := range d.Groups {
		if !keep(r.Stat, r.DeltaNS) {
			continue
		}
		state := r.State
		if r.Reason != "" {
			state += " (" + tr(r.Reason) + ")"
		}
		name := tr(r.Group)
		if r.System {
			name += " [runtime]"
		}
		rows = append(rows, cellsOf(append([]string{name, state}, diffCells(d, "ns", r.BaseNS, r.CurrentNS, r.DeltaNS, r.Stat, "grew", "shrank")...)))
	}
	if !brief || len(rows) > 0 {
		title("groups", "Groups", "Goroutine groups (time per state, summed over each group's goroutines)")
		diffTable(b, append([]string{"start function", "state"}, diffCols(d)...), []int{1}, []int{0}, rows, "No goroutine group on either side.")
		more("groups", len(rows))
	}

	for _, sec := range []struct {
		key, nav, title, none string
		rows                  []diff.StackRow
		reason                bool
	}{
		{"blocking", "Blocking", "Blocking (completed waits by reason and stack)", "No goroutine blocked on either side.", d.Blocking, true},
		{"syscalls", "Syscalls", "Syscalls (by stack)", "No syscall on either side.", d.Syscalls, false},
	} {
		rows = nil
		for _, r := range sec.rows {
			if !keep(r.Stat, r.DeltaNS) {
				continue
			}
			var cells []docCell
			if sec.reason {
				cells = append(cells, docCell{text: tr(r.Reason)})
			}
			cells = append(cells, diffStack(r.Where, r.User), docCell{text: countArrow(r.BaseCount, r.CurrentCount, r.Stat)})
			cells = append(cells, cellsOf(diffCells(d, "ns", r.BaseNS, r.CurrentNS, r.DeltaNS, r.Stat, "grew", "shrank"))...)
			rows = append(rows, cells)
		}
		if brief && len(rows) == 0 {
			continue
		}
		title(sec.key, sec.nav, sec.title)
		head := []string{"stack (to the user's code)", "count"}
		left, code := []int{0}, []int{0}
		if sec.reason {
			head = append([]string{"reason"}, head...)
			left, code = []int{1}, []int{1}
		}
		diffTable(b, append(head, diffCols(d)...), left, code, rows, sec.none)
		more(sec.key, len(rows))
	}

	if !brief {
		title("distributions", "Latency", "Scheduler latency and run slices (quantiles)")
		if len(d.Distributions) == 0 {
			b.note("No scheduler wait or run slice on either side.")
		} else {
			t := newDocTable(append([]string{"distribution", "quantile"}, diffCols(d)...), 1)
			for _, r := range d.Distributions {
				name := map[string]string{"sched.latency": "scheduler latency", "switches.run_slice": "run slice"}[r.Dist]
				t.row(append([]string{name, r.Quantile}, diffCells(d, "ns", r.BaseNS, r.CurrentNS, r.DeltaNS, r.Stat, "up", "down")...)...)
			}
			b.table(t)
			b.note("Each quantile is the median over the samples of that quantile of each trace.")
		}
	}

	rows = nil
	for _, r := range d.Tasks {
		if !keep(r.Stat, r.Delta) {
			continue
		}
		// A critical-path row's label names the trace's functions and files.
		q := r.Label
		switch {
		case q == "":
			q = tr(r.Quantity)
		case strings.HasPrefix(r.Quantity, "critical."):
			q = tr(q)
		}
		rows = append(rows, cellsOf(append([]string{r.Kind, tr(r.Type), q}, diffCells(d, r.Unit, r.Base, r.Current, r.Delta, r.Stat, "up", "down")...)))
	}
	if !brief || len(rows) > 0 {
		title("tasks", "Tasks", "Tasks and regions (by type)")
		diffTable(b, append([]string{"kind", "type", "quantity"}, diffCols(d)...), []int{1, 2}, []int{1}, rows, "No task or region on either side.")
		more("tasks", len(rows))
	}

	if len(d.Findings) > 0 {
		title("findings", "Findings", "Findings")
		t := newDocTable([]string{"finding", "title", "status", "base samples", "current samples", "impact base", "impact current"}, 1, 2)
		for _, f := range d.Findings {
			t.row(f.ID, f.Title, f.Status, Count(int64(f.BaseIn)), Count(int64(f.CurrentIn)), Pct(f.Impact.Base), Pct(f.Impact.Current))
		}
		b.table(t)
		more("findings", len(d.Findings))
	}
	return b.out
}

// sigFirst completes "Largest ... first" for tested diffs.
func sigFirst(d *diff.Diff) string {
	if d.Tested {
		return ", significant changes (p < alpha) before the others (~)"
	}
	return ""
}

func diffTable(b *docBuilder, head []string, left, code []int, rows [][]docCell, none string) {
	if len(rows) == 0 {
		b.note("%s", none)
		return
	}
	t := newDocTable(head, left...).codeCols(code...)
	for _, r := range rows {
		t.rowCells(r...)
	}
	b.table(t)
}

func cellsOf(s []string) []docCell {
	out := make([]docCell, len(s))
	for i, x := range s {
		out[i] = docCell{text: x}
	}
	return out
}

// countArrow shows the medians of a count side by side: "120 → 480".
func countArrow(base, cur float64, st diff.Stat) string {
	f := func(v float64, n int) string {
		if n == 0 {
			return "—"
		}
		if v == math.Trunc(v) {
			return Count(int64(v))
		}
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return f(base, st.BaseN) + " → " + f(cur, st.CurrentN)
}
