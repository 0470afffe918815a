package render

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// HTML writes the reports of set as one self-contained HTML page: the
// report's tables (the sections of the text report) and SVG charts drawn in
// Go. The page loads nothing — no script, font, image or style sheet — and a
// Content-Security-Policy forbids it to; it follows the browser's light or
// dark scheme. Every string that came from the trace is escaped.
//
// With several reports the page begins with a comparison table (one column
// per report, headline numbers side by side) and then holds one full section,
// tables and charts, per report.
func HTML(w io.Writer, set *analyzer.ReportSet) error {
	page := htmlPageData{Title: "gotrace report"}
	var reports []*analyzer.Report
	if set != nil {
		for _, r := range set.Reports {
			if r != nil {
				reports = append(reports, r)
			}
		}
	}
	switch len(reports) {
	case 0:
		page.Heading = "gotrace report"
	case 1:
		page.Title = "gotrace report: " + htmlClean(reports[0].Source.Name)
		page.Heading = "gotrace report"
	default:
		page.Title = fmt.Sprintf("gotrace report: %d traces", len(reports))
		page.Heading = fmt.Sprintf("gotrace report: %d traces", len(reports))
		page.Compare = htmlCompare(reports)
	}
	if set != nil && (len(reports) > 1 || set.Env.Workload != "") {
		page.Env = htmlEnv(&set.Env)
	}
	for i, r := range reports {
		page.Reports = append(page.Reports, htmlReport(r, i+1, len(reports)))
	}
	bw := bufio.NewWriter(w)
	if err := htmlTemplate.ExecuteTemplate(bw, "page", &page); err != nil {
		return err
	}
	return bw.Flush()
}

// htmlPageData is what the page template shows.
type htmlPageData struct {
	Title, Heading string
	Env            string
	Compare        *htmlTable
	Reports        []htmlReportData
}

type htmlReportData struct {
	ID       string
	Heading  string
	Facts    []htmlFact
	Warnings []string
	Sections []*htmlSection
}

type htmlFact struct{ Label, Value string }

type htmlSection struct {
	ID, Title, Nav string
	Blocks         []htmlBlock
}

// htmlBlock is one of: a table, a line of prose, a list, a chart.
type htmlBlock struct {
	Table *htmlTable
	Note  string
	List  []string
	Chart *htmlChart
}

type htmlTable struct {
	Head []htmlCell
	Rows [][]htmlCell
	left map[int]bool
	mono map[int]bool
}

type htmlCell struct {
	Text, Title, Class, Href string
}

// htmlChart is a figure: a title, a legend, the SVG (or a note when there
// is nothing to draw) and a caption saying how to read it.
type htmlChart struct {
	ID, Kind, Title, Caption string
	Legend                   []htmlKey
	SVG                      template.HTML
	NoData                   string
}

type htmlKey struct{ Class, Label string }

// newHTMLTable starts a table whose first column, and the columns in left,
// are aligned left; the others are numbers aligned right.
func newHTMLTable(header []string, left ...int) *htmlTable {
	t := &htmlTable{left: map[int]bool{0: true}, mono: map[int]bool{}}
	for _, i := range left {
		t.left[i] = true
	}
	for i, h := range header {
		t.Head = append(t.Head, htmlCell{Text: h, Class: t.class(i)})
	}
	return t
}

// code marks columns that hold function names, stacks or other code.
func (t *htmlTable) code(cols ...int) *htmlTable {
	for _, i := range cols {
		t.mono[i] = true
	}
	return t
}

func (t *htmlTable) class(i int) string {
	c := "n"
	if t.left[i] {
		c = "l"
	}
	if t.mono[i] {
		c += " code"
	}
	return c
}

func (t *htmlTable) row(cells ...string) {
	row := make([]htmlCell, len(cells))
	for i, c := range cells {
		row[i] = htmlCell{Text: htmlClean(c), Class: t.class(i)}
	}
	t.Rows = append(t.Rows, row)
}

// rowCells appends a row of prepared cells, filling in the classes.
func (t *htmlTable) rowCells(cells ...htmlCell) {
	for i := range cells {
		cells[i].Text = htmlClean(cells[i].Text)
		cells[i].Title = htmlClean(cells[i].Title)
		cells[i].Class = t.class(i)
	}
	t.Rows = append(t.Rows, cells)
}

// htmlReportBuilder collects the sections of one report.
type htmlReportBuilder struct {
	r   *analyzer.Report
	id  string
	out []*htmlSection
	cur *htmlSection
}

