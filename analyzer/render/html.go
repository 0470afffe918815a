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
	Table   *htmlTable
	Note    string
	List    []string
	Chart   *htmlChart
	Finding *htmlFinding
}

// htmlFinding is a finding drawn as a card.
type htmlFinding struct {
	ID, Anchor, Rank, Title, Impact, Detail string
	Width                                   string // the impact bar's length, of 100
	Where                                   []string
	Evidence                                [][2]string
	Next                                    []string
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

// rowCells appends a row of prepared cells, filling in the classes.
func (t *htmlTable) rowCells(cells ...htmlCell) {
	for i := range cells {
		cells[i].Text = htmlClean(cells[i].Text)
		cells[i].Title = htmlClean(cells[i].Title)
		cells[i].Class = t.class(i)
	}
	t.Rows = append(t.Rows, cells)
}

func htmlReport(r *analyzer.Report, n, of int) htmlReportData {
	d := htmlReportData{ID: "r" + strconv.Itoa(n), Heading: htmlClean(r.Source.Name)}
	if of > 1 {
		d.Heading = fmt.Sprintf("#%d: %s", n, d.Heading)
	}
	d.Facts = []htmlFact{
		{"Go", r.Source.GoVersion},
		{"format", r.Source.Format},
		{"duration", Dur(r.Trace.DurationNS)},
		{"GOMAXPROCS", strconv.Itoa(r.Procs.GOMAXPROCS)},
		{"events", Count(r.Trace.Events)},
		{"generations", strconv.Itoa(r.Trace.Generations)},
		{"size", TraceSize(r.Source)},
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
	for _, sec := range buildDoc(r) {
		hs := &htmlSection{ID: d.ID + "-" + sec.key, Title: htmlClean(sec.title), Nav: sec.nav}
		for _, bl := range sec.blocks {
			switch {
			case bl.table != nil:
				hs.Blocks = append(hs.Blocks, htmlBlock{Table: htmlTableOf(bl.table)})
			case bl.note != "":
				hs.Blocks = append(hs.Blocks, htmlBlock{Note: htmlClean(bl.note)})
			case len(bl.list) > 0:
				items := make([]string, len(bl.list))
				for i, it := range bl.list {
					items[i] = htmlClean(it)
				}
				hs.Blocks = append(hs.Blocks, htmlBlock{List: items})
			case bl.finding != nil:
				df := bl.finding
				hf := &htmlFinding{
					ID: htmlClean(df.f.ID), Anchor: d.ID + "-finding-" + strconv.Itoa(df.rank), Rank: strconv.Itoa(df.rank),
					Title: htmlClean(df.f.Title), Impact: Pct(df.f.Impact), Detail: htmlClean(df.f.Detail),
					Width: strconv.FormatFloat(100*min(max(df.f.Impact, 0), 1), 'f', 1, 64),
				}
				for _, w := range df.where {
					hf.Where = append(hf.Where, htmlClean(w))
				}
				for _, e := range df.evidence {
					hf.Evidence = append(hf.Evidence, [2]string{htmlClean(e[0]), htmlClean(e[1])})
				}
				for _, n := range df.f.Next {
					hf.Next = append(hf.Next, htmlClean(n))
				}
				hs.Blocks = append(hs.Blocks, htmlBlock{Finding: hf})
			case bl.chart != "":
				c := htmlChartOf(r, bl.chart)
				c.ID = d.ID + "-chart-" + c.Kind
				if c.SVG == "" && c.NoData == "" {
					c.NoData = "No data."
				}
				hs.Blocks = append(hs.Blocks, htmlBlock{Chart: c})
			}
		}
		d.Sections = append(d.Sections, hs)
	}
	return d
}

// htmlTableOf turns a document table into an HTML one.
func htmlTableOf(dt *docTable) *htmlTable {
	t := &htmlTable{left: dt.left, mono: dt.code}
	for i, h := range dt.head {
		// Headings are words, in the page's font, whatever their column holds.
		t.Head = append(t.Head, htmlCell{Text: htmlClean(h), Class: strings.TrimSuffix(t.class(i), " code")})
	}
	for _, row := range dt.rows {
		cells := make([]htmlCell, len(row))
		for i, c := range row {
			cells[i] = htmlCell{Text: htmlClean(c.text), Title: htmlClean(c.title)}
		}
		t.rowCells(cells...)
	}
	return t
}

// htmlChartOf draws the chart of the given kind, with its title, legend and
// a caption saying how to read it.
func htmlChartOf(r *analyzer.Report, kind string) *htmlChart {
	switch kind {
	case "putil":
		svg, none := svgProcChart(r)
		caption := "One lane per P (processor), plus all Ps together at the top. In each time bucket the bar's height is the share of the bucket the P spent running goroutines: GC mark work at the bottom, user code above it; an empty lane is an idle P. The figure at the right is the P's utilization over the whole trace. Hover a bar for its numbers."
		if tl := &r.Timeline; len(r.Procs.PerP) > len(tl.PerP) && len(tl.PerP) > 0 {
			caption += fmt.Sprintf(" Only the first %d of %d Ps have a lane.", len(tl.PerP), len(r.Procs.PerP))
		}
		return &htmlChart{Kind: kind, Title: "P utilization over time", SVG: svg, NoData: none,
			Legend:  []htmlKey{{"bar-user", "user code"}, {"bar-gc", "GC mark workers"}, {"lane", "idle"}},
			Caption: caption}
	case "alive":
		svg, none := svgAliveChart(r)
		return &htmlChart{Kind: kind, Title: "Goroutines alive over time", SVG: svg, NoData: none,
			Legend:  []htmlKey{{"line-alive", "alive at the end of the bucket"}, {"area-alive-max", "most alive within the bucket"}, {"peak", "peak"}},
			Caption: "Goroutines that exist (of any state, runtime goroutines included) over time. The line is the count at the end of each time bucket; the shaded band reaches the most that were alive at any moment of the bucket, so short bursts show even when they end within a bucket."}
	case "switches":
		svg, none := svgSwitchChart(r)
		return &htmlChart{Kind: kind, Title: "Goroutine switch rate over time", SVG: svg, NoData: none,
			Legend:  []htmlKey{{"bar-switch", "switches per second"}, {"mean", "mean over the trace"}},
			Caption: "How often a P started running a goroutine, per second, in each time bucket (all Ps together). High bars with low utilization point at goroutines that run briefly and block again; the dashed line is the rate over the whole trace."}
	case "lifetime":
		svg, _ := svgHistChart(&r.Goroutines.Lifetime, "goroutines", "Goroutine lifetime histogram")
		return &htmlChart{Kind: kind, Title: "Goroutine lifetimes", SVG: svg,
			NoData:  "No user goroutine was both created and ended in the trace: no lifetimes to show.",
			Legend:  []htmlKey{{"bar-hist", "goroutines"}, {"mark", "percentiles"}},
			Caption: "How long user goroutines lived, from creation to exit, for those created and ended within the trace. Each bar counts the goroutines whose lifetime falls between two powers of two (the duration axis is logarithmic); dashed lines mark the median and the 99th percentile."}
	case "states":
		svg, none := svgStateChart(r)
		legend := []htmlKey{{"bar-running", "running"}, {"bar-runnable", "runnable (waiting for a P)"}}
		legend = append(legend, blockedLegend(r)...)
		legend = append(legend, htmlKey{"bar-syscall", "in a syscall"})
		return &htmlChart{Kind: kind, Title: "Time by state per goroutine group", SVG: svg, NoData: none,
			Legend:  legend,
			Caption: "Goroutines grouped by start function (×N is how many), user goroutines first, heaviest groups first; runtime goroutines are marked. Each bar splits the time the group's goroutines existed into running, runnable, blocked (one shade per kind of wait: sync primitives, channels, select, network, sleep, ...) and syscall, as shares of the group's total, which is given at the right. Hover a segment for its time."}
	case "latency":
		svg, _ := svgHistChart(&r.Latency.Dist, "waits", "Scheduler latency histogram")
		return &htmlChart{Kind: kind, Title: "Scheduler latency", SVG: svg,
			NoData:  "No goroutine waited for a P in the trace: no latencies to show.",
			Legend:  []htmlKey{{"bar-hist", "waits"}, {"mark", "percentiles"}},
			Caption: "How long runnable goroutines waited for a P before running. Each bar counts the waits between two powers of two (the duration axis is logarithmic); dashed lines mark the median and the 99th percentile. A long tail on the right means goroutines ready to run sat in a queue."}
	}
	if c := htmlTaskChart(r, kind); c != nil {
		return c
	}
	return &htmlChart{Kind: kind, NoData: "Unknown chart."}
}

// htmlTaskChart draws a task type's latency histogram ("task-latency-N")
// or critical path ("task-path-N"), or returns nil.
func htmlTaskChart(r *analyzer.Report, kind string) *htmlChart {
	tasks := r.Annotations.Tasks
	at := func(prefix string) *analyzer.AnnotationKind {
		n, ok := strings.CutPrefix(kind, prefix)
		if !ok {
			return nil
		}
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= len(tasks) {
			return nil
		}
		return &tasks[i]
	}
	if k := at("task-latency-"); k != nil {
		svg, _ := svgHistChart(&k.Duration, "tasks", "Task latency histogram")
		return &htmlChart{Kind: kind, Title: "Latency of task " + k.Type, SVG: svg,
			NoData:  "No task of this type completed in the trace.",
			Legend:  []htmlKey{{"bar-hist", "tasks"}, {"mark", "percentiles"}},
			Caption: "How long the completed tasks of this type took, from begin to end. Each bar counts the tasks between two powers of two (the duration axis is logarithmic); dashed lines mark the median and the 99th percentile."}
	}
	if k := at("task-path-"); k != nil {
		svg, none := svgPathChart(k.CriticalPath, int64(k.Duration.Sum))
		// A key for each state and wait class the path has, in a fixed
		// order: running, runnable, syscall, then the waits as they come.
		var legend []htmlKey
		has := map[string]bool{}
		for _, p := range k.CriticalPath {
			has[p.State] = true
		}
		for _, st := range []string{analyzer.StateRunning, analyzer.StateRunnable, analyzer.StateSyscall} {
			if has[st] {
				legend = append(legend, htmlKey{"bar-" + st, st})
			}
		}
		seen := map[string]bool{}
		for _, p := range k.CriticalPath {
			if p.State == analyzer.StateWaiting {
				if c := analyzer.ReasonClass(p.Reason); !seen[c] {
					seen[c] = true
					legend = append(legend, htmlKey{"bar-blocked-" + c, "waiting on " + blockClassName(c)})
				}
			}
		}
		if has[analyzer.StateUnattributed] || has[analyzer.StateOther] {
			legend = append(legend, htmlKey{"bar-blocked-unknown", "unattributed, and the rows past the first 20"})
		}
		return &htmlChart{Kind: kind, Title: "Critical path of task " + k.Type, SVG: svg, NoData: none, Legend: legend,
			Caption: "The critical paths of all completed tasks of this type added up: each segment is a goroutine (by start function) in one state, as a share of the tasks' latency. Where the task's goroutine waited for another, the path is the other's work up to the wake-up. Hover a segment for its function, state and line."}
	}
	return nil
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
		{"blocked", func(r *analyzer.Report) string { return Dur(r.Blocking.CompletedNS) }},
		{"syscalls", func(r *analyzer.Report) string { return Count(r.Syscalls.Count) }},
		{"GC cycles", func(r *analyzer.Report) string { return Count(r.GC.Cycles) }},
		{"STW max", func(r *analyzer.Report) string { return DurU(r.GC.STW.Max) }},
		{"suspected leaks", func(r *analyzer.Report) string { return Count(r.Leaks.Suspected) }},
		{"findings", func(r *analyzer.Report) string {
			var ids []string
			for _, f := range r.Findings {
				ids = append(ids, f.ID+" "+Pct(f.Impact))
			}
			if len(ids) == 0 {
				return "-"
			}
			return strings.Join(ids, ", ")
		}},
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

var htmlTemplate = template.Must(template.New("page").Parse(`{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="gotrace">
<title>{{.Title}}</title>
<style>` + htmlCSS + checkCSS + sweepCSS + `</style>
</head>
{{end}}

{{define "page"}}{{template "head" .}}
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
{{end}}{{with .Chart}}{{template "chart" .}}{{end}}{{with .Finding}}{{template "finding" .}}{{end}}{{end}}

{{define "finding"}}<article class="finding" id="{{.Anchor}}" data-finding="{{.ID}}">
<h4><span class="rank">{{.Rank}}.</span> {{.Title}} <span class="fid code">{{.ID}}</span></h4>
<div class="impact" title="impact: the share of time the finding explains"><svg class="impact-bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect class="lane" width="100" height="8"/><rect class="imp" width="{{.Width}}" height="8"/></svg> impact {{.Impact}}</div>
<p class="detail">{{.Detail}}</p>
{{with .Where}}<div class="where"><span class="label">code</span><ul>{{range .}}<li class="code">{{.}}</li>{{end}}</ul></div>
{{end}}{{with .Evidence}}<table class="evidence"><tbody>{{range .}}<tr><td class="code">{{index . 0}}</td><td class="n">{{index . 1}}</td></tr>{{end}}</tbody></table>
{{end}}{{with .Next}}<div class="next"><span class="label">next</span><ul>{{range .}}<li>{{.}}</li>{{end}}</ul></div>
{{end}}</article>
{{end}}

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
--b-sync:#9a6700;--b-chan:#57606a;--b-select:#8c959f;--b-network:#1b7c83;--b-sleep:#c4b5a0;--b-gc:#2f7a3a;--b-system:#d0d7de;--b-other:#6e7781;--b-unknown:#e1e4e8;
--alive:#1a7f37;--alive-band:rgba(26,127,55,.22);--switch:#0a7ea4;--hist:#6f42c1;--mark:#1f2328;--warn-bg:#fff8c5;--warn-fg:#7d4e00}
@media (prefers-color-scheme:dark){:root{
--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;--stripe:#151b23;--lane:#1a2029;--grid:#262c36;--axis:#656c76;--link:#4493f8;
--user:#4c8dff;--gc:#f0883e;--running:#4c8dff;--runnable:#ff6a69;--blocked:#6e7681;--syscall:#ab7df8;
--b-sync:#d29922;--b-chan:#8b949e;--b-select:#6e7681;--b-network:#39c5cf;--b-sleep:#7d6b57;--b-gc:#3fb950;--b-system:#30363d;--b-other:#484f58;--b-unknown:#21262d;
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
.bar-blocked-sync{fill:var(--b-sync)}.bar-blocked-chan{fill:var(--b-chan)}.bar-blocked-select{fill:var(--b-select)}
.bar-blocked-network{fill:var(--b-network)}.bar-blocked-sleep{fill:var(--b-sleep)}.bar-blocked-gc{fill:var(--b-gc)}
.bar-blocked-system{fill:var(--b-system)}.bar-blocked-other{fill:var(--b-other)}.bar-blocked-unknown{fill:var(--b-unknown)}
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
.finding{margin:12px 0;padding:10px 14px;border:1px solid var(--border);border-left:4px solid var(--runnable);border-radius:8px}
.finding h4{font-size:15px;margin:0 0 4px}
.finding .rank{color:var(--muted)}
.finding .fid{color:var(--muted);font-weight:400;margin-left:6px}
.finding .detail{margin:6px 0}
.finding .label{color:var(--muted);font-size:12.5px;padding-top:1px}
.finding ul{margin:0;padding-left:18px}
.finding .where,.finding .next{margin:4px 0;display:grid;grid-template-columns:44px 1fr}
.impact{font-size:12.5px;color:var(--muted);display:flex;align-items:center;gap:8px}
svg.impact-bar{width:120px;height:8px;border-radius:4px}
.impact-bar .imp{fill:var(--runnable)}
table.evidence{margin:6px 0;font-size:12.5px}
table.evidence td{padding:1px 10px 1px 0;border:none}
.bar:hover,.hit:hover{opacity:.75}
.hit:hover{fill:var(--grid)}
`
