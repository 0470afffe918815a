package render

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// The report's content is laid out once, as a document of sections made of
// tables, notes and chart slots; the text, Markdown and HTML renderers each
// draw that document. A section's words and numbers are therefore the same
// in every format.

// docSection is one titled part of a report.
type docSection struct {
	key, nav, title string // key names it in HTML ids; nav in the HTML contents
	blocks          []docBlock
}

// docBlock is one of: a table, a sentence, a bulleted list, a chart (drawn
// in HTML only) or a sentence for the text formats only (which have no
// charts; e.g. a sparkline).
type docBlock struct {
	table    *docTable
	note     string
	list     []string
	chart    string // chart kind
	textNote string
	finding  *docFinding
}

// docTable is a table of formatted cells.
type docTable struct {
	head []string
	left map[int]bool // columns aligned left (the first always is)
	code map[int]bool // columns holding function names or stacks
	rows [][]docCell
}

// docCell is a cell's text and, for HTML, longer hover text (a whole stack).
type docCell struct {
	text, title string
}

func newDocTable(head []string, left ...int) *docTable {
	t := &docTable{head: head, left: map[int]bool{0: true}, code: map[int]bool{}}
	for _, i := range left {
		t.left[i] = true
	}
	return t
}

// codeCols marks columns that hold code.
func (t *docTable) codeCols(cols ...int) *docTable {
	for _, c := range cols {
		t.code[c] = true
	}
	return t
}

func (t *docTable) row(cells ...string) {
	row := make([]docCell, len(cells))
	for i, c := range cells {
		row[i] = docCell{text: c}
	}
	t.rows = append(t.rows, row)
}

func (t *docTable) rowCells(cells ...docCell) { t.rows = append(t.rows, cells) }

// docBuilder lays out one report.
type docBuilder struct {
	r   *analyzer.Report
	out []*docSection
	cur *docSection
}

func (b *docBuilder) section(key, nav, title string) {
	b.cur = &docSection{key: key, nav: nav, title: title}
	b.out = append(b.out, b.cur)
}

func (b *docBuilder) table(t *docTable) { b.cur.blocks = append(b.cur.blocks, docBlock{table: t}) }
func (b *docBuilder) chart(kind string) { b.cur.blocks = append(b.cur.blocks, docBlock{chart: kind}) }
func (b *docBuilder) list(items []string) {
	if len(items) > 0 {
		b.cur.blocks = append(b.cur.blocks, docBlock{list: items})
	}
}

func (b *docBuilder) note(format string, args ...any) {
	b.cur.blocks = append(b.cur.blocks, docBlock{note: fmt.Sprintf(format, args...)})
}

func (b *docBuilder) textNote(format string, args ...any) {
	b.cur.blocks = append(b.cur.blocks, docBlock{textNote: fmt.Sprintf(format, args...)})
}

// buildDoc lays out the sections of a report, most important first.
func buildDoc(r *analyzer.Report) []*docSection {
	b := &docBuilder{r: r}
	b.findings()
	b.workload()
	b.summary()
	b.timeline()
	b.goroutines()
	b.procs()
	b.switches()
	b.latency()
	b.blocking()
	b.syscalls()
	b.gc()
	b.leaks()
	b.annotations()
	b.tasks()
	return b.out
}

// workload shows the workload that made the trace and its measurements.
func (b *docBuilder) workload() {
	r := b.r
	if r.Run == nil && len(r.Measurements) == 0 {
		return
	}
	if r.Run != nil {
		b.section("workload", "Workload", "Workload "+tr(r.Run.Workload))
		b.note("Parameters: %s.", formatParams(r.Run.Params))
		if r.Run.Stopped != "" {
			b.note("Stopped by its watchdog: %s.", tr(strings.TrimSuffix(r.Run.Stopped, ".")))
		}
		if r.Run.Panic != "" {
			b.note("Outcome: the workload panicked (%s). The panicking goroutine ended the trace first, so the report covers everything up to the panic.", tr(strings.TrimSuffix(r.Run.Panic, ".")))
		}
	} else {
		b.section("measurements", "Measurements", "Measurements")
	}
	if len(r.Measurements) == 0 {
		return
	}
	for _, mt := range layoutMeasurements(r.Measurements) {
		t := newDocTable(mt.header)
		for _, row := range mt.rows {
			t.row(row...)
		}
		b.table(t)
		b.list(mt.notes)
	}
}