// section starts a section; nav is its name in the report's table of contents.
func (b *htmlReportBuilder) section(key, nav, title string) {
	b.cur = &htmlSection{ID: b.id + "-" + key, Title: title, Nav: nav}
	b.out = append(b.out, b.cur)
}

func (b *htmlReportBuilder) table(t *htmlTable) {
	b.cur.Blocks = append(b.cur.Blocks, htmlBlock{Table: t})
}

func (b *htmlReportBuilder) note(format string, args ...any) {
	b.cur.Blocks = append(b.cur.Blocks, htmlBlock{Note: htmlClean(fmt.Sprintf(format, args...))})
}

func (b *htmlReportBuilder) chart(c *htmlChart) {
	c.ID = b.id + "-chart-" + c.Kind
	if c.SVG == "" && c.NoData == "" {
		c.NoData = "No data."
	}
	b.cur.Blocks = append(b.cur.Blocks, htmlBlock{Chart: c})
}

func htmlReport(r *analyzer.Report, n, of int) htmlReportData {
	d := htmlReportData{ID: "r" + strconv.Itoa(n), Heading: htmlClean(r.Source.Name)}
	if of > 1 {
		d.Heading = fmt.Sprintf("#%d: %s", n, d.Heading)
	}
	gz := ""
	if r.Source.Gzip {
		gz = ", gzip"
	}
	d.Facts = []htmlFact{
		{"Go", r.Source.GoVersion},
		{"format", r.Source.Format},
		{"duration", Dur(r.Trace.DurationNS)},
		{"GOMAXPROCS", strconv.Itoa(r.Procs.GOMAXPROCS)},
		{"events", Count(r.Trace.Events)},
		{"generations", strconv.Itoa(r.Trace.Generations)},
		{"size", Bytes(uint64(max(r.Source.Bytes, 0))) + gz},
	}
	for i := range d.Facts {
		d.Facts[i].Value = htmlClean(d.Facts[i].Value)
		if d.Facts[i].Value == "" {
			d.Facts[i].Value = "?"
		}
	}
	if r.Trace.Truncated {
		d.Warnings = append(d.Warnings, fmt.Sprintf("Truncated trace: %s at the end were not analyzed.", Bytes(uint64(max(r.Trace.LostBytes, 0)))))
	}
	for _, w := range r.Warnings {
		d.Warnings = append(d.Warnings, htmlClean(w))
	}
	b := &htmlReportBuilder{r: r, id: d.ID}
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
	d.Sections = b.out
	return d
}

func (b *htmlReportBuilder) summary() {
	r := b.r
	b.section("summary", "Summary", "Summary")
	t := newHTMLTable([]string{"", "value", "detail"}, 2)
	g := &r.Goroutines
	t.row("goroutines created", Count(g.Created), fmt.Sprintf("peak %s alive, %s alive at end, %s ended", Count(g.Peak), Count(g.AliveAtEnd), Count(g.Ended)))
	t.row("P utilization", Pct(r.Procs.Utilization), fmt.Sprintf("%s of it GC, GOMAXPROCS %d", Pct(r.Procs.GCUtilization), r.Procs.GOMAXPROCS))
	t.row("goroutine switches", Count(r.Switches.Total), fmt.Sprintf("%s, %s per P", Rate(r.Switches.PerSec), Rate(r.Switches.PerSecPerP)))
	l := &r.Latency.Dist
	t.row("scheduler latency p99", DurU(l.P99), fmt.Sprintf("p50 %s, max %s, over %s waits", DurU(l.P50), DurU(l.Max), Count(int64(l.Count))))
	top := ""
	if len(r.Blocking.ByReason) > 0 {
		top = "most on " + r.Blocking.ByReason[0].Reason
	}
	t.row("blocked", Dur(htmlBlockedTotal(r)), top)
	t.row("syscalls", Count(r.Syscalls.Count), fmt.Sprintf("%s total, %s lost their P, %s threads", Dur(r.Syscalls.CompletedNS), Count(r.Syscalls.LostP), Count(r.Syscalls.Threads)))
	t.row("GC cycles", Count(r.GC.Cycles), fmt.Sprintf("%s stop-the-world pauses, max %s", Count(int64(r.GC.STW.Count)), DurU(r.GC.STW.Max)))
	t.row("suspected leaks", Count(r.Leaks.Suspected), fmt.Sprintf("%s user goroutines blocked at end", Count(r.Leaks.Blocked)))
	b.table(t)
}

func htmlBlockedTotal(r *analyzer.Report) int64 {
	var n int64
	for _, br := range r.Blocking.ByReason {
		n += br.TotalNS
	}
	return n
}

