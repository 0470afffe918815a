package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/internal/machinelock"
	"github.com/gotrace/gotrace/workloads"
)

// A README example is a fenced code block whose lines starting with "$ "
// are command lines, each followed by the output it prints (stdout and
// stderr, as a terminal shows them). A line "..." in the output stands for
// lines left out; without one at the end, the output ends where the example
// does. A command whose output the block does not show, when it is the
// block's last, prints the blockquote that follows the block (before the
// next code block) on its standard output: Markdown, shown rendered.
type readmeExample struct {
	line  int    // README line of the command
	cmd   string // the command line, without "$ "
	shown string // the output shown
	quote bool   // shown is a blockquote: compare standard output only
}

// fence is a fenced code block of README.md.
type fence struct {
	line  int // README line of the first content line
	lang  string
	lines []string
	quote []string // the blockquote after it, ">" markers removed
}

// readmeFences returns README's fenced code blocks.
func readmeFences(t *testing.T) []fence {
	t.Helper()
	var out []fence
	lines := strings.Split(readme(t), "\n")
	for i := 0; i < len(lines); i++ {
		open := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(open, "```") {
			if n := len(out); n > 0 && strings.HasPrefix(lines[i], ">") {
				q := strings.TrimPrefix(strings.TrimPrefix(lines[i], ">"), " ")
				out[n-1].quote = append(out[n-1].quote, q)
			}
			continue
		}
		f := fence{line: i + 2, lang: strings.TrimPrefix(open, "```")}
		indent := lines[i][:strings.Index(lines[i], "`")]
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			f.lines = append(f.lines, strings.TrimPrefix(lines[i], indent))
		}
		if i == len(lines) {
			t.Fatalf("README.md:%d: code block not closed", f.line-1)
		}
		out = append(out, f)
	}
	return out
}

// readmeExamples returns README's examples, in order.
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	var out []readmeExample
	for _, f := range readmeFences(t) {
		if len(f.lines) == 0 || !strings.HasPrefix(f.lines[0], "$ ") {
			continue
		}
		var ex []readmeExample
		for i, l := range f.lines {
			if cmd, ok := strings.CutPrefix(l, "$ "); ok {
				ex = append(ex, readmeExample{line: f.line + i, cmd: cmd})
				continue
			}
			ex[len(ex)-1].shown += l + "\n"
		}
		if last := &ex[len(ex)-1]; last.shown == "" && len(f.quote) > 0 {
			last.shown = strings.Join(trimEmpty(f.quote), "\n") + "\n"
			last.quote = true
		}
		out = append(out, ex...)
	}
	return out
}

// trimEmpty drops leading and trailing empty lines.
func trimEmpty(lines []string) []string {
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// readmeDir returns a directory that looks like the top of a clone (its
// entries are links to the repository's), where the examples run and the
// files they write (base.json, prof/, cut.trace) stay.
func readmeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(repoRoot, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReadmeExamples runs every example of README.md with the current
// gotrace, in order, from the top of a clone, and compares what it prints
// with what README shows. Examples that read committed traces or run
// nothing are compared exactly (versions of the build aside). Examples that
// run a workload measure this machine: their numbers differ from run to
// run, so they are compared by shape (headings, section titles, table
// columns and row names, gotrace's own messages), and only without -short.
func TestReadmeExamples(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) < 10 {
		t.Fatalf("README.md has %d examples; expected more (is the \"$ \" prompt gone?)", len(examples))
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run the examples")
	}
	bin := cliOnPath(t)
	dir := readmeDir(t)
	path := bin + string(os.PathListSeparator) + os.Getenv("PATH")
	// Files written by examples that measure the machine: an example that
	// reads one measures it too.
	measuredFiles := map[string]bool{}
	for _, ex := range examples {
		words := strings.Fields(ex.cmd)
		measured := runsWorkload(ex.cmd)
		for _, w := range words {
			measured = measured || measuredFiles[w]
		}
		if measured {
			for i, w := range words {
				if w == "-o" && i+1 < len(words) {
					measuredFiles[words[i+1]] = true
				}
			}
		}
		t.Run("line_"+strconv.Itoa(ex.line), func(t *testing.T) {
			if measured && testing.Short() {
				t.Skipf("%s runs a workload or reads what one wrote (-short)", ex.cmd)
			}
			if strings.HasPrefix(ex.cmd, "go ") {
				if _, err := exec.LookPath("go"); err != nil {
					t.Skipf("no go command for %s", ex.cmd)
				}
			}
			if measured {
				machinelock.Hold(t)
			}
			want := maskBuild(ex.shown)
			if measured {
				want = shape(want)
			}
			// run runs the example and returns what it printed, and that
			// as it is compared with want.
			run := func() (got, real string) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, "sh", "-c", ex.cmd)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "PATH="+path)
				var out, stdout bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if ex.quote {
					cmd.Stdout, cmd.Stderr = &stdout, io.Discard
				}
				err := cmd.Run()
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatalf("README.md:%d: %s: %v", ex.line, ex.cmd, err)
				}
				got = out.String()
				if ex.quote {
					got = stdout.String()
				}
				real = maskBuild(got)
				if measured {
					real = shape(real)
				}
				return got, real
			}
			got, real := run()
			if measured && !shownIn(want, real) {
				// A verdict on measurements can fall either way on a busy
				// machine (a same-code check that regressed, a finding at its
				// threshold): one more run says whether README is wrong.
				t.Logf("README.md:%d: the first run printed another shape; running it again:\n%s", ex.line, got)
				got, real = run()
			}
			if !shownIn(want, real) {
				how := "exactly"
				if measured {
					how = "by shape:\n" + real + "\nagainst README's shape\n" + want
				}
				t.Errorf("README.md:%d: $ %s\nprinted\n%s\nREADME.md shows\n%s\ncompared %s", ex.line, ex.cmd, got, ex.shown, how)
			}
		})
	}
}

