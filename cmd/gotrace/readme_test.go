package main

import (
	"maps"
	"slices"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// readmeSections splits README.md into its "## " sections, keyed by heading.
func readmeSections(t *testing.T) map[string]string {
	t.Helper()
	sections := map[string]string{}
	var head string
	var body strings.Builder
	flush := func() {
		if head != "" {
			sections[head] = body.String()
		}
		body.Reset()
	}
	for _, line := range strings.SplitAfter(readme(t), "\n") {
		if strings.HasPrefix(line, "## ") {
			flush()
			head = strings.TrimSpace(line[3:])
		}
		body.WriteString(line)
	}
	flush()
	return sections
}

// TestReadmeDocumentsEveryFlag fails when a visible subcommand has no README
// section headed "`gotrace NAME`", or when one of its visible flags is named
// (as --name or its shorthand) neither in that section nor in a section it
// links to, so the README cannot fall behind the CLI.
func TestReadmeDocumentsEveryFlag(t *testing.T) {
	sections := readmeSections(t)
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			section := sectionFor(sections, c)
			if section == "" {
				t.Fatalf("README.md has no section headed \"## `gotrace %s`\"", c.Name())
			}
			docs := section + linkedSections(sections, section)
			c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
				if f.Hidden || f.Name == "help" {
					return
				}
				name := `--` + regexp.QuoteMeta(f.Name)
				if f.Shorthand != "" {
					name = `(?:` + name + `|-` + regexp.QuoteMeta(f.Shorthand) + `)`
				}
				if !regexp.MustCompile("(?:^|[^\\w-])" + name + `\b`).MatchString(docs) {
					t.Errorf("README.md's section on gotrace %s, and the sections it links to, do not mention --%s (%s)", c.Name(), f.Name, f.Usage)
				}
			})
		})
	}
}

// linkedSections returns the sections that text links to as "](#anchor)",
// concatenated.
func linkedSections(sections map[string]string, text string) string {
	var out strings.Builder
	for _, m := range regexp.MustCompile(`\]\(#([\w-]+)\)`).FindAllStringSubmatch(text, -1) {
		for head, body := range sections {
			if anchor(head) == m[1] {
				out.WriteString(body)
			}
		}
	}
	return out.String()
}

// anchor is the fragment GitHub gives a heading: lower case, punctuation
// other than hyphens dropped, spaces as hyphens.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sectionFor returns the README section headed by "`gotrace NAME`".
func sectionFor(sections map[string]string, c *cobra.Command) string {
	want := "`gotrace " + c.Name() + "`"
	for head, body := range sections {
		if strings.HasPrefix(head, want) {
			return body
		}
	}
	return ""
}

// TestReadmeLinksResolve fails when README.md links to "#anchor" that no
// heading has, or to a repository file that does not exist.
func TestReadmeLinksResolve(t *testing.T) {
	text := readme(t)
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(text, -1) {
		anchors[anchor(strings.TrimSpace(m[1]))] = true
	}
	for _, m := range regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(text, -1) {
		target := m[1]
		switch {
		case strings.HasPrefix(target, "#"):
			if !anchors[target[1:]] {
				t.Errorf("README.md links to %s, which no heading has", target)
			}
		case strings.Contains(target, "://"):
			// External; not checked offline.
		default:
			path, _, _ := strings.Cut(target, "#")
			if _, err := os.Stat("../../" + path); err != nil {
				t.Errorf("README.md links to %s: %v", target, err)
			}
		}
	}
}

// readme returns the text of README.md.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeBlock returns the first fenced code block after the first line of
// text that starts with marker, without its fences.
func readmeBlock(t *testing.T, text, marker string) string {
	t.Helper()
	i := strings.Index(text, "\n"+marker)
	if i < 0 {
		t.Fatalf("README.md has no line starting with %q", marker)
	}
	rest := text[i+1:]
	start := strings.Index(rest, "\n```")
	if start < 0 {
		t.Fatalf("README.md has no code block after %q", marker)
	}
	rest = rest[start+4:]
	rest = rest[strings.Index(rest, "\n")+1:] // the fence's language tag
	end := strings.Index(rest, "```\n")
	if end < 0 {
		t.Fatalf("README.md's code block after %q is not closed", marker)
	}
	return rest[:end]
}