func (b *htmlReportBuilder) timeline() {
	r := b.r
	tl := &r.Timeline
	b.section("timeline", "Timeline", "Timeline")
	if len(tl.Utilization) > 0 {
		b.note("The trace cut into %d buckets of %s; time is measured from the first event.", len(tl.Utilization), Dur(tl.BucketNS))
	}
	svg, none := svgProcChart(r)
	caption := "One lane per P (processor), plus all Ps together at the top. In each time bucket the bar's height is the share of the bucket the P spent running goroutines: GC mark work at the bottom, user code above it; an empty lane is an idle P. The figure at the right is the P's utilization over the whole trace. Hover a bar for its numbers."
	if len(r.Procs.PerP) > len(tl.PerP) && len(tl.PerP) > 0 {
		caption += fmt.Sprintf(" Only the first %d of %d Ps have a lane.", len(tl.PerP), len(r.Procs.PerP))
	}
	b.chart(&htmlChart{Kind: "putil", Title: "P utilization over time", SVG: svg, NoData: none,
		Legend:  []htmlKey{{"bar-user", "user code"}, {"bar-gc", "GC mark workers"}, {"lane", "idle"}},
		Caption: caption})
	svg, none = svgAliveChart(r)
	b.chart(&htmlChart{Kind: "alive", Title: "Goroutines alive over time", SVG: svg, NoData: none,
		Legend:  []htmlKey{{"line-alive", "alive at the end of the bucket"}, {"area-alive-max", "most alive within the bucket"}, {"peak", "peak"}},
		Caption: "Goroutines that exist (of any state, runtime goroutines included) over time. The line is the count at the end of each time bucket; the shaded band reaches the most that were alive at any moment of the bucket, so short bursts show even when they end within a bucket."})
	svg, none = svgSwitchChart(r)
	b.chart(&htmlChart{Kind: "switches", Title: "Goroutine switch rate over time", SVG: svg, NoData: none,
		Legend:  []htmlKey{{"bar-switch", "switches per second"}, {"mean", "mean over the trace"}},
		Caption: "How often a P started running a goroutine, per second, in each time bucket (all Ps together). High bars with low utilization point at goroutines that run briefly and block again; the dashed line is the rate over the whole trace."})
}

func (b *htmlReportBuilder) distTable(name string, d *analyzer.Dist) *htmlTable {
	t := newHTMLTable([]string{"", "count", "p50", "p90", "p99", "p99.9", "max", "mean"})
	t.row(name, Count(int64(d.Count)), DurU(d.P50), DurU(d.P90), DurU(d.P99), DurU(d.P999), DurU(d.Max), Dur(int64(d.Mean)))
	return t
}

func (b *htmlReportBuilder) goroutines() {
	g := &b.r.Goroutines
	b.section("goroutines", "Goroutines", "Goroutines")
	t := newHTMLTable([]string{"", "all", "user"})
	t.row("created", Count(g.Created), Count(g.UserCreated))
	t.row("ended", Count(g.Ended), Count(g.UserEnded))
	t.row("alive at end", Count(g.AliveAtEnd), Count(g.UserAliveAtEnd))
	t.row("existing before trace", Count(g.PreExisting), "")
	t.row("peak alive", Count(g.Peak), "")
	b.table(t)
	b.note("Peak reached at %s; %s runtime goroutines; user creation rate %s.", Dur(g.PeakAtNS), Count(g.System), Rate(g.CreationRate))
	if g.Lifetime.Count > 0 {
		b.table(b.distTable("lifetime", &g.Lifetime))
	}
	svg, _ := svgHistChart(&g.Lifetime, "goroutines", "Goroutine lifetime histogram")
	b.chart(&htmlChart{Kind: "lifetime", Title: "Goroutine lifetimes", SVG: svg,
		NoData:  "No user goroutine was both created and ended in the trace: no lifetimes to show.",
		Legend:  []htmlKey{{"bar-hist", "goroutines"}, {"mark", "percentiles"}},
		Caption: "How long user goroutines lived, from creation to exit, for those created and ended within the trace. Each bar counts the goroutines whose lifetime falls between two powers of two (the duration axis is logarithmic); dashed lines mark the median and the 99th percentile."})
	svg, none := svgStateChart(b.r)
	b.chart(&htmlChart{Kind: "states", Title: "Time by state per goroutine group", SVG: svg, NoData: none,
		Legend:  []htmlKey{{"bar-running", "running"}, {"bar-runnable", "runnable (waiting for a P)"}, {"bar-blocked", "blocked"}, {"bar-syscall", "in a syscall"}},
		Caption: "Goroutines grouped by start function (×N is how many), heaviest groups first. Each bar splits the time the group's goroutines existed into running, runnable, blocked and syscall, as shares of the group's total, which is given at the right. Hover a segment for its time and, for blocked, the reasons."})
	if len(g.Groups) > 0 {
		t = newHTMLTable([]string{"start function", "count", "alive", "running", "runnable", "blocked", "syscall", "blocked on"}, 7).code(0)
		for _, gr := range g.Groups {
			name := gr.Name
			if gr.System {
				name += " [runtime]"
			}
			t.row(name, Count(gr.Count), Count(gr.AliveAtEnd), Dur(gr.Time.Exec), Dur(gr.Time.SchedWait), Dur(gr.Time.Blocked), Dur(gr.Time.Syscall), htmlTopKeys(gr.Time.BlockedBy, 2))
		}
		b.note("By start function (time in each state, summed over the group's goroutines):")
		b.table(t)
	}
}