// runsWorkload reports whether a command line runs a built-in workload:
// gotrace run NAME, or --run NAME.
func runsWorkload(cmdline string) bool {
	words := strings.Fields(cmdline)
	known := func(s string) bool { _, err := workloads.Lookup(s); return err == nil }
	for i, w := range words {
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		switch {
		case w == "gotrace" && next == "run" && i+2 < len(words) && known(words[i+2]),
			w == "--run" && known(next),
			strings.HasPrefix(w, "--run=") && known(strings.TrimPrefix(w, "--run=")):
			return true
		}
	}
	return false
}

var (
	// The build's versions differ by checkout and toolchain.
	jsonVersion = regexp.MustCompile(`("gotrace": )"[^"]*"`)
	lineVersion = regexp.MustCompile(`(?m)^gotrace \S+ \(go[0-9.]+, [a-z0-9]+/[a-z0-9]+\)$`)
)

// maskBuild replaces the version of the build, which README cannot know.
func maskBuild(s string) string {
	s = jsonVersion.ReplaceAllString(s, `$1"VERSION"`)
	return lineVersion.ReplaceAllString(s, "gotrace VERSION (GO, OS/ARCH)")
}

var (
	numberRE = regexp.MustCompile(`[-+]?[0-9][0-9.,]*`)
	titleRE  = regexp.MustCompile(`^[A-Z][A-Z0-9 ()/:,.'-]*[A-Z)]$`)
)

// shape keeps what does not depend on the machine: Markdown headings and
// text section titles, the first cell of each table's header row, gotrace's
// own lines up to their first colon, and its messages on stderr; numbers
// become "#". Lines "..." are kept.
func shape(s string) string {
	var b strings.Builder
	rows := 0 // table rows seen in the current table
	for _, line := range strings.Split(s, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "│") || strings.HasPrefix(l, "|"):
			rows++
			if rows > 1 {
				// A measured table's rows and their order are data (which
				// metrics moved, which stacks grew most): its header is
				// its shape.
				continue
			}
		case strings.HasPrefix(l, "┌") || strings.HasPrefix(l, "├") || strings.HasPrefix(l, "└"):
		default:
			rows = 0
		}
		keep := ""
		switch {
		case l == "...":
			keep = l
		case strings.HasPrefix(l, "#"):
			keep, _, _ = strings.Cut(l, ":")
		case strings.HasPrefix(l, "gotrace: "):
			keep = l
		case strings.HasPrefix(l, "gotrace "):
			keep, _, _ = strings.Cut(l, ":")
		case strings.HasPrefix(l, "│") || strings.HasPrefix(l, "|"):
			cells := strings.FieldsFunc(l, func(r rune) bool { return r == '│' || r == '|' })
			first := ""
			if len(cells) > 0 {
				first = strings.TrimSpace(cells[0])
			}
			if strings.Trim(first, ":-") == "" && first != "" {
				first = "---" // a Markdown separator row
			}
			keep = "| " + first
		case len(l) >= 4 && titleRE.MatchString(l):
			keep = l
		default:
			continue
		}
		b.WriteString(numberRE.ReplaceAllString(keep, "#"))
		b.WriteByte('\n')
	}
	return b.String()
}

// shownIn reports whether got is what shown shows: shown's lines "..."
// split it into pieces that got holds in order, the first at its start
// and the last at its end unless shown begins or ends with "...".
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
	if len(pieces) == 1 {
		return got == shown
	}
	if !strings.HasPrefix(got, pieces[0]) {
		return false
	}
	got = got[len(pieces[0]):]
	last := pieces[len(pieces)-1]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(got, p)
		if i < 0 {
			return false
		}
		got = got[i+len(p):]
	}
	return strings.HasSuffix(got, last)
}