func (b *docBuilder) summary() {
	r := b.r
	b.section("summary", "Summary", "Summary")
	t := newDocTable([]string{"", "value", "detail"}, 2)
	g := &r.Goroutines
	t.row("goroutines created", Count(g.Created), fmt.Sprintf("peak %s alive, %s alive at end, %s ended", Count(g.Peak), Count(g.AliveAtEnd), Count(g.Ended)))
	t.row("P utilization", Pct(r.Procs.Utilization), fmt.Sprintf("incl. %s GC work, GOMAXPROCS %d", Pct(r.Procs.GCUtilization), r.Procs.GOMAXPROCS))
	t.row("goroutine switches", Count(r.Switches.Total), fmt.Sprintf("%s, %s per P", Rate(r.Switches.PerSec), Rate(r.Switches.PerSecPerP)))
	l := &r.Latency.Dist
	t.row("scheduler latency p99", DurU(l.P99), fmt.Sprintf("p50 %s, max %s, over %s waits", DurU(l.P50), DurU(l.Max), Count(int64(l.Count))))
	t.row("blocked", Dur(g.UserTime.Blocked), blockedDetail(r))
	t.row("syscalls", Count(r.Syscalls.Count), fmt.Sprintf("%s total, %s lost their P, %s threads", Dur(r.Syscalls.CompletedNS), Count(r.Syscalls.LostP), Count(r.Syscalls.Threads)))
	t.row("GC cycles", Count(r.GC.Cycles), fmt.Sprintf("%s stop-the-world %s, max %s", Count(int64(r.GC.STW.Count)), plural(int64(r.GC.STW.Count), "pause", "pauses"), DurU(r.GC.STW.Max)))
	if o := &r.GC.OtherSTW; o.Count > 0 {
		t.row("other stop-the-world", Count(int64(o.Count)), fmt.Sprintf("not GC: %s in all, max %s, most %s", DurU(o.Sum), DurU(o.Max), topOtherSTW(r)))
	}
	t.row("suspected leaks", Count(r.Leaks.Suspected), fmt.Sprintf("%s user goroutines blocked at end", Count(r.Leaks.Blocked)))
	b.table(t)
}

func (b *docBuilder) timeline() {
	tl := &b.r.Timeline
	b.section("timeline", "Timeline", "Timeline")
	if len(tl.Utilization) > 0 {
		b.note("The trace cut into %d buckets of %s, from its first event.", len(tl.Utilization), Dur(tl.BucketNS))
	}
	b.chart("putil")
	b.chart("alive")
	b.chart("switches")
	if len(tl.Utilization) == 0 {
		return
	}
	b.textNote("P utilization   %s", sparkline(tl.Utilization))
	b.textNote("goroutines      %s  (%s to %s alive)", sparkCounts(tl.AliveMax, minOf(tl.Alive)), Count(minOf(tl.Alive)), Count(maxOf(tl.AliveMax)))
	b.textNote("switches        %s  (0 to %s per bucket)", sparkCounts(tl.Switches, 0), Count(maxOf(tl.Switches)))
}

func (b *docBuilder) distTable(name string, d *analyzer.Dist) {
	t := newDocTable([]string{"", "count", "p50", "p90", "p99", "p99.9", "max", "mean"})
	t.row(name, Count(int64(d.Count)), DurU(d.P50), DurU(d.P90), DurU(d.P99), DurU(d.P999), DurU(d.Max), Dur(int64(d.Mean)))
	b.table(t)
}