// htmlTopKeys lists the largest entries of m, most first: "chan, sync".
func htmlTopKeys(m map[string]int64, n int) string {
	keys := svgSortedKeys(m)
	if len(keys) > n {
		keys = keys[:n]
	}
	return strings.Join(keys, ", ")
}

func (b *htmlReportBuilder) procs() {
	r := b.r
	p := &r.Procs
	b.section("procs", "Processors", "Processors")
	t := newHTMLTable([]string{"P", "utilization", "busy", "GC", "switches", "existed"})
	for _, u := range p.PerP {
		t.row(fmt.Sprintf("P%d", u.P), Pct(u.Utilization), Dur(u.BusyNS), Dur(u.GCNS), Count(u.Switches), Dur(u.ExistNS))
	}
	t.row("all", Pct(p.Utilization), Dur(p.BusyNS), Dur(p.GCNS), Count(r.Switches.Total), Dur(p.ExistNS))
	b.table(t)
	if len(p.GOMAXPROCSChanges) > 1 {
		var parts []string
		for _, c := range p.GOMAXPROCSChanges {
			parts = append(parts, fmt.Sprintf("%d at %s", c.Value, Dur(c.AtNS)))
		}
		b.note("GOMAXPROCS changed: %s.", strings.Join(parts, ", "))
	}
}

func (b *htmlReportBuilder) switches() {
	s := &b.r.Switches
	b.section("switches", "Switches", "Goroutine switches")
	t := newHTMLTable([]string{"", "count", "share"})
	total := s.Out.Blocked + s.Out.Preempted + s.Out.Yielded + s.Out.Syscall + s.Out.Exited
	share := func(n int64) string {
		if total == 0 {
			return "-"
		}
		return Pct(float64(n) / float64(total))
	}
	t.row("switches (P starts a goroutine)", Count(s.Total), "")
	t.row("per second / per P", Rate(s.PerSec), Rate(s.PerSecPerP))
	t.row("switched out: blocked", Count(s.Out.Blocked), share(s.Out.Blocked))
	t.row("switched out: preempted", Count(s.Out.Preempted), share(s.Out.Preempted))
	t.row("switched out: yielded", Count(s.Out.Yielded), share(s.Out.Yielded))
	t.row("switched out: syscall", Count(s.Out.Syscall), share(s.Out.Syscall))
	t.row("switched out: exited", Count(s.Out.Exited), share(s.Out.Exited))
	t.row("migrations between Ps", Count(s.Migrations), "")
	b.table(t)
	if s.RunSlice.Count > 0 {
		b.table(b.distTable("run slice", &s.RunSlice))
	}
}

func (b *htmlReportBuilder) latency() {
	l := &b.r.Latency
	b.section("latency", "Scheduler latency", "Scheduler latency (runnable → running)")
	b.table(b.distTable("latency", &l.Dist))
	svg, _ := svgHistChart(&l.Dist, "waits", "Scheduler latency histogram")
	b.chart(&htmlChart{Kind: "latency", Title: "Scheduler latency", SVG: svg,
		NoData:  "No goroutine waited for a P in the trace: no latencies to show.",
		Legend:  []htmlKey{{"bar-hist", "waits"}, {"mark", "percentiles"}},
		Caption: "How long runnable goroutines waited for a P before running. Each bar counts the waits between two powers of two (the duration axis is logarithmic); dashed lines mark the median and the 99th percentile. A long tail on the right means goroutines ready to run sat in a queue."})
	b.note("Runnable time: %s completed (%s after each goroutine's first run, as go tool trace counts it), %s still waiting at end.",
		Dur(l.CompletedNS), Dur(l.AfterFirstRunNS), Dur(l.OpenNS))
	if len(l.WorstGroups) > 0 {
		t := newHTMLTable([]string{"worst groups", "goroutines", "longest wait", "total wait"}).code(0)
		for _, g := range l.WorstGroups {
			t.row(g.Name, Count(g.Count), Dur(g.MaxNS), Dur(g.TotalNS))
		}
		b.table(t)
	}
}

