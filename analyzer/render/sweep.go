package render

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/sweep"
)

// SweepText writes a sweep as text: what was swept, then one table with a
// row per measurement (variant) and chosen metric and a column per value of
// the parameter, each cell the median over that value's runs, then the
// measurements' help texts.
func SweepText(w io.Writer, s *sweep.Sweep) error { return writeSweep(w, s, StyleText) }

// SweepMarkdown writes a sweep as Markdown: the same table as SweepText.
func SweepMarkdown(w io.Writer, s *sweep.Sweep) error { return writeSweep(w, s, StyleMarkdown) }

func writeSweep(w io.Writer, s *sweep.Sweep, style Style) error {
	sw := newStyledWriter(w, style)
	title, facts := sweepHeader(s)
	if sw.md() {
		sw.printf("## %s\n\n%s\n", checkMDEscape(title), checkMDEscape(facts))
	} else {
		sw.printf("%s\n  %s\n", title, facts)
	}
	sw.printf("\n")
	doc := sweepTable(s)
	sw.table(doc.table, nil)
	if sw.md() {
		sw.printf("\n")
	}
	sw.printf("%s\n", doc.note)
	if sw.md() && len(doc.help) > 0 {
		sw.printf("\n")
	}
	for _, h := range doc.help {
		sw.printf("- %s\n", h)
	}
	return sw.flush()
}

// sweepHeader is the title and the line of facts of a sweep.
func sweepHeader(s *sweep.Sweep) (title, facts string) {
	title = fmt.Sprintf("gotrace sweep: %s over %s (%d %s)", s.Workload, s.Param, len(s.Entries), plural(int64(len(s.Entries)), "value", "values"))
	var parts []string
	if e := checkEnv(s.Env); e != "" {
		parts = append(parts, e)
	}
	if len(s.Env.Params) > 0 {
		parts = append(parts, "other parameters: "+formatParams(s.Env.Params))
	}
	return title, strings.Join(parts, "; ")
}

// sweepDoc is the table of a sweep, a note on how to read it and the help
// texts of its measurements.
type sweepDoc struct {
	table *docTable
	note  string
	help  []string
}

func sweepTable(s *sweep.Sweep) sweepDoc {
	head := []string{s.Param}
	for i := range s.Entries {
		head = append(head, s.Entries[i].Label())
	}
	t := newDocTable(head)
	runs := map[int]bool{}
	for _, e := range s.Entries {
		runs[len(e.Reports)] = true
	}
	var helps []string
	seen := map[string]bool{}
	for i := range s.Series {
		sr := &s.Series[i]
		row := []string{sr.Label()}
		for _, p := range sr.Points {
			row = append(row, sweepValue(sr, p.Median, p.N))
		}
		t.row(row...)
		if sr.Help != "" && !seen[sr.Name] {
			seen[sr.Name] = true
			helps = append(helps, sr.Name+": "+sr.Help)
		}
	}
	note := "Each cell is the median over the runs of that value"
	if len(runs) == 1 {
		for n := range runs {
			note = fmt.Sprintf("Each cell is the median of %d runs", n)
			if n == 1 {
				note = "Each cell is one run's value"
			}
		}
	}
	note += "; the JSON output holds every run's report, and each point's minimum and maximum."
	return sweepDoc{table: t, note: note, help: helps}
}

// sweepValue formats a value of a series in its unit; "-" when no run had it.
func sweepValue(sr *sweep.Series, v float64, n int) string {
	if n == 0 {
		return "-"
	}
	if sr.Name != "" {
		return MeasureValue(v, sr.Unit)
	}
	return checkValue(check.UnitOf(sr.Metric), v)
}

// SweepHTML writes a sweep as one self-contained HTML page, in the style of
// the report pages: the table, then a line chart per measurement (the
// variants of a measurement as lines in one chart) and per chosen metric,
// against the parameter, with each value's range over its runs.
func SweepHTML(w io.Writer, s *sweep.Sweep) error {
	title, facts := sweepHeader(s)
	doc := sweepTable(s)
	page := sweepPageData{Title: title, Heading: title, Facts: htmlClean(facts), Table: htmlTableOf(doc.table), Note: htmlClean(doc.note)}
	for _, h := range doc.help {
		page.Help = append(page.Help, htmlClean(h))
	}
	for i, g := range s.Groups() {
		page.Charts = append(page.Charts, sweepChart(s, g, i))
	}
	bw := bufio.NewWriter(w)
	if err := sweepTemplate.ExecuteTemplate(bw, "sweeppage", &page); err != nil {
		return err
	}
	return bw.Flush()
}

type sweepPageData struct {
	Title, Heading, Facts, Note string
	Table                       *htmlTable
	Help                        []string
	Charts                      []*htmlChart
}

// sweepLineClasses colour the lines of one chart, in order.
var sweepLineClasses = []string{"sw0", "sw1", "sw2", "sw3", "sw4", "sw5"}

// sweepChart draws one group of series against the parameter: the values
// evenly spaced along x in the order given, a line through the medians, a
// bar from the minimum to the maximum of each value's runs.
func sweepChart(s *sweep.Sweep, group []*sweep.Series, n int) *htmlChart {
	first := group[0]
	name := first.Metric
	if first.Name != "" {
		name = first.Name
	}
	c := &htmlChart{ID: "chart-" + strconv.Itoa(n), Kind: "sweep", Title: name + " against " + s.Param}
	if first.Help != "" {
		c.Caption = first.Help + ". "
	}
	c.Caption += "One point per value of " + s.Param + " (evenly spaced, in the order given), at the median of its runs; the bar spans the fastest to the slowest run. Hover a point for its numbers."
	for i, sr := range group {
		label := sr.Label()
		if sr.Variant != "" {
			label = sr.Variant
		}
		c.Legend = append(c.Legend, htmlKey{Class: sweepLineClasses[i%len(sweepLineClasses)], Label: htmlClean(label)})
	}
	c.SVG, c.NoData = svgSweepChart(s, group)
	return c
}