func (b *docBuilder) goroutines() {
	g := &b.r.Goroutines
	b.section("goroutines", "Goroutines", "Goroutines")
	t := newDocTable([]string{"", "all", "user"})
	t.row("created", Count(g.Created), Count(g.UserCreated))
	t.row("ended", Count(g.Ended), Count(g.UserEnded))
	t.row("alive at end", Count(g.AliveAtEnd), Count(g.UserAliveAtEnd))
	t.row("existing before trace", Count(g.PreExisting), "")
	t.row("peak alive", Count(g.Peak), "")
	b.table(t)
	b.note("Peak reached at %s; %s runtime goroutines; user creation rate %s.", Dur(g.PeakAtNS), Count(g.System), Rate(g.CreationRate))
	if g.Lifetime.Count > 0 {
		b.distTable("lifetime", &g.Lifetime)
	}
	b.chart("lifetime")
	b.chart("states")
	if len(g.Groups) > 0 {
		b.note("By start function, user goroutines first (time in each state, summed over the group's goroutines):")
		t = newDocTable([]string{"start function", "count", "alive", "running", "runnable", "blocked", "syscall", "blocked on"}, 7).codeCols(0)
		shown := 0
		var runtimeCount, runtimeAlive int64
		for _, gr := range g.Groups {
			if gr.System {
				runtimeCount += gr.Count
				runtimeAlive += gr.AliveAtEnd
				continue
			}
			shown++
			t.row(tr(gr.Name), Count(gr.Count), Count(gr.AliveAtEnd), durOrDash(gr.Time.Exec), durOrDash(gr.Time.SchedWait),
				durOrDash(gr.Time.Blocked), durOrDash(gr.Time.Syscall), topKeys(gr.Time.BlockedBy, 2))
		}
		if g.RuntimeGroups > 0 {
			rt := &g.RuntimeTime
			t.row(fmt.Sprintf("runtime goroutines, %s %s", Count(int64(g.RuntimeGroups)), plural(int64(g.RuntimeGroups), "group", "groups")), Count(g.System), countOrDash(runtimeAlive, runtimeCount, g.System),
				durOrDash(rt.Exec), durOrDash(rt.SchedWait), durOrDash(rt.Blocked), durOrDash(rt.Syscall), topKeys(rt.BlockedBy, 2))
		}
		b.table(t)
		if left := g.UserGroups - shown; left > 0 {
			b.note("%s more user %s not shown (--top %d); the runtime's goroutines are one row.", Count(int64(left)), plural(int64(left), "group", "groups"), b.r.Top)
		}
	}
	if len(g.Working) > 0 {
		b.note("Still working at the end: %s user %s running, runnable or in a syscall, never ended in the trace (when main returns, goroutines like these are cut off; the blocked ones are under Leaked goroutines):",
			Count(g.WorkingAtEnd), plural(g.WorkingAtEnd, "goroutine", "goroutines"))
		t = newDocTable([]string{"start function", "state", "goroutines", "created in trace", "oldest"}, 1).codeCols(0)
		for _, w := range g.Working {
			t.row(tr(w.Start), w.State, Count(w.Count), Count(w.Created), Dur(w.MaxAgeNS))
		}
		b.table(t)
	}
}

func (b *docBuilder) procs() {
	r := b.r
	p := &r.Procs
	b.section("procs", "Processors", "Processors")
	t := newDocTable([]string{"P", "utilization", "running", "of it GC", "in syscall", "switches", "existed"})
	for _, u := range p.PerP {
		t.row(fmt.Sprintf("P%d", u.P), Pct(u.Utilization), Dur(u.BusyNS), Dur(u.GCNS), Dur(u.SyscallNS), Count(u.Switches), Dur(u.ExistNS))
	}
	t.row("all", Pct(p.Utilization), Dur(p.BusyNS), Dur(p.GCNS), Dur(p.SyscallNS), Count(r.Switches.Total), Dur(p.ExistNS))
	b.table(t)
	b.note("Utilization is the time goroutines ran on a P; \"in syscall\" is time a goroutine held its P in a syscall that returned to it, counted apart.")
	if len(p.GOMAXPROCSChanges) > 1 {
		var parts []string
		for _, c := range p.GOMAXPROCSChanges {
			parts = append(parts, fmt.Sprintf("%d at %s", c.Value, Dur(c.AtNS)))
		}
		b.note("GOMAXPROCS changed: %s.", strings.Join(parts, ", "))
	}
}

func (b *docBuilder) switches() {
	s := &b.r.Switches
	b.section("switches", "Switches", "Goroutine switches")
	t := newDocTable([]string{"", "count", "share"})
	total := s.Out.Blocked + s.Out.Preempted + s.Out.Yielded + s.Out.Syscall + s.Out.Exited
	share := func(n int64) string {
		if total == 0 {
			return "-"
		}
		return Pct(float64(n) / float64(total))
	}
	t.row("switches (P starts a goroutine)", Count(s.Total), "")
	t.row("  per second / per P", Rate(s.PerSec), Rate(s.PerSecPerP))
	t.row("switched out: blocked", Count(s.Out.Blocked), share(s.Out.Blocked))
	t.row("switched out: preempted", Count(s.Out.Preempted), share(s.Out.Preempted))
	t.row("switched out: yielded", Count(s.Out.Yielded), share(s.Out.Yielded))
	t.row("switched out: syscall", Count(s.Out.Syscall), share(s.Out.Syscall))
	t.row("switched out: exited", Count(s.Out.Exited), share(s.Out.Exited))
	t.row("migrations between Ps", Count(s.Migrations), "")
	b.table(t)
	if s.RunSlice.Count > 0 {
		b.distTable("run slice", &s.RunSlice)
	}
}