// TestShownIn holds the comparison to its rules.
func TestShownIn(t *testing.T) {
	got := "a\nb\nc\nd\n"
	cases := []struct {
		shown string
		want  bool
	}{
		{"a\nb\nc\nd\n", true},
		{"a\nb\n", false}, // the rest is not shown, and no "..." says so
		{"a\nb\n...\n", true},
		{"...\nc\nd\n", true},
		{"a\n...\nd\n", true},
		{"a\n...\nc\n", false}, // d follows
		{"a\n...\nc\n...\n", true},
		{"b\n...\n", false}, // a comes first
		{"a\n...\nd\n...\nb\n...\n", false},
	}
	for _, c := range cases {
		if ok := shownIn(c.shown, got); ok != c.want {
			t.Errorf("shownIn(%q) = %v, want %v", c.shown, ok, c.want)
		}
	}
	text := "gotrace check: FAIL: 2 regressions\n## gotrace check: ❌ fail\n| metric | p |\n|:--|--:|\n| sched.latency.p99_ns | 0.015 |\nSUMMARY\ngotrace: mutex run 3/10 done\n  - a note\n"
	// A table is its header: the rows and their order are measured data.
	want := "gotrace check\n## gotrace check\n| metric\nSUMMARY\ngotrace: mutex run #/# done\n"
	if s := shape(text); s != want {
		t.Errorf("shape =\n%s\nwant\n%s", s, want)
	}
}

