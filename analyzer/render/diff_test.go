package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/diff"
)

// pairDiff compares the committed pair of traces.
func pairDiff(t *testing.T) *diff.Diff {
	t.Helper()
	var sides [2]diff.Side
	for i, name := range []string{"diff-base.trace", "diff-current.trace"} {
		r, err := analyzer.AnalyzeFile(filepath.Join("..", "..", "testdata", "traces", name), analyzer.Options{Top: -1})
		if err != nil {
			t.Fatal(err)
		}
		sides[i] = diff.Side{Name: name, Reports: []*analyzer.Report{r}}
	}
	return diff.Compare(sides[0], sides[1], diff.Options{})
}

// TestDiffEscapes: names from a trace (groups, stacks, tasks, reasons) are
// cleaned of control characters in text and Markdown, and escaped in HTML.
func TestDiffEscapes(t *testing.T) {
	d := pairDiff(t)
	const evil = "main.<script>alert(1)</script>|x\x1b[31m"
	d.Groups[0].Group = evil
	d.Blocking[0].Reason = evil
	d.Blocking[0].Where[len(d.Blocking[0].Where)-1].Function = evil
	d.Tasks[0].Type = evil
	d.Base.Name = evil
	for _, f := range []struct {
		name string
		fn   func(*bytes.Buffer) error
	}{
		{"text", func(b *bytes.Buffer) error { return DiffText(b, d) }},
		{"markdown", func(b *bytes.Buffer) error { return DiffMarkdown(b, d) }},
		{"html", func(b *bytes.Buffer) error { return DiffHTML(b, d) }},
	} {
		var buf bytes.Buffer
		if err := f.fn(&buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, "\x1b") {
			t.Errorf("%s: an escape character from the trace reached the output", f.name)
		}
		switch f.name {
		case "html":
			if strings.Contains(out, "<script>") || !strings.Contains(out, "main.&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("html: trace strings not escaped")
			}
		case "markdown":
			if !strings.Contains(out, `main.<script>alert(1)</script>\|x`) {
				t.Errorf("markdown: a | from the trace is not escaped in a table cell")
			}
		}
	}
}

func TestDiffHTMLContent(t *testing.T) {
	var buf bytes.Buffer
	if err := DiffHTML(&buf, pairDiff(t)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`id="d-metrics"`, `id="d-groups"`, `id="d-blocking"`, `id="d-syscalls"`, `id="d-distributions"`, `id="d-tasks"`,
		"sync.(*Mutex).Lock &lt; main.lockwork.func1.1 (main.go:", `class="n more"`,
		"Content-Security-Policy",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("diff page lacks %q", want)
		}
	}
}

// TestDiffHTMLChromium loads the diff page in headless Chromium: nothing on
// the console, and every section's table in the DOM.
func TestDiffHTMLChromium(t *testing.T) {
	bin := htmlChromium(t)
	var buf bytes.Buffer
	if err := DiffHTML(&buf, pairDiff(t)); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "gotrace-diff.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, console := htmlRunChromium(t, bin, page, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages while loading the diff page:\n%s", strings.Join(console, "\n"))
	}
	if n := strings.Count(dom, "<table>"); n < 6 {
		t.Errorf("%d tables in the DOM, want one per section (6)", n)
	}
}
