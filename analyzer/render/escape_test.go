package render

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/tracegen"
)

// hostile are strings a trace can carry in its log messages, task, region
// and function names and wait reasons: terminal control sequences (clear
// screen, window title, an OSC-8 link), bidirectional overrides, Markdown
// and HTML.
var hostile = []string{
	"\x1b[2J\x1b[Hcleared",
	"\x1b]0;owned\x07title",
	"\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
	"cr\rbs\bnul\x00del\x7fcsi\u009b31m",
	"abc\u202eexe.txt",
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"[click me](https://evil.example/) ![img](https://evil.example/x.png)",
	"# heading\n## another",
	"a|b|c",
	"**bold** _it_ ~~strike~~ `tick` ``two``",
	"https://evil.example/autolink www.evil.example evil@evil.example",
	"bad utf8 \xff\xfe",
	"marks \ue000 \ue001 inside",
}

func hostileReport(t *testing.T) *analyzer.Report {
	t.Helper()
	var b bytes.Buffer
	if err := tracegen.Strings(&b, hostile...); err != nil {
		t.Fatal(err)
	}
	r, err := analyzer.Analyze(&b, analyzer.Options{Name: "name\x1b[31m\n<b>x</b>", Top: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Annotations.Logs) != len(hostile) || len(r.Leaks.Groups) == 0 {
		t.Fatalf("the crafted trace gave %d logs, %d leak groups", len(r.Annotations.Logs), len(r.Leaks.Groups))
	}
	return r
}

// TestTextEscapes: a text report of a trace full of control sequences
// writes none of them: every control, bidirectional or invalid character
// is shown Go-escaped, and every string is still there.
func TestTextEscapes(t *testing.T) {
	r := hostileReport(t)
	var out bytes.Buffer
	if err := Text(&out, r); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	checkTerminalSafe(t, s)
	for _, want := range []string{`\x1b[2J\x1b[Hcleared`, `\x1b]0;owned\atitle`, `cr\rbs\bnul\x00del\x7fcsi\u009b31m`, `abc\u202eexe.txt`, `bad utf8 \xff\xfe`, `name\x1b[31m\n<b>x</b>`} {
		if !strings.Contains(s, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

// checkTerminalSafe fails when s holds what a terminal would act on.
func checkTerminalSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("output is not valid UTF-8")
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == markOpen || r == markClose {
			t.Fatalf("output holds %U", r)
		}
	}
}

// codeSpanRE matches Markdown code spans (of one to four backticks).
var codeSpanRE = regexp.MustCompile("````.*?````|```.*?```|``.*?``|`[^`]*`")

// TestMarkdownEscapes: a Markdown report of the same trace carries only what
// gotrace wrote: every string from the trace is a code span, so that no
// link, image, HTML, heading or emphasis of the trace's reaches the page,
// tables keep their columns, and no control character passes.
func TestMarkdownEscapes(t *testing.T) {
	r := hostileReport(t)
	var out bytes.Buffer
	if err := Markdown(&out, r); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	checkTerminalSafe(t, s)
	outside := codeSpanRE.ReplaceAllString(s, "`…`")
	for _, bad := range []string{"<script", "<img", "](", "evil", "**bold**", "~~", "<b>"} {
		if strings.Contains(outside, bad) {
			t.Errorf("Markdown holds %q outside code spans", bad)
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "## gotrace report: ") && !strings.HasPrefix(line, "### ") {
			t.Errorf("a heading gotrace did not write: %q", line)
		}
	}
	// Every row of a table has the header's number of columns.
	cols := 0
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("table row with %d cells, header %d: %q", n-1, cols-1, line)
		}
	}
	for _, want := range []string{"`a\\|b\\|c`", "`<script>alert(1)</script>`", "`\\x1b]0;owned\\atitle`", "``` **bold** _it_ ~~strike~~ `tick` ``two`` ```"} {
		if !strings.Contains(s, want) {
			t.Errorf("Markdown report lacks %q", want)
		}
	}
}

// TestCheckEscapes: the check renderers treat what comes from the inputs
// (metric names, sources, environments) the same way.
func TestCheckEscapes(t *testing.T) {
	evil := "measure.x\x1b]0;t\x07<img src=x>[l](http://e)|"
	res := &check.Result{
		Status:   check.StatusFail,
		Warnings: []string{"samples disagree on workload: a, then b\x1b[2J<script>x</script> from f"},
		Current:  check.SetInfo{N: 1, Env: analyzer.Env{Workload: "w\x1b[31m<b>"}},
		Budgets:  []check.BudgetRow{{Metric: evil, Kind: "max", Limit: 1, Worst: 2, N: 1, Broken: 1, Verdict: check.BudgetBroken, WorstSource: "src\n<i>x</i>"}},
	}
	res.BrokenBudgets = 1
	var txt, md bytes.Buffer
	if err := CheckText(&txt, res); err != nil {
		t.Fatal(err)
	}
	if err := CheckMarkdown(&md, res); err != nil {
		t.Fatal(err)
	}
	checkTerminalSafe(t, txt.String())
	checkTerminalSafe(t, md.String())
	outside := codeSpanRE.ReplaceAllString(md.String(), "`…`")
	for _, bad := range []string{"<img", "](", "<script", "<b>", "<i>"} {
		if strings.Contains(outside, bad) {
			t.Errorf("check Markdown holds %q outside code spans:\n%s", bad, md.String())
		}
	}
	if !strings.Contains(txt.String(), `measure.x\x1b]0;t\a<img src=x>[l](http://e)|`) {
		t.Errorf("check text lacks the escaped metric name:\n%s", txt.String())
	}
}

func TestTerminalAndCodeSpan(t *testing.T) {
	cases := map[string]string{
		"plain text, µs and ✅": "plain text, µs and ✅",
		"\x1b[0m":              `\x1b[0m`,
		"a\tb\nc":              `a\tb\nc`,
		"\u202e\u2066\u200f":   `\u202e\u2066\u200f`,
		"\xffok":               `\xffok`,
		tr("x\x07") + " y":     `x\a y`,
	}
	for in, want := range cases {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
	spans := map[string]string{
		"a":       "`a`",
		"a`b":     "``a`b``",
		"`a":      "`` `a ``",
		"a ``` b": "````a ``` b````",
	}
	for in, want := range spans {
		if got := codeSpan(in); got != want {
			t.Errorf("codeSpan(%q) = %q, want %q", in, got, want)
		}
	}
	if got := markdownText("on " + tr("x*y") + " and " + tr("")); got != "on `x*y` and " {
		t.Errorf("markdownText = %q", got)
	}
}