func (b *docBuilder) latency() {
	l := &b.r.Latency
	b.section("latency", "Scheduler latency", "Scheduler latency (runnable -> running)")
	b.distTable("latency", &l.Dist)
	b.chart("latency")
	b.note("Runnable time: %s completed (%s after each goroutine's first run, as go tool trace counts it), %s still waiting at the end.",
		Dur(l.CompletedNS), Dur(l.AfterFirstRunNS), Dur(l.OpenNS))
	if len(l.WorstGroups) > 0 {
		t := newDocTable([]string{"worst groups", "goroutines", "longest wait", "total wait"}).codeCols(0)
		shown := 0
		var rtMax int64
		for _, g := range l.WorstGroups {
			if g.System {
				rtMax = max(rtMax, g.MaxNS)
				continue
			}
			shown++
			t.row(tr(g.Name), Count(g.Count), Dur(g.MaxNS), Dur(g.TotalNS))
		}
		if l.RuntimeGroups > 0 {
			t.row(fmt.Sprintf("runtime goroutines, %s %s", Count(int64(l.RuntimeGroups)), plural(int64(l.RuntimeGroups), "group", "groups")), Count(b.r.Goroutines.System), Dur(rtMax), Dur(b.r.Goroutines.RuntimeTime.SchedWait))
		}
		b.table(t)
		if left := l.UserGroups - shown; left > 0 {
			b.note("%s more user %s not shown (--top %d).", Count(int64(left)), plural(int64(left), "group", "groups"), b.r.Top)
		}
	}
}

// stackCells names stacks shown in one column by their first frames, with
// the whole stack as hover text; a runtime stack is marked [runtime]. When
// the stack is what tells the rows apart (distinct), rows that would read
// the same show where their stacks differ.
func stackCells(stacks []analyzer.StackTime, n int, distinct bool) []docCell {
	frames := make([][]analyzer.Frame, len(stacks))
	texts := make([]string, len(stacks))
	for i, st := range stacks {
		frames[i] = st.Stack
		texts[i] = stackShort(st.Stack, n)
	}
	if distinct {
		texts = stackTexts(frames, n)
	}
	for i := range texts {
		texts[i] = tr(texts[i])
	}
	out := make([]docCell, len(stacks))
	for i, st := range stacks {
		if len(st.Stack) == 0 && st.Count == 0 && st.TotalNS == 0 {
			continue // no stack to show
		}
		full := make([]string, len(st.Stack))
		for j, f := range st.Stack {
			full[j] = frameShort(f)
		}
		text := texts[i]
		if st.Runtime {
			text += " [runtime]"
		}
		out[i] = docCell{text: text, title: tr(strings.Join(full, "\n"))}
	}
	return out
}

