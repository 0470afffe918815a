package main

import (
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
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
	// The program's own flags (--version) belong to its command's section.
	root.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		for _, c := range root.Commands() {
			if c.Name() == f.Name && strings.Contains(sectionFor(sections, c), "--"+f.Name) {
				return
			}
		}
		if !strings.Contains(readme(t), "gotrace --"+f.Name) {
			t.Errorf("README.md does not show gotrace --%s (%s)", f.Name, f.Usage)
		}
	})
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
