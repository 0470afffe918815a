package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/workloads"
)

// complete runs gotrace __complete ARGS and returns the candidates (without
// their descriptions) and the directive line.
func complete(t *testing.T, args ...string) (names []string, directive string) {
	t.Helper()
	code, out, errOut := gotrace(t, nil, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %q: exit %d: %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, ":") {
		t.Fatalf("__complete %q: no directive line: %q", args, out)
	}
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t")
		names = append(names, name)
	}
	return names, last
}

// directive is the line __complete ends with for d.
func directive(d cobra.ShellCompDirective) string { return ":" + itoa(int(d)) }

func TestCompleteWorkloads(t *testing.T) {
	for _, args := range [][]string{{"run", ""}, {"workloads", ""}, {"check", "--run", ""}} {
		got, dir := complete(t, args...)
		if !slices.Equal(got, workloads.Names()) || dir != directive(cobra.ShellCompDirectiveNoFileComp) {
			t.Errorf("__complete %q = %q %s, want the workloads %q and no files", args, got, dir, workloads.Names())
		}
	}
	if got, _ := complete(t, "run", "f"); !slices.Equal(got, []string{"fanout"}) {
		t.Errorf("__complete run f = %q, want fanout", got)
	}
	if got, _ := complete(t, "run", "fanout", ""); len(got) != 0 {
		t.Errorf("__complete run fanout '' = %q, want nothing (run takes one workload)", got)
	}
}

func TestCompleteMetrics(t *testing.T) {
	var names []string
	for _, s := range check.Specs() {
		names = append(names, s.Metric)
	}
	withEq := func(suffix string) []string {
		var out []string
		for _, n := range names {
			out = append(out, n+suffix)
		}
		return out
	}
	noSpace := directive(cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace)
	cases := []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"check", "--max", ""}, withEq("="), noSpace},
		{[]string{"check", "--min", ""}, withEq("="), noSpace},
		{[]string{"check", "--threshold", ""}, withEq("="), noSpace},
		{[]string{"check", "--metric", ""}, names, directive(cobra.ShellCompDirectiveNoFileComp)},
		{[]string{"check", "--max", "goroutines.lea"}, []string{"goroutines.leaked="}, noSpace},
		{[]string{"check", "--max", "goroutines.leaked="}, nil, directive(cobra.ShellCompDirectiveNoFileComp)},
	}
	for _, c := range cases {
		got, dir := complete(t, c.args...)
		if !slices.Equal(got, c.want) || dir != c.directive {
			t.Errorf("__complete %q = %q %s; want %d names (%.60q...) %s", c.args, got, dir, len(c.want), c.want, c.directive)
		}
	}
	if !slices.Contains(names, "sched.latency.p99_ns") || !slices.Contains(names, "goroutines.leaked") {
		t.Errorf("metric names lack the gated ones: %q", names)
	}
}

func TestCompleteSetKeys(t *testing.T) {
	keys := func(name string) []string {
		w, err := workloads.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range w.Params {
			out = append(out, p.Name+"=")
		}
		return out
	}
	noSpace := directive(cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"run", "fanout", "--set", ""}, keys("fanout")},
		{[]string{"run", "syscall", "--set", "b"}, []string{"blockers=", "block=", "baseline="}},
		{[]string{"check", "--run", "mutex", "--set", ""}, keys("mutex")},
		{[]string{"check", "--run=net", "--set", ""}, keys("net")},
	}
	for _, c := range cases {
		got, dir := complete(t, c.args...)
		if !slices.Equal(got, c.want) || dir != noSpace {
			t.Errorf("__complete %q = %q %s, want %q %s", c.args, got, dir, c.want, noSpace)
		}
	}
	for _, args := range [][]string{{"run", "--set", ""}, {"run", "nosuch", "--set", ""}, {"check", "--set", ""}} {
		if got, _ := complete(t, args...); len(got) != 0 {
			t.Errorf("__complete %q = %q, want nothing: no workload chosen", args, got)
		}
	}
}

// visibleCommands walks the command tree: every command a user can call.
func visibleCommands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				out = append(out, sub)
				walk(sub)
			}
		}
	}
	walk(root)
	return out
}