// TestReadmeCommandLines parses every gotrace command line README shows in
// examples and in sh and yaml blocks (workflows, install lines; synopses
// are plain blocks), so none uses a command or flag gotrace does not have.
func TestReadmeCommandLines(t *testing.T) {
	// A command whose example shows that it is refused is left out.
	refused := map[int]bool{}
	for _, ex := range readmeExamples(t) {
		if strings.Contains(ex.shown, "gotrace: unknown ") {
			refused[ex.line] = true
		}
	}
	n := 0
	for _, f := range readmeFences(t) {
		transcript := len(f.lines) > 0 && strings.HasPrefix(f.lines[0], "$ ")
		if !transcript && f.lang != "sh" && f.lang != "yaml" {
			continue // output, a synopsis or a diagram
		}
		for i := 0; i < len(f.lines); i++ {
			line := f.lines[i]
			if transcript {
				var ok bool
				if line, ok = strings.CutPrefix(line, "$ "); !ok || refused[f.line+i] {
					continue // output, or a usage error on purpose
				}
			}
			for strings.HasSuffix(line, `\`) && i+1 < len(f.lines) {
				i++
				line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(f.lines[i])
			}
			for _, args := range gotraceCalls(line) {
				if len(args) == 0 || strings.HasPrefix(args[0], "__") {
					continue // the hidden commands cobra adds when called
				}
				n++
				root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
				root.InitDefaultHelpCmd()
				cmd, rest, err := root.Find(args)
				if err == nil {
					err = cmd.ParseFlags(rest)
				}
				if err == nil && cmd.Args != nil {
					err = cmd.Args(cmd, cmd.Flags().Args())
				}
				if err != nil {
					t.Errorf("README.md:%d: gotrace %s: %v", f.line+i, strings.Join(args, " "), err)
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("found %d gotrace command lines in README.md; the parser lost them", n)
	}
}

// gotraceCalls returns the arguments of each "gotrace ..." call on a shell
// line, up to a shell operator; synopses ("[--top N]", "text|json", "FILE...")
// are left out.
func gotraceCalls(line string) [][]string {
	words := shellWords(line)
	var calls [][]string
	for i := 0; i < len(words); i++ {
		if words[i] != "gotrace" || i+1 == len(words) {
			continue
		}
		var args []string
		synopsis := false
		for i++; i < len(words); i++ {
			w := words[i]
			if w == "|" || w == ";" || w == "&" || w == "<" || w == ">" || w == "#" {
				break
			}
			if strings.HasPrefix(w, "[") || strings.Contains(w, "|") || strings.HasSuffix(w, "...") || w == "(" || strings.HasPrefix(w, "(") {
				synopsis = true
			}
			args = append(args, w)
		}
		if !synopsis {
			calls = append(calls, args)
		}
	}
	return calls
}

// shellWords splits a line into words as sh would for simple lines:
// whitespace separates, quotes group (and are removed); operators are
// words of their own.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	in := false // a word is under way
	var quote rune
	flush := func() {
		if in {
			words = append(words, w.String())
			w.Reset()
			in = false
		}
	}
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			flush()
		case r == '|' || r == ';' || r == '&' || r == '>' || r == '<':
			if (r == '>' || r == '<') && in && strings.Trim(w.String(), "0123456789") == "" {
				w.Reset() // the descriptor of a redirection (2>&1)
				in = false
			}
			flush()
			words = append(words, string(r))
		default:
			w.WriteRune(r)
			in = true
		}
	}
	flush()
	return words
}

// TestGoldenPaths: the golden files README links to show the paths a user
// types from the top of a clone, and those paths exist.
func TestGoldenPaths(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "testdata", "golden", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	pathRE := regexp.MustCompile(`(?:\.\./)*testdata/[\w./-]+`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range slicesCompact(pathRE.FindAllString(string(b), -1)) {
			if strings.HasPrefix(p, "../") {
				t.Errorf("%s shows %s: a path relative to the test's directory, not the clone's top", filepath.Base(f), p)
			}
			if _, err := os.Stat(filepath.Join(repoRoot, p)); err != nil {
				t.Errorf("%s shows %s: %v", filepath.Base(f), p, err)
			}
		}
	}
}

func slicesCompact(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// TestReadmeMatchesCI: what README says of the fuzzing in .ci/run is what
// .ci/run does: a count of executions, not a duration.
func TestReadmeMatchesCI(t *testing.T) {
	ci, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Skipf("no .ci/run: %v", err)
	}
	m := regexp.MustCompile(`-fuzztime "\$\{GOTRACE_FUZZTIME:-(\d+)x\}"`).FindSubmatch(ci)
	if m == nil {
		t.Fatal(`.ci/run does not fuzz with -fuzztime "${GOTRACE_FUZZTIME:-Nx}"`)
	}
	count := string(m[1])
	text := readme(t)
	for _, f := range regexp.MustCompile(`-fuzztime (\w+)`).FindAllStringSubmatch(text, -1) {
		if f[1] != count+"x" {
			t.Errorf("README.md fuzzes with -fuzztime %s; .ci/run with %sx", f[1], count)
		}
	}
	for _, e := range regexp.MustCompile(`([\d,]+) executions`).FindAllStringSubmatch(text, -1) {
		if strings.ReplaceAll(e[1], ",", "") != count {
			t.Errorf("README.md says %s executions; .ci/run runs %s", e[1], count)
		}
	}
	if d := regexp.MustCompile(`fuzz\w*[^.]*\bfor \d+ ?(?:s|min|seconds|minutes)\b`).FindString(text); d != "" {
		t.Errorf("README.md gives the fuzzing a duration (%q); .ci/run gives it %s executions", d, count)
	}
}

// TestReadmeWorkflowsWithoutBaseline runs the pull-request check scripts of
// README's GitHub Actions examples where no baseline was restored (the
// first pull request): they must pass and say in the job summary why the
// gate was skipped.
func TestReadmeWorkflowsWithoutBaseline(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	bin := cliOnPath(t)
	n := 0
	for _, f := range readmeFences(t) {
		if f.lang != "yaml" {
			continue
		}
		for _, script := range yamlRunScripts(f.lines) {
			if !strings.Contains(script, "gotrace check --baseline") {
				continue
			}
			n++
			dir := t.TempDir()
			summary := filepath.Join(dir, "summary.md")
			cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GITHUB_STEP_SUMMARY="+summary)
			out, err := cmd.CombinedOutput()
			got, _ := os.ReadFile(summary)
			if err != nil || !strings.Contains(string(out), "::notice") || !strings.Contains(string(got), "skipped") {
				t.Errorf("README.md:%d: without a baseline the check step fails or says nothing: %v\n%s\nsummary: %q\nscript:\n%s", f.line, err, out, got, script)
			}
		}
	}
	if n < 2 {
		t.Errorf("found %d check steps in README's workflows, want 2", n)
	}
}

// yamlRunScripts returns the shell scripts of a workflow's "run:" keys:
// one line, or a "|" block.
func yamlRunScripts(lines []string) []string {
	var out []string
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	for i := 0; i < len(lines); i++ {
		key := strings.TrimLeft(lines[i], " -")
		v, ok := strings.CutPrefix(key, "run:")
		if !ok {
			continue
		}
		if v = strings.TrimSpace(v); v != "|" {
			out = append(out, v)
			continue
		}
		var body []string
		base, runIndent := -1, indent(lines[i])
		for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || indent(lines[i+1]) > runIndent) {
			i++
			if base < 0 {
				base = indent(lines[i])
			}
			body = append(body, strings.TrimPrefix(lines[i], strings.Repeat(" ", base)))
		}
		out = append(out, strings.Join(body, "\n")+"\n")
	}
	return out
}
