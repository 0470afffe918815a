package render

import (
	"bufio"
	"html/template"
	"io"
	"strings"

	"github.com/gotrace/gotrace/analyzer/check"
)

// CheckHTML writes a check result as one self-contained HTML page, in the
// style of the report pages: the verdict, the samples compared, warnings,
// and the metric and budget tables with their notes.
func CheckHTML(w io.Writer, r *check.Result) error {
	cw := &checkWriter{r: r}
	page := checkPageData{
		Title:   "gotrace check: " + r.Status,
		Status:  r.Status,
		Class:   "status-" + strings.ReplaceAll(r.Status, " ", "-"),
		Summary: htmlClean(cw.summary()),
		Current: htmlClean(checkSide(&r.Current)),
	}
	if r.Baseline != nil {
		page.Baseline = htmlClean(checkSide(r.Baseline))
		page.Method = htmlClean(cw.method())
	}
	for _, wa := range r.Warnings {
		page.Warnings = append(page.Warnings, htmlClean(wa))
	}
	page.Sections = checkPageSections(r)
	bw := bufio.NewWriter(w)
	if err := checkTemplate.ExecuteTemplate(bw, "checkpage", &page); err != nil {
		return err
	}
	return bw.Flush()
}

// checkPageSections lays out the tables of a check result for HTML.
func checkPageSections(r *check.Result) []checkPageSection {
	var out []checkPageSection
	for _, sec := range buildCheckDoc(r).sections {
		t := htmlTableOf(sec.table)
		last := len(sec.table.head) - 1
		for _, row := range t.Rows {
			switch check.Verdict(row[last].Text) {
			case check.Regressed, check.BudgetBroken:
				row[last].Class += " bad"
			case check.Improved:
				row[last].Class += " good"
			}
		}
		var notes []string
		for _, n := range groupNotes(sec.notes, len(sec.table.rows)) {
			notes = append(notes, htmlClean(n[0]+": "+n[1]))
		}
		out = append(out, checkPageSection{Title: sec.title, Table: t, Notes: notes})
	}
	if d := r.Diff; d != nil {
		for i, sec := range buildDiffDoc(d, true) {
			ps := checkPageSection{Title: sec.title}
			if i == 0 {
				ps.Intro = htmlClean(diffIntro(d))
			}
			for _, bl := range sec.blocks {
				switch {
				case bl.table != nil && ps.Table == nil:
					ps.Table = htmlTableOf(bl.table)
				case bl.note != "":
					ps.Notes = append(ps.Notes, htmlClean(bl.note))
				}
			}
			out = append(out, ps)
		}
	}
	return out
}

type checkPageData struct {
	Title, Status, Class, Summary string
	Baseline, Current, Method     string
	Warnings                      []string
	Sections                      []checkPageSection
}

type checkPageSection struct {
	Title string
	Intro string
	Table *htmlTable
	Notes []string
}

var checkTemplate = template.Must(template.Must(htmlTemplate.Clone()).New("checkpage").Parse(`{{template "head" .}}
<body>
<main>
<h1>gotrace check: <span class="status {{.Class}}">{{.Status}}</span></h1>
<p class="verdict">{{.Summary}}</p>
<dl class="facts">{{with .Baseline}}<div><dt>baseline</dt><dd>{{.}}</dd></div>{{end}}<div><dt>current</dt><dd>{{.Current}}</dd></div></dl>
{{with .Method}}<p class="note">{{.}}</p>
{{end}}{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}{{range .Sections}}<section>
<h3>{{.Title}}</h3>
{{with .Intro}}<p class="note">{{.}}</p>
{{end}}{{with .Table}}{{template "table" .}}{{end}}{{with .Notes}}<ul class="notes">{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
{{end}}</main>
<footer>Written by gotrace. This page is self-contained: it loads nothing and runs no script.</footer>
</body>
</html>
`))

// checkCSS colours the verdicts of check pages.
const checkCSS = `
.status{padding:0 8px;border-radius:6px}
.status-pass{background:var(--alive-band);color:var(--alive)}
.status-fail{background:rgba(209,36,47,.18);color:var(--runnable)}
.status-insufficient-data{background:var(--warn-bg);color:var(--warn-fg)}
.verdict{font-size:16px;font-weight:600}
td.bad{color:var(--runnable);font-weight:600}
td.good{color:var(--alive)}
td.more{color:var(--runnable)}
td.less{color:var(--alive)}
`
