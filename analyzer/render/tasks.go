package render

import (
	"path"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// The sections on tasks and regions: for each task type its latency, its
// breakdown, its critical path and its slowest instances; for regions a
// table of their critical paths.

// pathTop is how many critical-path rows a section lists when the report
// says no limit (Top < 0 lists all; 0 is the default 10).
func (b *docBuilder) pathTop() int {
	switch top := b.r.Top; {
	case top < 0:
		return analyzer.MaxPathRows
	case top == 0:
		return 10
	default:
		return top
	}
}

// stateLabel names a breakdown or critical-path state with its reason.
func stateLabel(state, reason string) string {
	switch state {
	case analyzer.StateWaiting:
		if reason == "" {
			return "waiting"
		}
		return "waiting (" + tr(reason) + ")"
	case analyzer.StateAssist:
		return "GC mark assist"
	case analyzer.StateSTW:
		return "stopped by the world"
	}
	return state
}

// where is a path row's file:line, with the file's base name.
func where(r *analyzer.PathRow) string {
	if r.File == "" {
		return ""
	}
	return tr(path.Base(r.File) + ":" + strconv.Itoa(r.Line))
}

// pathSummary is the first n rows of a critical path in one line.
func pathSummary(rows []analyzer.PathRow, n int) string {
	var parts []string
	for i := range rows[:min(n, len(rows))] {
		r := &rows[i]
		s := Pct(r.Share) + " "
		if r.Function != "" {
			s += tr(r.Function) + " "
		}
		s += stateLabel(r.State, r.Reason)
		if w := where(r); w != "" {
			s += " at " + w
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func (b *docBuilder) tasks() {
	a := &b.r.Annotations
	for i := range a.Tasks {
		k := &a.Tasks[i]
		if len(k.Breakdown) == 0 && len(k.CriticalPath) == 0 {
			continue
		}
		b.section("task-"+strconv.Itoa(i), "task "+tr(k.Type), "Task "+tr(k.Type)+": where its time went")
		b.kindDetail("task", i, k)
	}
	var regions []*analyzer.AnnotationKind
	for i := range a.Regions {
		if len(a.Regions[i].CriticalPath) > 0 {
			regions = append(regions, &a.Regions[i])
		}
	}
	if len(regions) == 0 {
		return
	}
	b.section("regions", "Regions", "Regions: where their time went")
	t := newDocTable([]string{"region", "completed", "p50", "p99", "breakdown", "critical path"}, 4, 5).codeCols(0)
	for _, k := range regions {
		var bd []string
		for _, s := range k.Breakdown[:min(3, len(k.Breakdown))] {
			bd = append(bd, Pct(s.Share)+" "+stateLabel(s.State, s.Reason))
		}
		t.row(tr(k.Type), Count(k.Count), DurU(k.Duration.P50), DurU(k.Duration.P99), strings.Join(bd, "; "), pathSummary(k.CriticalPath, 3))
	}
	b.table(t)
	b.note("Each region's goroutine is the only one that works on it; the first three rows of its breakdown and of its critical path. The JSON report has them all, and each region type's slowest instances.")
}

// kindDetail lays out one task type.
func (b *docBuilder) kindDetail(what string, i int, k *analyzer.AnnotationKind) {
	n := strconv.Itoa(i)
	more := "more "
	if k.Count > 0 {
		b.distTable("latency", &k.Duration)
	} else {
		more = ""
		b.note("No %s of this type completed in the trace: no latency and no critical path.", what)
	}
	if k.Unfinished > 0 {
		b.note("%s %s%s unfinished at the end of the trace: %s time so far is in the breakdown, not in the latency or the critical path.", Count(k.Unfinished), more, plural(k.Unfinished, what, what+"s"), plural(k.Unfinished, "its", "their"))
	}
	if k.Count > 0 {
		b.chart(what + "-latency-" + n)
	}
	if len(k.Breakdown) > 0 {
		t := newDocTable([]string{"state", "time", "share"})
		for _, s := range k.Breakdown {
			t.row(stateLabel(s.State, s.Reason), Dur(s.NS), Pct(s.Share))
		}
		b.table(t)
		b.note("Breakdown: the time of the goroutines that worked on each %s (the one that began it, those with a region or log in it, those they created), each counting its own time; \"unattributed\" is time in which none was known.", what)
	}
	if len(k.CriticalPath) > 0 {
		b.chart(what + "-path-" + n)
		t := newDocTable([]string{"function", "state", "where", "time", "share"}, 1, 2).codeCols(0)
		top := b.pathTop()
		rows := k.CriticalPath
		for j := range rows[:min(top, len(rows))] {
			r := &rows[j]
			t.row(tr(r.Function), stateLabel(r.State, r.Reason), where(r), Dur(r.NS), Pct(r.Share))
		}
		b.table(t)
		if left := len(rows) - top; left > 0 {
			b.note("%s more %s not shown (--top %d).", Count(int64(left)), plural(int64(left), "row", "rows"), b.r.Top)
		}
		b.note("Critical path: walking back from each %s's end to its start, the goroutine that ended it, and where it waited, the goroutine that woke it (a running row with a line is the waker, up to where it woke the next); a wait no goroutine ended (a sleep, the network) stays on the path. Shares are of the latencies added up.", what)
	}
	if len(k.Slowest) > 0 {
		t := newDocTable([]string{"id", "start", "end", "latency", "critical path"}, 4)
		for _, s := range k.Slowest[:min(b.pathTop(), len(k.Slowest))] {
			id := strconv.FormatUint(s.ID, 10)
			if what == "region" {
				id = "G" + strconv.FormatInt(s.Goroutine, 10)
			}
			t.row(id, Dur(s.StartNS), Dur(s.EndNS), Dur(s.LatencyNS), pathSummary(s.CriticalPath, 3))
		}
		b.table(t)
		b.note("The slowest %ss; start and end are from the trace's start, as in the timeline of gotrace export.", what)
	}
}