func (b *docBuilder) blocking() {
	bl := &b.r.Blocking
	b.section("blocking", "Blocking", "Blocking (completed waits by reason)")
	if len(bl.ByReason) == 0 {
		b.note("No goroutine blocked.")
		return
	}
	t := newDocTable([]string{"reason", "count", "total", "max", "of it runtime", "top stack"}, 5).codeCols(5)
	// The reasons the program waited for first; those only the runtime's
	// goroutines waited on after them.
	reasons := slices.Clone(bl.ByReason)
	slices.SortStableFunc(reasons, func(x, y analyzer.BlockReason) int {
		return cmp.Compare(b2i(x.TotalNS > 0 && x.RuntimeNS >= x.TotalNS), b2i(y.TotalNS > 0 && y.RuntimeNS >= y.TotalNS))
	})
	var stacks []analyzer.StackTime
	for _, br := range reasons {
		var st analyzer.StackTime
		if len(br.Top) > 0 {
			st = br.Top[0]
		}
		stacks = append(stacks, st)
	}
	cells := stackCells(stacks, 3, false)
	for i, br := range reasons {
		t.rowCells(docCell{text: tr(br.Reason)}, docCell{text: Count(br.Count)}, docCell{text: Dur(br.TotalNS)}, docCell{text: Dur(br.MaxNS)},
			docCell{text: durOrDash(br.RuntimeNS)}, cells[i])
	}
	b.table(t)
	b.note("\"of it runtime\" is time on the runtime's own stacks (GC workers, the tracer); the top stack is the program's own when it has one, [runtime] when only the runtime waited; reasons only the runtime waited on come last.")
	b.note("Sync (chan/sync/select) %s, network %s; %s of waits still open at the end.", Dur(bl.SyncCompletedNS), Dur(bl.NetCompletedNS), Dur(bl.OpenNS))
	if len(bl.SyncByPrimitive) > 0 {
		var parts []string
		for _, p := range bl.SyncByPrimitive {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", p.Primitive, Dur(p.TotalNS), Count(p.Count)))
		}
		b.note("Sync waits by primitive (from the blocking stack): %s.", strings.Join(parts, ", "))
	}
}

func (b *docBuilder) syscalls() {
	s := &b.r.Syscalls
	b.section("syscalls", "Syscalls", "Syscalls")
	t := newDocTable([]string{"", "value"})
	t.row("completed syscalls", Count(s.Count))
	t.row("time in syscalls", Dur(s.CompletedNS))
	t.row("returned to their P", Count(s.KeptP))
	t.row("lost their P (handed off)", Count(s.LostP))
	t.row("OS threads seen", Count(s.Threads))
	t.row("most in syscalls at once", Count(s.MaxConcurrent))
	t.row("still in syscalls at end", Dur(s.OpenNS))
	b.table(t)
	if s.Dist.Count > 0 {
		b.distTable("syscall", &s.Dist)
	}
	if len(s.Top) > 0 {
		t = newDocTable([]string{"top syscall stacks", "count", "total"}).codeCols(0)
		cells := stackCells(s.Top, 3, true)
		for i, st := range s.Top {
			t.rowCells(cells[i], docCell{text: Count(st.Count)}, docCell{text: Dur(st.TotalNS)})
		}
		b.table(t)
		if left := s.Stacks - len(s.Top); left > 0 {
			b.note("%s more %s not shown (--top %d).", Count(int64(left)), plural(int64(left), "stack", "stacks"), b.r.Top)
		}
	}
}

func (b *docBuilder) gc() {
	g := &b.r.GC
	b.section("gc", "GC", "Garbage collection")
	t := newDocTable([]string{"", "value"})
	t.row("GC cycles", Count(g.Cycles))
	t.row("mark phase time", Dur(g.MarkNS))
	t.row("stop-the-world pauses (GC)", Count(int64(g.STW.Count)))
	t.row("  total / p99 / max", fmt.Sprintf("%s / %s / %s", DurU(g.STW.Sum), DurU(g.STW.P99), DurU(g.STW.Max)))
	if g.OtherSTW.Count > 0 {
		t.row("other stop-the-world pauses", Count(int64(g.OtherSTW.Count)))
		t.row("  total / p99 / max", fmt.Sprintf("%s / %s / %s", DurU(g.OtherSTW.Sum), DurU(g.OtherSTW.P99), DurU(g.OtherSTW.Max)))
	}
	t.row("mark assists", fmt.Sprintf("%s, %s", Count(g.AssistCount), Dur(g.AssistNS)))
	t.row("sweep time", Dur(g.SweepNS))
	t.row("heap live (peak / last)", fmt.Sprintf("%s / %s", Bytes(g.HeapMaxBytes), Bytes(g.HeapLastBytes)))
	t.row("heap goal (peak / last)", fmt.Sprintf("%s / %s", Bytes(g.GoalMaxBytes), Bytes(g.GoalLastBytes)))
	b.table(t)
	if len(g.STWByReason) > 0 {
		t = newDocTable([]string{"stop-the-world reason", "kind", "count", "total", "max"}, 1)
		for _, s := range g.STWByReason {
			t.row(tr(s.Reason), s.Kind, Count(s.Count), Dur(s.TotalNS), Dur(s.MaxNS))
		}
		b.table(t)
		b.note("Only the GC's pauses count in the stop-the-world numbers of the GC (gc.stw.*); the other kinds are apart (stw.other.*), and the tracer's own (start trace, stop trace) in neither.")
	}
}

