package render

import (
	"bufio"
	"html/template"
	"io"

	"github.com/gotrace/gotrace/analyzer/diff"
)

// DiffHTML writes a diff as one self-contained HTML page, in the style of
// the report pages: the two sides, how they were compared, warnings, and
// one table per section. Every string from a trace is escaped.
func DiffHTML(w io.Writer, d *diff.Diff) error {
	page := diffPageData{
		Title:   "gotrace diff: " + htmlClean(d.Base.Name) + " → " + htmlClean(d.Current.Name),
		Base:    htmlClean(d.Base.Name) + ": " + diffSide(&d.Base),
		Current: htmlClean(d.Current.Name) + ": " + diffSide(&d.Current),
		Method:  htmlClean(d.Method),
	}
	for _, wa := range d.Warnings {
		page.Warnings = append(page.Warnings, htmlClean(wa))
	}
	for _, sec := range buildDiffDoc(d, false) {
		hs := &htmlSection{ID: "d-" + sec.key, Title: sec.title, Nav: sec.nav}
		for _, bl := range sec.blocks {
			switch {
			case bl.table != nil:
				t := htmlTableOf(bl.table)
				last := len(bl.table.head) - 1
				for _, row := range t.Rows {
					switch row[last].Text {
					case diff.New, "grew", "up":
						row[last].Class += " more"
					case diff.Vanished, "shrank", "down":
						row[last].Class += " less"
					}
				}
				hs.Blocks = append(hs.Blocks, htmlBlock{Table: t})
			case bl.note != "":
				hs.Blocks = append(hs.Blocks, htmlBlock{Note: htmlClean(bl.note)})
			}
		}
		page.Sections = append(page.Sections, hs)
	}
	bw := bufio.NewWriter(w)
	if err := diffTemplate.ExecuteTemplate(bw, "diffpage", &page); err != nil {
		return err
	}
	return bw.Flush()
}

type diffPageData struct {
	Title, Base, Current, Method string
	Warnings                     []string
	Sections                     []*htmlSection
}

var diffTemplate = template.Must(template.Must(htmlTemplate.Clone()).New("diffpage").Parse(`{{template "head" .}}
<body>
<main>
<h1>{{.Title}}</h1>
<dl class="facts"><div><dt>base</dt><dd>{{.Base}}</dd></div><div><dt>current</dt><dd>{{.Current}}</dd></div></dl>
<p class="note">{{.Method}}</p>
{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}<nav class="toc">{{range .Sections}}<a href="#{{.ID}}">{{.Nav}}</a> {{end}}</nav>
{{range .Sections}}<section id="{{.ID}}">
<h3>{{.Title}}</h3>
{{range .Blocks}}{{template "block" .}}{{end}}</section>
{{end}}</main>
<footer>Written by gotrace. This page is self-contained: it loads nothing and runs no script.</footer>
</body>
</html>
`))