// TestCompleteEveryFlag holds every flag of every command, those added
// later included, to a completion: --format lists its values, file and
// directory flags complete paths, and the rest offer no file names.
func TestCompleteEveryFlag(t *testing.T) {
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	for _, c := range visibleCommands(root) {
		path := strings.Fields(c.CommandPath())[1:]
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Value.Type() == "bool" {
				return
			}
			args := append(slices.Clone(path), "--"+f.Name, "")
			got, dir := complete(t, args...)
			placeholder, _ := pflag.UnquoteUsage(f)
			switch {
			case f.Name == "format":
				if len(got) < 1 {
					t.Errorf("gotrace %s --format completes %q; want its formats (read from the usage text %q)", c.Name(), got, f.Usage)
				}
				for _, v := range got {
					if !strings.Contains(f.Usage, v) {
						t.Errorf("gotrace %s --format completes %q, which its usage does not name", c.Name(), v)
					}
				}
			case placeholder == "FILE":
				if dir != directive(cobra.ShellCompDirectiveDefault) {
					t.Errorf("gotrace %s --%s: directive %s, want file names", c.Name(), f.Name, dir)
				}
			case placeholder == "DIR":
				if dir != directive(cobra.ShellCompDirectiveFilterDirs) {
					t.Errorf("gotrace %s --%s: directive %s, want directories", c.Name(), f.Name, dir)
				}
			default:
				if dir == directive(cobra.ShellCompDirectiveDefault) {
					t.Errorf("gotrace %s --%s (%s) completes file names; give it a completion (completion.go)", c.Name(), f.Name, placeholder)
				}
			}
		})
	}
	formats := map[string][]string{"analyze": reportFormats, "run": reportFormats, "check": checkFormats}
	for cmd, want := range formats {
		if got, _ := complete(t, cmd, "--format", ""); !slices.Equal(got, want) {
			t.Errorf("gotrace %s --format completes %q, want %q", cmd, got, want)
		}
	}
}

// TestCompletionScripts: each shell's script calls back into gotrace, and
// bash's, sourced in a real bash, completes workload names and --set keys.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range shells {
		code, out, errOut := gotrace(t, nil, "completion", sh)
		if code != 0 || !strings.Contains(out, cobra.ShellCompRequestCmd) {
			t.Errorf("completion %s: exit %d, script without %s: %.200s%s", sh, code, cobra.ShellCompRequestCmd, out, errOut)
		}
	}
	if code, _, errOut := gotrace(t, nil, "completion", "tcsh"); code != 2 || !strings.Contains(errOut, "bash, zsh, fish, powershell") {
		t.Errorf("completion tcsh: exit %d, %q; want 2 and the shells", code, errOut)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := cliOnPath(t)
	_, script, _ := gotrace(t, nil, "completion", "bash")
	scriptFile := filepath.Join(dir, "gotrace.bash")
	if err := os.WriteFile(scriptFile, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		line string // the command line, the cursor at its end
		want []string
	}{
		{"gotrace ru", []string{"run"}},
		{"gotrace run fa", []string{"fanout"}},
		{"gotrace run fanout --set wo", []string{"workers=", "work="}},
		{"gotrace check --max goroutines.lea", []string{"goroutines.leaked="}},
	}
	for _, c := range cases {
		// Drive the completion function as bash does on TAB.
		// The script needs bash-completion's _get_comp_words_by_ref; a
		// minimal one stands in when the package is not installed.
		prog := `if [ -r /usr/share/bash-completion/bash_completion ]; then
	source /usr/share/bash-completion/bash_completion
else
	_get_comp_words_by_ref() {
		cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
	}
fi
source "$1"
line="$2"
read -ra COMP_WORDS <<< "$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$line"; COMP_POINT=${#line}
__start_gotrace gotrace "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, "--norc", "-c", prog, "bash", scriptFile, c.line)
		cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		var stderr strings.Builder
		cmd.Stderr = &stderr // compopt complains outside a real completion
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash completion of %q: %v\n%s%s", c.line, err, out, stderr.String())
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				got = append(got, l)
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(got, want) {
			t.Errorf("bash completes %q to %q, want %q", c.line, got, want)
		}
	}
}