// TestReadmeExamples runs the README's deterministic examples (committed
// traces, workload descriptions) and compares their output with what README
// shows, so the documented output is the real one. Examples that run a
// workload measure this machine and are not compared.
func TestReadmeExamples(t *testing.T) {
	// Run from a directory where testdata/ is the repository's and files the
	// examples write (cut.trace, prof/) land in a temporary directory.
	text := readme(t)
	abs, err := filepath.Abs(repoFile())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(abs, filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	multigen, err := os.ReadFile(repoFile("traces", "multigen.trace"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cut.trace"), multigen[:8000], 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	tests := []struct {
		name   string
		marker string   // the README line before the code block
		args   []string // the command line shown
		code   int      // its exit code
		stderr bool     // the block shows stderr, not stdout
		prefix bool     // the block shows part of the output: its beginning, and lines "..." elide some
		skip   int      // lines of the block before the output (the "$ command" line)
	}{
		{name: "workloads", marker: "with a NAME, describes one.", args: []string{"workloads"}},
		{name: "workloads syscall", marker: "`gotrace workloads syscall`:", args: []string{"workloads", "syscall"}},
		{name: "analyze small", marker: "`gotrace analyze testdata/traces/small.trace`", args: []string{"analyze", "testdata/traces/small.trace"}, prefix: true},
		{name: "json", marker: "JSON, the beginning", args: []string{"analyze", "--format", "json", "testdata/traces/small.trace"}, prefix: true},
		{name: "truncated", marker: "A truncated trace", args: []string{"analyze", "cut.trace"}, stderr: true, skip: 1},
		{name: "budgets", marker: "Budgets on a single trace", args: []string{"check", "--max", "goroutines.leaked=0", "--max", "sched.latency.p99_ns=5ms", "testdata/traces/small.trace"}, code: 1, skip: 1},
		{name: "pprof", marker: "the goroutine runnable), `sync.pb.gz`", args: []string{"analyze", "-q", "--pprof", "prof", "testdata/traces/small.trace"}, stderr: true, prefix: true, skip: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			block := readmeBlock(t, text, tc.marker)
			lines := strings.SplitAfter(block, "\n")
			if tc.skip > 0 {
				if shown := strings.TrimSpace(lines[0]); !strings.Contains(shown, "gotrace "+strings.Join(tc.args, " ")) {
					t.Fatalf("README shows %q, the test runs gotrace %s", shown, strings.Join(tc.args, " "))
				}
			}
			want := strings.Join(lines[tc.skip:], "")
			if i := strings.Index(want, "\n$ "); tc.prefix && i >= 0 {
				want = want[:i+1] // up to the next command
			}
			code, stdout, stderr := gotrace(t, nil, tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			got := stdout
			if tc.stderr {
				got = stderr
			}
			if tc.prefix && shownIn(want, got) || !tc.prefix && got == want {
				return
			}
			t.Errorf("gotrace %s printed\n%s\nREADME.md shows\n%s", strings.Join(tc.args, " "), got, want)
		})
	}
}

// shownIn reports whether got begins with the first piece of shown and holds
// the other pieces in order, where shown's lines that are only "..." separate
// the pieces.
func shownIn(shown, got string) bool {
	var pieces []string
	var piece strings.Builder
	for _, line := range strings.SplitAfter(shown, "\n") {
		if strings.TrimSpace(line) == "..." {
			pieces = append(pieces, piece.String())
			piece.Reset()
			continue
		}
		piece.WriteString(line)
	}
	pieces = append(pieces, piece.String())
	if !strings.HasPrefix(got, pieces[0]) {
		return false
	}
	got = got[len(pieces[0]):]
	for _, p := range pieces[1:] {
		i := strings.Index(got, p)
		if i < 0 {
			return false
		}
		got = got[i+len(p):]
	}
	return true
}

// TestReadmeDocumentsEveryMetric fails when a metric of the JSON "metrics"
// map is missing from README's metric reference. The reference may write
// names with alternatives (`gc.stw.{count,max_ns}`), continue the previous
// name (`goroutines.user_created`, `.user_ended`) and use upper-case
// placeholders (`block.reason.REASON.count`).
func TestReadmeDocumentsEveryMetric(t *testing.T) {
	sections := readmeSections(t)
	ref := sections["Metric reference"]
	if ref == "" {
		t.Fatal(`README.md has no "## Metric reference" section`)
	}
	var patterns []*regexp.Regexp
	prev := ""
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(ref, -1) {
		tok := m[1]
		if strings.ContainsAny(tok, " =/") {
			continue // not a metric name
		}
		if strings.HasPrefix(tok, ".") && prev != "" {
			tok = prev[:strings.LastIndexByte(prev, '.')] + tok
		}
		if !strings.Contains(tok, ".") {
			continue
		}
		prev = tok
		for _, name := range expandBraces(tok) {
			expr := regexp.QuoteMeta(name)
			expr = regexp.MustCompile(`[A-Z]+`).ReplaceAllString(expr, `[a-z0-9_-]+`)
			expr = strings.ReplaceAll(expr, `\[\.[a-z0-9_]+\]`, `(\.[a-z0-9_]+)?`) // [.VARIANT]
			patterns = append(patterns, regexp.MustCompile("^"+expr+"$"))
		}
	}
	r, err := analyzer.AnalyzeFile(repoFile("traces", "small.trace"), analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	findings.Attach(r)
	names := maps.Keys(r.Metrics)
	for _, name := range slices.Sorted(names) {
		if !slices.ContainsFunc(patterns, func(p *regexp.Regexp) bool { return p.MatchString(name) }) {
			t.Errorf("metric %s is not in README's metric reference", name)
		}
	}
}

// expandBraces expands one level of {a,b,c} alternatives, repeatedly.
func expandBraces(s string) []string {
	i := strings.IndexByte(s, '{')
	j := strings.IndexByte(s, '}')
	if i < 0 || j < i {
		return []string{s}
	}
	var out []string
	for _, alt := range strings.Split(s[i+1:j], ",") {
		out = append(out, expandBraces(s[:i]+alt+s[j+1:])...)
	}
	return out
}

// TestReadmeDocumentsEveryFinding fails when a finding id is not in README's
// Findings section with what it means, its impact and what to do (a row of
// its table).
func TestReadmeDocumentsEveryFinding(t *testing.T) {
	ref := readmeSections(t)["Findings"]
	if ref == "" {
		t.Fatal(`README.md has no "## Findings" section`)
	}
	for _, id := range findings.IDs() {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(id) + "` \\|(.*)$").FindStringSubmatch(ref)
		if row == nil {
			t.Errorf("finding %s has no row in README's Findings table", id)
			continue
		}
		if cells := strings.Split(strings.Trim(row[1], " |"), " | "); len(cells) != 3 || slices.Contains(cells, "") {
			t.Errorf("finding %s: want its meaning, impact and what to do, got %q", id, cells)
		}
	}
}