// htmlStack is a table cell naming a stack by its first frames, with the
// whole stack as hover text.
func htmlStack(frames []analyzer.Frame, n int) htmlCell {
	var full []string
	for _, f := range frames {
		full = append(full, frameShort(f))
	}
	return htmlCell{Text: stackShort(frames, n), Title: strings.Join(full, "\n")}
}

func (b *htmlReportBuilder) blocking() {
	bl := &b.r.Blocking
	b.section("blocking", "Blocking", "Blocking (completed waits by reason)")
	if len(bl.ByReason) == 0 {
		b.note("No goroutine blocked.")
		return
	}
	t := newHTMLTable([]string{"reason", "count", "total", "max", "top stack"}, 4).code(4)
	for _, br := range bl.ByReason {
		stk := htmlCell{}
		if len(br.Top) > 0 {
			stk = htmlStack(br.Top[0].Stack, 3)
		}
		t.rowCells(htmlCell{Text: br.Reason}, htmlCell{Text: Count(br.Count)}, htmlCell{Text: Dur(br.TotalNS)}, htmlCell{Text: Dur(br.MaxNS)}, stk)
	}
	b.table(t)
	b.note("Sync (chan/sync/select) %s, network %s; %s of waits still open at end.", Dur(bl.SyncCompletedNS), Dur(bl.NetCompletedNS), Dur(bl.OpenNS))
}

func (b *htmlReportBuilder) syscalls() {
	s := &b.r.Syscalls
	b.section("syscalls", "Syscalls", "Syscalls")
	t := newHTMLTable([]string{"", "value"})
	t.row("completed syscalls", Count(s.Count))
	t.row("time in syscalls", Dur(s.CompletedNS))
	t.row("returned to their P", Count(s.KeptP))
	t.row("lost their P (handed off)", Count(s.LostP))
	t.row("OS threads seen", Count(s.Threads))
	t.row("most in syscalls at once", Count(s.MaxConcurrent))
	t.row("still in syscalls at end", Dur(s.OpenNS))
	b.table(t)
	if s.Dist.Count > 0 {
		b.table(b.distTable("syscall", &s.Dist))
	}
	if len(s.Top) > 0 {
		t = newHTMLTable([]string{"top syscall stacks", "count", "total"}).code(0)
		for _, st := range s.Top {
			t.rowCells(htmlStack(st.Stack, 3), htmlCell{Text: Count(st.Count)}, htmlCell{Text: Dur(st.TotalNS)})
		}
		b.table(t)
	}
}

func (b *htmlReportBuilder) gc() {
	g := &b.r.GC
	b.section("gc", "GC", "Garbage collection")
	t := newHTMLTable([]string{"", "value"})
	t.row("GC cycles", Count(g.Cycles))
	t.row("mark phase time", Dur(g.MarkNS))
	t.row("stop-the-world pauses", Count(int64(g.STW.Count)))
	t.row("total / p99 / max", fmt.Sprintf("%s / %s / %s", DurU(g.STW.Sum), DurU(g.STW.P99), DurU(g.STW.Max)))
	t.row("mark assists", fmt.Sprintf("%s, %s", Count(g.AssistCount), Dur(g.AssistNS)))
	t.row("sweep time", Dur(g.SweepNS))
	t.row("heap live (peak / last)", fmt.Sprintf("%s / %s", Bytes(g.HeapMaxBytes), Bytes(g.HeapLastBytes)))
	t.row("heap goal (peak / last)", fmt.Sprintf("%s / %s", Bytes(g.GoalMaxBytes), Bytes(g.GoalLastBytes)))
	b.table(t)
	if len(g.STWByReason) > 0 {
		t = newHTMLTable([]string{"stop-the-world reason", "count", "total", "max"})
		for _, s := range g.STWByReason {
			t.row(s.Reason, Count(s.Count), Dur(s.TotalNS), Dur(s.MaxNS))
		}
		b.table(t)
	}
}

