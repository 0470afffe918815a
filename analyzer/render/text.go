package render

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// Text writes the report as titled text tables, most important numbers first.
func Text(w io.Writer, r *analyzer.Report) error {
	return writeReport(w, r, StyleText)
}

// Markdown writes the report as Markdown (headings and tables), for a
// GitHub step summary or a pull-request comment.
func Markdown(w io.Writer, r *analyzer.Report) error {
	return writeReport(w, r, StyleMarkdown)
}

// styledWriter writes titles, prose and document tables in one style; the
// report and check writers share it.
type styledWriter struct {
	w     *bufio.Writer
	style Style
	err   error
}

func newStyledWriter(w io.Writer, style Style) styledWriter {
	return styledWriter{w: bufio.NewWriter(w), style: style}
}

func (sw *styledWriter) md() bool { return sw.style == StyleMarkdown }

func (sw *styledWriter) printf(format string, args ...any) {
	fmt.Fprintf(sw.w, format, args...)
}

func (sw *styledWriter) title(s string) {
	if sw.md() {
		sw.printf("\n### %s\n\n", s)
	} else {
		sw.printf("\n%s\n", strings.ToUpper(s))
	}
}

// table writes a document table; cell, when set, restyles a cell's text.
func (sw *styledWriter) table(dt *docTable, cell func(col int, text string) string) {
	var left []int
	for i := range dt.head {
		if dt.left[i] && i > 0 {
			left = append(left, i)
		}
	}
	t := newTable(sw.w, sw.style, dt.head, left...)
	for _, row := range dt.rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = c.text
			if cell != nil {
				cells[i] = cell(i, c.text)
			}
		}
		t.row(cells...)
	}
	if err := t.render(); err != nil && sw.err == nil {
		sw.err = err
	}
}

// flush ends the output, returning the first error.
func (sw *styledWriter) flush() error {
	if err := sw.w.Flush(); err != nil && sw.err == nil {
		sw.err = err
	}
	return sw.err
}

// reportWriter writes one report in one style.
type reportWriter struct {
	styledWriter
	r *analyzer.Report
}

func writeReport(w io.Writer, r *analyzer.Report, style Style) error {
	rw := &reportWriter{styledWriter: newStyledWriter(w, style), r: r}
	rw.header()
	for _, sec := range buildDoc(r) {
		rw.section(sec)
	}
	return rw.flush()
}

// note writes a line of prose.
func (rw *styledWriter) note(s string) {
	if rw.md() {
		rw.printf("\n%s\n\n", mdEscape(s))
		return
	}
	rw.printf("%s\n", s)
}

// mdEscape escapes the characters Markdown would read as formatting in
// prose (function names such as sync.(*Mutex).Lock and strings from the
// trace hold them).
func mdEscape(s string) string {
	if !strings.ContainsAny(s, "\\`*_[]<>#|~") {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune("\\`*_[]<>#|~", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// section writes one section of the document; charts are left out.
func (rw *styledWriter) section(sec *docSection) {
	text := false
	for _, bl := range sec.blocks {
		text = text || bl.chart == ""
	}
	if !text {
		return
	}
	rw.title(sec.title)
	for _, bl := range sec.blocks {
		switch {
		case bl.table != nil:
			rw.table(bl.table, nil)
		case bl.note != "":
			rw.note(bl.note)
		case bl.textNote != "":
			if rw.md() {
				rw.printf("    %s\n", bl.textNote) // a code block keeps the columns
			} else {
				rw.printf("  %s\n", bl.textNote)
			}
		case len(bl.list) > 0:
			rw.items(bl.list)
		case bl.finding != nil:
			f := bl.finding
			if rw.md() {
				rw.printf("\n**%s**: %s\n\n", mdEscape(f.heading()), mdEscape(f.f.Detail))
			} else {
				rw.note(f.heading() + ": " + f.f.Detail)
			}
			rw.items(f.items())
		}
	}
}

// items writes a bulleted list.
func (rw *styledWriter) items(list []string) {
	for _, item := range list {
		if rw.md() {
			item = mdEscape(item)
		}
		rw.printf("- %s\n", item)
	}
	if rw.md() {
		rw.printf("\n")
	}
}

func (rw *reportWriter) header() {
	r := rw.r
	src := r.Source.Name
	if rw.style == StyleMarkdown {
		rw.printf("## gotrace report: `%s`\n\n", src)
	} else {
		rw.printf("gotrace report: %s\n", src)
	}
	line1 := fmt.Sprintf("%s (Go %s), %s, %s events, %d generation(s)",
		r.Source.Format, r.Source.GoVersion, TraceSize(r.Source), Count(r.Trace.Events), r.Trace.Generations)
	line2 := fmt.Sprintf("duration %s, GOMAXPROCS %d", Dur(r.Trace.DurationNS), r.Procs.GOMAXPROCS)
	if rw.style == StyleMarkdown {
		rw.printf("%s; %s\n", line1, line2)
	} else {
		rw.printf("  %s\n  %s\n", line1, line2)
	}
	if r.Trace.Truncated {
		rw.note(fmt.Sprintf("WARNING: truncated trace; %s at the end were not analyzed.", Bytes(uint64(r.Trace.LostBytes))))
	}
}

// topKeys lists the largest entries of m as "k1, k2".
func topKeys(m map[string]int64, n int) string {
	type kv struct {
		k string
		v int64
	}
	var s []kv
	for k, v := range m {
		s = append(s, kv{k, v})
	}
	sort.Slice(s, func(i, j int) bool {
		if s[i].v != s[j].v {
			return s[i].v > s[j].v
		}
		return s[i].k < s[j].k
	})
	var out []string
	for i, e := range s {
		if i == n {
			break
		}
		out = append(out, e.k)
	}
	return strings.Join(out, ", ")
}
