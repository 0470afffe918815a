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

// reportWriter writes one report in one style.
type reportWriter struct {
	w     *bufio.Writer
	r     *analyzer.Report
	style Style
	err   error
}

func writeReport(w io.Writer, r *analyzer.Report, style Style) error {
	rw := &reportWriter{w: bufio.NewWriter(w), r: r, style: style}
	rw.header()
	for _, sec := range buildDoc(r) {
		rw.section(sec)
	}
	if err := rw.w.Flush(); err != nil && rw.err == nil {
		rw.err = err
	}
	return rw.err
}

func (rw *reportWriter) printf(format string, args ...any) {
	fmt.Fprintf(rw.w, format, args...)
}

func (rw *reportWriter) title(s string) {
	if rw.style == StyleMarkdown {
		rw.printf("\n### %s\n\n", s)
	} else {
		rw.printf("\n%s\n", strings.ToUpper(s))
	}
}

// note writes a line of prose.
func (rw *reportWriter) note(s string) {
	if rw.style == StyleMarkdown {
		rw.printf("\n%s\n\n", s)
		return
	}
	rw.printf("%s\n", s)
}

// section writes one section of the document; charts are left out.
func (rw *reportWriter) section(sec *docSection) {
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
			rw.table(bl.table)
		case bl.note != "":
			rw.note(bl.note)
		case bl.textNote != "":
			if rw.style == StyleMarkdown {
				rw.printf("    %s\n", bl.textNote) // a code block keeps the columns
			} else {
				rw.printf("  %s\n", bl.textNote)
			}
		case len(bl.list) > 0:
			for _, item := range bl.list {
				rw.printf("- %s\n", item)
			}
			if rw.style == StyleMarkdown {
				rw.printf("\n")
			}
		}
	}
}

func (rw *reportWriter) table(dt *docTable) {
	var left []int
	for i := range dt.head {
		if dt.left[i] && i > 0 {
			left = append(left, i)
		}
	}
	t := newTable(rw.w, rw.style, dt.head, left...)
	for _, row := range dt.rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = c.text
		}
		t.row(cells...)
	}
	if err := t.render(); err != nil && rw.err == nil {
		rw.err = err
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
	gz := ""
	if r.Source.Gzip {
		gz = ", gzip"
	}
	line1 := fmt.Sprintf("%s (Go %s), %s%s, %s events, %d generation(s)",
		r.Source.Format, r.Source.GoVersion, Bytes(uint64(max(r.Source.Bytes, 0))), gz, Count(r.Trace.Events), r.Trace.Generations)
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