func (b *htmlReportBuilder) leaks() {
	l := &b.r.Leaks
	b.section("leaks", "Leaks", "Leaked goroutines (user goroutines blocked at the end)")
	if len(l.Groups) == 0 {
		b.note("None: no user goroutine was blocked at the end of the trace.")
		return
	}
	t := newHTMLTable([]string{"goroutines", "suspected", "reason", "blocked for", "start function", "blocked at"}, 2, 4, 5).code(4, 5)
	for _, g := range l.Groups {
		sus := "no"
		if g.Suspected {
			sus = "YES"
		}
		dur := Dur(g.MaxBlockedNS)
		if g.MinBlockedNS != g.MaxBlockedNS {
			dur = Dur(g.MinBlockedNS) + "–" + dur
		}
		t.rowCells(htmlCell{Text: Count(g.Count)}, htmlCell{Text: sus}, htmlCell{Text: g.Reason}, htmlCell{Text: dur}, htmlCell{Text: g.Start}, htmlStack(g.Stack, 2))
	}
	b.table(t)
	b.note("%s suspected (blocked at least %s at the end).", Count(l.Suspected), Dur(l.ThresholdNS))
	var diag []string
	for _, g := range l.Groups {
		if g.Suspected && g.Diagnosis != "" {
			diag = append(diag, htmlClean(Count(g.Count)+": "+g.Diagnosis))
		}
	}
	if len(diag) > 0 {
		b.cur.Blocks = append(b.cur.Blocks, htmlBlock{List: diag})
	}
}

func (b *htmlReportBuilder) annotations() {
	a := &b.r.Annotations
	if len(a.Tasks) == 0 && len(a.Regions) == 0 && a.LogCount == 0 {
		return
	}
	b.section("annotations", "Annotations", "User annotations")
	if len(a.Tasks)+len(a.Regions) > 0 {
		t := newHTMLTable([]string{"kind", "type", "count", "unfinished", "p50", "p99", "max"}, 1)
		for _, k := range a.Tasks {
			t.row("task", k.Type, Count(k.Count), Count(k.Unfinished), DurU(k.Duration.P50), DurU(k.Duration.P99), DurU(k.Duration.Max))
		}
		for _, k := range a.Regions {
			t.row("region", k.Type, Count(k.Count), Count(k.Unfinished), DurU(k.Duration.P50), DurU(k.Duration.P99), DurU(k.Duration.Max))
		}
		b.table(t)
	}
	if len(a.Logs) > 0 {
		t := newHTMLTable([]string{"at", "goroutine", "category", "message"}, 2, 3).code(3)
		for _, l := range a.Logs {
			t.row(Dur(l.AtNS), "G"+strconv.FormatInt(l.Goroutine, 10), l.Category, l.Message)
		}
		b.table(t)
		if a.LogCount > int64(len(a.Logs)) {
			b.note("%s more log events not shown.", Count(a.LogCount-int64(len(a.Logs))))
		}
	}
}

// htmlEnv describes where a set of reports came from.
func htmlEnv(e *analyzer.Env) string {
	var parts []string
	if e.GoVersion != "" {
		parts = append(parts, e.GoVersion)
	}
	if e.GOMAXPROCS > 0 {
		parts = append(parts, fmt.Sprintf("GOMAXPROCS %d", e.GOMAXPROCS))
	}
	if e.GOOS != "" {
		parts = append(parts, e.GOOS+"/"+e.GOARCH)
	}
	if e.NumCPU > 0 {
		parts = append(parts, fmt.Sprintf("%d CPUs", e.NumCPU))
	}
	if e.Workload != "" {
		w := "workload " + e.Workload
		if len(e.Params) > 0 {
			keys := make([]string, 0, len(e.Params))
			for k := range e.Params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var ps []string
			for _, k := range keys {
				ps = append(ps, k+"="+e.Params[k])
			}
			w += " (" + strings.Join(ps, " ") + ")"
		}
		parts = append(parts, w)
	}
	return htmlClean(strings.Join(parts, ", "))
}