func (b *docBuilder) leaks() {
	l := &b.r.Leaks
	b.section("leaks", "Leaks", "Leaked goroutines (user goroutines blocked at the end)")
	if len(l.Groups) == 0 {
		b.note("None: no user goroutine was blocked at the end of the trace.")
		return
	}
	t := newDocTable([]string{"goroutines", "suspected", "reason", "blocked for", "start function", "blocked at"}, 2, 4, 5).codeCols(4, 5)
	var stacks []analyzer.StackTime
	for _, g := range l.Groups {
		stacks = append(stacks, analyzer.StackTime{Stack: g.Stack, Count: g.Count})
	}
	cells := stackCells(stacks, 2, true)
	for i, g := range l.Groups {
		sus := "no"
		if g.Suspected {
			sus = "YES"
		}
		dur := Dur(g.MaxBlockedNS)
		if lo := Dur(g.MinBlockedNS); lo != dur {
			dur = lo + "-" + dur
		}
		if g.BeforeTrace {
			dur = "≥" + dur // since before the trace began
		}
		t.rowCells(docCell{text: Count(g.Count)}, docCell{text: sus}, docCell{text: tr(g.Reason)}, docCell{text: dur}, docCell{text: tr(g.Start)}, cells[i])
	}
	b.table(t)
	b.note("%s suspected (blocked at least %s at the end).", Count(l.Suspected), Dur(l.ThresholdNS))
	var diag []string
	for _, g := range l.Groups {
		if g.Suspected && g.Diagnosis != "" {
			diag = append(diag, Count(g.Count)+": "+g.Diagnosis)
		}
	}
	b.list(diag)
}

func (b *docBuilder) annotations() {
	a := &b.r.Annotations
	if len(a.Tasks) == 0 && len(a.Regions) == 0 && a.LogCount == 0 {
		return
	}
	b.section("annotations", "Annotations", "User annotations")
	if len(a.Tasks)+len(a.Regions) > 0 {
		t := newDocTable([]string{"kind", "type", "completed", "unfinished", "p50", "p99", "max"}, 1)
		for _, k := range a.Tasks {
			t.row("task", tr(k.Type), Count(k.Count), Count(k.Unfinished), DurU(k.Duration.P50), DurU(k.Duration.P99), DurU(k.Duration.Max))
		}
		for _, k := range a.Regions {
			t.row("region", tr(k.Type), Count(k.Count), Count(k.Unfinished), DurU(k.Duration.P50), DurU(k.Duration.P99), DurU(k.Duration.Max))
		}
		b.table(t)
	}
	if len(a.Logs) > 0 {
		t := newDocTable([]string{"at", "goroutine", "category", "message"}, 2, 3).codeCols(3)
		shown := len(a.Logs)
		if top := b.r.Top; top > 0 {
			shown = min(shown, top)
		}
		for _, l := range a.Logs[:shown] {
			t.row(Dur(l.AtNS), "G"+strconv.FormatInt(l.Goroutine, 10), tr(l.Category), tr(l.Message))
		}
		b.table(t)
		if a.LogCount > int64(shown) {
			b.note("%s more log events not shown (--top %d; the JSON report holds up to %d).", Count(a.LogCount-int64(shown)), b.r.Top, analyzer.MaxLogs)
		}
	}
}

// durOrDash formats a duration, or "-" for zero.
func durOrDash(ns int64) string {
	if ns == 0 {
		return "-"
	}
	return Dur(ns)
}

// sparkCounts draws counts scaled from base (the lowest block) to their
// maximum (the highest).
func sparkCounts(v []int64, base int64) string {
	m := maxOf(v)
	f := make([]float64, len(v))
	for i, x := range v {
		if m > base {
			f[i] = float64(x-base) / float64(m-base)
		}
	}
	return sparkline(f)
}

func maxOf(v []int64) int64 {
	var m int64
	for i, x := range v {
		if i == 0 || x > m {
			m = x
		}
	}
	return m
}

func minOf(v []int64) int64 {
	var m int64
	for i, x := range v {
		if i == 0 || x < m {
			m = x
		}
	}
	return m
}

// plural picks the word for n things.
func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
