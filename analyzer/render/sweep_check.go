package render

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/gotrace/gotrace/analyzer/check"
)

// SweepCheckText writes a check against a sweep as text: the verdict over
// all values, then each value's check (verdict, metric and budget tables).
func SweepCheckText(w io.Writer, r *check.SweepResult) error {
	return writeSweepCheck(w, r, StyleText)
}

// SweepCheckMarkdown writes a check against a sweep as Markdown, ready for
// $GITHUB_STEP_SUMMARY.
func SweepCheckMarkdown(w io.Writer, r *check.SweepResult) error {
	return writeSweepCheck(w, r, StyleMarkdown)
}

func writeSweepCheck(w io.Writer, r *check.SweepResult, style Style) error {
	sw := newStyledWriter(w, style)
	summary := sweepCheckSummary(r)
	if sw.md() {
		icon := map[string]string{check.StatusPass: "✅", check.StatusFail: "❌", check.StatusNotEnough: "⚠️"}[r.Status]
		sw.printf("## gotrace check over %s: %s %s\n\n**%s**\n\n", checkMDEscape(r.Param), icon, r.Status, checkMDEscape(summary))
		for _, wa := range r.Warnings {
			sw.printf("> **Warning:** %s\n\n", checkMDEscape(wa))
		}
	} else {
		sw.printf("gotrace check over %s: %s: %s\n", r.Param, strings.ToUpper(r.Status), summary)
		for _, wa := range r.Warnings {
			sw.printf("warning: %s\n", wa)
		}
	}
	for _, e := range r.Entries {
		cw := &checkWriter{styledWriter: sw, r: e.Result}
		head := fmt.Sprintf("%s=%s: %s: %s", r.Param, e.Label, strings.ToUpper(e.Result.Status), cw.summary())
		if sw.md() {
			sw.printf("\n## %s\n\n", checkMDEscape(head))
			for _, wa := range e.Result.Warnings {
				sw.printf("> **Warning:** %s\n\n", checkMDEscape(wa))
			}
			sw.printf("%s\n", checkMDEscape(cw.sides()))
		} else {
			sw.printf("\n%s\n  %s\n", head, cw.sides())
			for _, wa := range e.Result.Warnings {
				sw.printf("warning: %s\n", wa)
			}
		}
		cw.body()
		if cw.err != nil && sw.err == nil {
			sw.err = cw.err
		}
	}
	return sw.flush()
}

// sides describes the samples compared and how, on one line.
func (cw *checkWriter) sides() string {
	r := cw.r
	if r.Baseline == nil {
		return "current: " + checkSide(&r.Current) + "; budgets only (no baseline)."
	}
	return "baseline: " + checkSide(r.Baseline) + "; current: " + checkSide(&r.Current) + ". " + cw.method()
}

// sweepCheckSummary says which values failed, or that none did.
func sweepCheckSummary(r *check.SweepResult) string {
	var bad, short []string
	for _, e := range r.Entries {
		switch e.Result.Status {
		case check.StatusFail:
			bad = append(bad, r.Param+"="+e.Label)
		case check.StatusNotEnough:
			short = append(short, r.Param+"="+e.Label)
		}
	}
	n := len(r.Entries)
	switch {
	case len(bad) > 0:
		return fmt.Sprintf("%d of %d %s failed (%s)", len(bad), n, plural(int64(n), "value", "values"), strings.Join(bad, ", "))
	case len(short) > 0:
		return fmt.Sprintf("not enough data to decide at %d of %d %s (%s)", len(short), n, plural(int64(n), "value", "values"), strings.Join(short, ", "))
	}
	if n == 1 {
		return fmt.Sprintf("no regression at %s=%s", r.Param, r.Entries[0].Label)
	}
	return fmt.Sprintf("no regression at any of %d values", n)
}

// SweepCheckHTML writes a check against a sweep as one self-contained HTML
// page: the verdict over all values, then a section per value.
func SweepCheckHTML(w io.Writer, r *check.SweepResult) error {
	page := sweepCheckPage{
		Title:   "gotrace check over " + r.Param + ": " + r.Status,
		Param:   htmlClean(r.Param),
		Status:  r.Status,
		Class:   "status-" + strings.ReplaceAll(r.Status, " ", "-"),
		Summary: htmlClean(sweepCheckSummary(r)),
	}
	for _, wa := range r.Warnings {
		page.Warnings = append(page.Warnings, htmlClean(wa))
	}
	for _, e := range r.Entries {
		cw := &checkWriter{r: e.Result}
		v := sweepCheckValue{
			Heading: htmlClean(r.Param + "=" + e.Label + ": " + strings.ToUpper(e.Result.Status) + ": " + cw.summary()),
			Sides:   htmlClean(cw.sides()),
		}
		for _, wa := range e.Result.Warnings {
			v.Warnings = append(v.Warnings, htmlClean(wa))
		}
		v.Sections = checkPageSections(e.Result)
		page.Values = append(page.Values, v)
	}
	bw := bufio.NewWriter(w)
	if err := sweepCheckTemplate.ExecuteTemplate(bw, "sweepcheckpage", &page); err != nil {
		return err
	}
	return bw.Flush()
}

type sweepCheckPage struct {
	Title, Param, Status, Class, Summary string
	Warnings                             []string
	Values                               []sweepCheckValue
}

type sweepCheckValue struct {
	Heading, Sides string
	Warnings       []string
	Sections       []checkPageSection
}

var sweepCheckTemplate = template.Must(template.Must(htmlTemplate.Clone()).New("sweepcheckpage").Parse(`{{template "head" .}}
<body>
<main>
<h1>gotrace check over {{.Param}}: <span class="status {{.Class}}">{{.Status}}</span></h1>
<p class="verdict">{{.Summary}}</p>
{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}{{range .Values}}<article class="report">
<h2>{{.Heading}}</h2>
<p class="note">{{.Sides}}</p>
{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}{{range .Sections}}<section>
<h3>{{.Title}}</h3>
{{with .Intro}}<p class="note">{{.}}</p>
{{end}}{{with .Table}}{{template "table" .}}{{end}}{{with .Notes}}<ul class="notes">{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
{{end}}</article>
{{end}}</main>
<footer>Written by gotrace. This page is self-contained: it loads nothing and runs no script.</footer>
</body>
</html>
`))