// htmlCompare puts the headline numbers of several reports side by side,
// one column per report.
func htmlCompare(reports []*analyzer.Report) *htmlTable {
	head := []string{""}
	for i := range reports {
		head = append(head, "#"+strconv.Itoa(i+1))
	}
	t := newHTMLTable(head)
	for i := range reports {
		t.Head[i+1].Href = "#r" + strconv.Itoa(i+1)
	}
	rows := []struct {
		name string
		f    func(r *analyzer.Report) string
	}{
		{"trace", func(r *analyzer.Report) string { return svgShorten(r.Source.Name, 32) }},
		{"Go", func(r *analyzer.Report) string { return r.Source.GoVersion }},
		{"duration", func(r *analyzer.Report) string { return Dur(r.Trace.DurationNS) }},
		{"events", func(r *analyzer.Report) string { return Count(r.Trace.Events) }},
		{"GOMAXPROCS", func(r *analyzer.Report) string { return strconv.Itoa(r.Procs.GOMAXPROCS) }},
		{"goroutines created", func(r *analyzer.Report) string { return Count(r.Goroutines.Created) }},
		{"peak alive", func(r *analyzer.Report) string { return Count(r.Goroutines.Peak) }},
		{"P utilization", func(r *analyzer.Report) string { return Pct(r.Procs.Utilization) }},
		{"GC utilization", func(r *analyzer.Report) string { return Pct(r.Procs.GCUtilization) }},
		{"switches/s", func(r *analyzer.Report) string { return Rate(r.Switches.PerSec) }},
		{"sched latency p50", func(r *analyzer.Report) string { return DurU(r.Latency.Dist.P50) }},
		{"sched latency p99", func(r *analyzer.Report) string { return DurU(r.Latency.Dist.P99) }},
		{"sched latency max", func(r *analyzer.Report) string { return DurU(r.Latency.Dist.Max) }},
		{"blocked", func(r *analyzer.Report) string { return Dur(htmlBlockedTotal(r)) }},
		{"syscalls", func(r *analyzer.Report) string { return Count(r.Syscalls.Count) }},
		{"GC cycles", func(r *analyzer.Report) string { return Count(r.GC.Cycles) }},
		{"STW max", func(r *analyzer.Report) string { return DurU(r.GC.STW.Max) }},
		{"suspected leaks", func(r *analyzer.Report) string { return Count(r.Leaks.Suspected) }},
	}
	for _, row := range rows {
		cells := []htmlCell{{Text: row.name}}
		for _, r := range reports {
			c := htmlCell{Text: row.f(r)}
			if row.name == "trace" {
				c.Title = r.Source.Name
			}
			cells = append(cells, c)
		}
		t.rowCells(cells...)
	}
	return t
}

var htmlTemplate = template.Must(template.New("page").Parse(`{{define "page"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="gotrace">
<title>{{.Title}}</title>
<style>` + htmlCSS + `</style>
</head>
<body>
<main>
<h1>{{.Heading}}</h1>
{{with .Env}}<p class="env">{{.}}</p>
{{end}}{{with .Compare}}<section class="compare" id="compare"><h2>Comparison</h2>
<p class="note">Headline numbers of each trace side by side; follow a column's heading to that trace's full report below.</p>
{{template "table" .}}</section>
{{end}}{{range .Reports}}{{template "report" .}}{{else}}<p class="nodata">No reports.</p>{{end}}
</main>
<footer>Written by gotrace. This page is self-contained: it loads nothing and runs no script.</footer>
</body>
</html>
{{end}}

{{define "report"}}<article class="report" id="{{.ID}}">
<header class="rhead">
<h2 class="code">{{.Heading}}</h2>
<dl class="facts">{{range .Facts}}<div><dt>{{.Label}}</dt><dd>{{.Value}}</dd></div>{{end}}</dl>
{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}<nav class="toc">{{range .Sections}}<a href="#{{.ID}}">{{.Nav}}</a> {{end}}</nav>
</header>
{{range .Sections}}<section id="{{.ID}}">
<h3>{{.Title}}</h3>
{{range .Blocks}}{{template "block" .}}{{end}}</section>
{{end}}</article>
{{end}}

{{define "block"}}{{with .Table}}{{template "table" .}}{{end}}{{with .Note}}<p class="note">{{.}}</p>
{{end}}{{with .List}}<ul class="notes">{{range .}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{with .Chart}}{{template "chart" .}}{{end}}{{end}}

{{define "chart"}}<figure class="chart chart-{{.Kind}}" id="{{.ID}}" data-chart="{{.Kind}}">
<div class="chart-head"><h4>{{.Title}}</h4>{{with .Legend}}<ul class="legend">{{range .}}<li><svg class="key" viewBox="0 0 14 14" aria-hidden="true"><rect class="{{.Class}}" x="1" y="1" width="12" height="12"/></svg>{{.Label}}</li>{{end}}</ul>{{end}}</div>
{{if .SVG}}<div class="plot">{{.SVG}}</div>{{else}}<p class="nodata">{{.NoData}}</p>{{end}}
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}

{{define "table"}}<div class="tw"><table>
<thead><tr>{{range .Head}}<th class="{{.Class}}">{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}
<tr>{{range .}}<td class="{{.Class}}"{{with .Title}} title="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>{{end}}
</tbody></table></div>
{{end}}`))