// svgSweepChart draws the lines of a sweep chart.
func svgSweepChart(s *sweep.Sweep, group []*sweep.Series) (template.HTML, string) {
	nx := len(s.Entries)
	maxV := 0.0
	have := false
	for _, sr := range group {
		for _, p := range sr.Points {
			if p.N > 0 {
				have = true
				maxV = max(maxV, p.Max, p.Median)
			}
		}
	}
	if !have || nx == 0 {
		return "", "No run had this value."
	}
	const (
		x0, x1 = 90.0, 960.0
		yTop   = 24.0
		yBot   = 250.0
		h      = yBot + svgAxisH + 4
	)
	unit, label := sweepAxis(group[0])
	var b svgBuf
	b.open(h, group[0].Label()+" against "+s.Param)
	top := b.yAxis(x0, x1, yTop, yBot, maxV, false, label, unit)
	xs := make([]float64, nx)
	for i := range xs {
		if nx == 1 {
			xs[i] = (x0 + x1) / 2
		} else {
			xs[i] = x0 + 30 + float64(i)*(x1-x0-60)/float64(nx-1)
		}
		b.line(xs[i], yBot, xs[i], yBot+4, "axis")
		b.text(xs[i], yBot+16, "middle", "tick", s.Entries[i].Label())
	}
	b.line(x0, yBot, x1, yBot, "axis")
	b.text((x0+x1)/2, yBot+32, "middle", "axis-title", s.Param)
	y := func(v float64) float64 { return yBot - clampUnit(v/top)*(yBot-yTop) }
	for si, sr := range group {
		cls := sweepLineClasses[si%len(sweepLineClasses)]
		var d strings.Builder
		pen := false
		for i, p := range sr.Points {
			if p.N == 0 {
				pen = false
				continue
			}
			if pen {
				d.WriteString(" L")
			} else {
				d.WriteString(" M")
			}
			d.WriteString(svgNum(xs[i]) + " " + svgNum(y(p.Median)))
			pen = true
		}
		b.path(strings.TrimSpace(d.String()), "sline "+cls, "")
		for i, p := range sr.Points {
			if p.N == 0 {
				continue
			}
			tip := fmt.Sprintf("%s, %s=%s: median %s of %d %s", sr.Label(), s.Param, s.Entries[i].Label(), sweepValue(sr, p.Median, p.N), p.N, plural(int64(p.N), "run", "runs"))
			if p.N > 1 {
				tip += fmt.Sprintf(" (%s to %s)", sweepValue(sr, p.Min, p.N), sweepValue(sr, p.Max, p.N))
				b.line(xs[i], y(p.Min), xs[i], y(p.Max), "srange "+cls)
			}
			b.circle(xs[i], y(p.Median), 4.5, "sdot "+cls, tip)
		}
	}
	return b.html(), ""
}

// sweepAxis is the y-axis title and tick labels of a series' unit.
func sweepAxis(sr *sweep.Series) (string, func(v, step, maxV float64) string) {
	unit := sr.Unit
	if sr.Name == "" {
		switch check.UnitOf(sr.Metric) {
		case check.UnitNS:
			unit = "ns"
		case check.UnitRatio:
			unit = "ratio"
		case check.UnitPerSec:
			unit = "/s"
		case check.UnitBytes:
			unit = "bytes"
		default:
			unit = ""
		}
	}
	switch unit {
	case "ns", "ns/op":
		return "time", svgDurTick
	case "ratio":
		return "percent", svgPctTick
	case "bytes":
		return "bytes", func(v, _, _ float64) string {
			if v == 0 {
				return "0"
			}
			return Bytes(uint64(math.Round(v)))
		}
	}
	return unit, svgCountTick
}

// sweepCSS colours the lines of sweep charts.
const sweepCSS = `
.sline{fill:none;stroke-width:2.2}
.srange{stroke-width:6;opacity:.35;stroke-linecap:round}
.sdot{stroke:var(--bg);stroke-width:1.5}
.sw0{stroke:var(--user);fill:var(--user)}.sline.sw0{fill:none}
.sw1{stroke:var(--gc);fill:var(--gc)}.sline.sw1{fill:none}
.sw2{stroke:var(--alive);fill:var(--alive)}.sline.sw2{fill:none}
.sw3{stroke:var(--hist);fill:var(--hist)}.sline.sw3{fill:none}
.sw4{stroke:var(--runnable);fill:var(--runnable)}.sline.sw4{fill:none}
.sw5{stroke:var(--switch);fill:var(--switch)}.sline.sw5{fill:none}
.legend rect.sw0,.legend rect.sw1,.legend rect.sw2,.legend rect.sw3,.legend rect.sw4,.legend rect.sw5{stroke:none}
`

var sweepTemplate = template.Must(template.Must(htmlTemplate.Clone()).New("sweeppage").Parse(`{{template "head" .}}
<body>
<main>
<h1>{{.Heading}}</h1>
<p class="env">{{.Facts}}</p>
<section id="table">
<h3>Measurements against the parameter</h3>
{{template "table" .Table}}<p class="note">{{.Note}}</p>
{{with .Help}}<ul class="notes">{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
<section id="charts">
<h3>Charts</h3>
{{range .Charts}}{{template "chart" .}}{{end}}</section>
</main>
<footer>Written by gotrace. This page is self-contained: it loads nothing and runs no script.</footer>
</body>
</html>
`))