// htmlCSS styles the page and the charts. Colours are CSS variables with a
// light and a dark set; the charts use them through classes.
const htmlCSS = `
:root{color-scheme:light dark;
--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--stripe:#f6f8fa;--lane:#eef1f4;--grid:#e1e5ea;--axis:#8c959f;--link:#0969da;
--user:#2f6fdf;--gc:#e8710a;--running:#2f6fdf;--runnable:#d1242f;--blocked:#a3acb7;--syscall:#8250df;
--alive:#1a7f37;--alive-band:rgba(26,127,55,.22);--switch:#0a7ea4;--hist:#6f42c1;--mark:#1f2328;--warn-bg:#fff8c5;--warn-fg:#7d4e00}
@media (prefers-color-scheme:dark){:root{
--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;--stripe:#151b23;--lane:#1a2029;--grid:#262c36;--axis:#656c76;--link:#4493f8;
--user:#4c8dff;--gc:#f0883e;--running:#4c8dff;--runnable:#ff6a69;--blocked:#6e7681;--syscall:#ab7df8;
--alive:#3fb950;--alive-band:rgba(63,185,80,.25);--switch:#39c5cf;--hist:#a371f7;--mark:#e6edf3;--warn-bg:#3b2e00;--warn-fg:#e3b341}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:12px 20px 32px}
footer{max-width:1180px;margin:0 auto;padding:8px 20px 24px;color:var(--muted);font-size:12px}
a{color:var(--link)}
h1{font-size:22px;margin:8px 0 4px}
h2{font-size:18px;margin:0 0 6px;overflow-wrap:anywhere}
h3{font-size:16px;margin:26px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--border)}
h4{font-size:14px;margin:0}
.code,td.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
td.code{white-space:normal}
.env,.note,figcaption{color:var(--muted)}
.note{margin:6px 0}
.report{margin-top:18px;padding-top:10px;border-top:3px solid var(--border)}
.report:first-of-type{border-top:none}
.rhead{margin-bottom:4px}
.facts{display:flex;flex-wrap:wrap;gap:4px 22px;margin:6px 0}
.facts div{display:flex;gap:6px}
.facts dt{color:var(--muted)}
.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.warn{background:var(--warn-bg);color:var(--warn-fg);padding:6px 10px;border-radius:6px}
.toc{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin-top:6px}
.tw{overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid var(--border);vertical-align:baseline;white-space:nowrap}
th{font-weight:600;border-bottom-width:2px}
.n{text-align:right}.l{text-align:left}
tbody tr:nth-child(even){background:var(--stripe)}
.compare table td:first-child,.compare table th:first-child{color:var(--muted)}
.chart{margin:14px 0 20px;padding:10px 12px;border:1px solid var(--border);border-radius:8px}
.chart-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 18px;margin-bottom:4px}
.legend{display:flex;flex-wrap:wrap;gap:2px 14px;margin:0;padding:0;list-style:none;font-size:12.5px;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:5px}
svg.key{width:12px;height:12px}
.legend .lane{stroke:var(--axis);stroke-width:1}
.plot{overflow-x:auto}
svg.svg{display:block;width:100%;min-width:600px;height:auto;font-size:12px}
@media (max-width:900px){svg.svg{font-size:15px}svg.svg .tick,svg.svg .axis-title,svg.svg .marker{font-size:15.5px}svg.svg .name{font-size:13px}svg.svg .small{font-size:10px}main{padding:8px 10px 24px}}
svg.svg text{fill:currentColor}
figcaption{font-size:12.5px;margin-top:4px}
.nodata{color:var(--muted);font-style:italic;padding:18px 0;margin:0}
.tick{fill:var(--muted)!important;font-size:11px}
.small{font-size:9px}
.axis-title{fill:var(--muted)!important;font-size:11.5px}
.grid{stroke:var(--grid);stroke-width:1}
.axis{stroke:var(--axis);stroke-width:1}
.lane{fill:var(--lane)}
.bar-user{fill:var(--user)}
.bar-gc{fill:var(--gc)}
.bar-running{fill:var(--running)}
.bar-runnable{fill:var(--runnable)}
.bar-blocked{fill:var(--blocked)}
.bar-syscall{fill:var(--syscall)}
.bar-switch{fill:var(--switch)}
.bar-hist{fill:var(--hist)}
.line-alive{fill:none;stroke:var(--alive);stroke-width:2}
.legend .line-alive{fill:var(--alive);stroke:none}
.area-alive-max{fill:var(--alive-band)}
.peak{fill:var(--alive);stroke:var(--bg);stroke-width:1.5}
.mean,.mark{stroke:var(--mark);stroke-width:1.2;stroke-dasharray:5 4;fill:none}
.legend .mean,.legend .mark{fill:none;stroke-dasharray:3 2}
.marker{font-size:11.5px;font-weight:600}
.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:11.5px}
.name-runtime{fill:var(--muted)!important}
.hit{fill:transparent}
.bar:hover,.hit:hover{opacity:.75}
.hit:hover{fill:var(--grid)}
`
