package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
	"github.com/gotrace/gotrace/analyzer/check"
)

// cliOnPath returns a directory holding a "gotrace" command that is this
// test binary acting as gotrace (see TestMain), for tests that run shell
// command lines.
func cliOnPath(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := "#!/bin/sh\n" + cliEnv + "=1 exec '" + exe + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "gotrace"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestVersion(t *testing.T) {
	code, version, errOut := gotrace(t, nil, "version")
	if code != 0 || errOut != "" {
		t.Fatalf("version: exit %d, %s", code, errOut)
	}
	if code, flag, _ := gotrace(t, nil, "--version"); code != 0 || flag != version {
		t.Errorf("--version (exit %d) printed\n%s\nversion printed\n%s", code, flag, version)
	}
	p := buildinfo.Current()
	if !strings.HasPrefix(version, "gotrace "+p.Gotrace+" (go") {
		t.Errorf("version %q does not begin with gotrace %s", version, p.Gotrace)
	}
	// The x/exp version is the one go.mod requires.
	mod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*golang\.org/x/exp (\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require golang.org/x/exp")
	}
	if want := "golang.org/x/exp/trace " + string(m[1]) + "\n"; !strings.HasSuffix(version, want) || p.XExp != string(m[1]) {
		t.Errorf("version %q, producer %+v; want x/exp %s as in go.mod", version, p, m[1])
	}
}

func TestHelp(t *testing.T) {
	for _, topic := range [][]string{{"nosuch"}, {"run", "nosuch"}, {"nosuch", "run"}} {
		code, out, errOut := gotrace(t, nil, append([]string{"help"}, topic...)...)
		if code != 2 || out != "" || errOut != "gotrace: unknown help topic \""+strings.Join(topic, " ")+"\" (see gotrace help)\n" {
			t.Errorf("help %q: exit %d, stdout %q, stderr %q; want exit 2 and one line", topic, code, out, errOut)
		}
	}
	code, out, _ := gotrace(t, nil, "help", "run")
	_, flag, _ := gotrace(t, nil, "run", "--help")
	if code != 0 || out != flag || !strings.Contains(out, "gotrace run WORKLOAD") {
		t.Errorf("help run (exit %d) differs from run --help:\n%s", code, out)
	}
	for _, args := range [][]string{{}, {"help"}} {
		if code, out, _ := gotrace(t, nil, args...); code != 0 || !strings.Contains(out, "Available Commands:") {
			t.Errorf("gotrace %q: exit %d, no command list:\n%s", args, code, out)
		}
	}
}

// TestUsageHints: every usage error is one line that names the program
// once and points at the help of the command that refused it.
func TestUsageHints(t *testing.T) {
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"-x"}, "gotrace: unknown shorthand flag: 'x' in -x (see gotrace --help)\n"},
		{[]string{"--bogus"}, "gotrace: unknown flag: --bogus (see gotrace --help)\n"},
		{[]string{"run", "--bogus"}, "gotrace: unknown flag: --bogus (see gotrace run --help)\n"},
		{[]string{"completion", "bash", "--bogus"}, "gotrace: unknown flag: --bogus (see gotrace completion --help)\n"},
		{[]string{"frobnicate"}, "gotrace: unknown command \"frobnicate\" (see gotrace --help)\n"},
		{[]string{"rnu"}, "gotrace: unknown command \"rnu\"; did you mean run? (see gotrace --help)\n"},
		{[]string{"version", "x"}, "gotrace: version takes no arguments, not \"x\" (see gotrace version --help)\n"},
	}
	for _, c := range cases {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != 2 || out != "" || errOut != c.stderr {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errOut, c.stderr)
		}
	}
}

// TestJSONKinds: every JSON output opens with schema, kind and producer.
func TestJSONKinds(t *testing.T) {
	small, multi := repoFile("traces", "small.trace"), repoFile("traces", "multigen.trace")
	cases := []struct {
		args   []string
		kind   string
		code   int
		schema int
	}{
		{[]string{"analyze", "--format", "json", small}, "gotrace.report", 0, analyzer.SchemaVersion},
		{[]string{"analyze", "--format", "json", small, multi}, "gotrace.reportset", 0, analyzer.SchemaVersion},
		{[]string{"check", "--format", "json", "--max", "goroutines.leaked=0", small}, "gotrace.check", 1, check.ResultSchema},
	}
	for _, c := range cases {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != c.code {
			t.Fatalf("%q: exit %d: %s", c.args, code, errOut)
		}
		var doc struct {
			buildinfo.Header
			Reports []buildinfo.Header `json:"reports"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		want := buildinfo.NewHeader(c.kind, c.schema)
		if doc.Header != want {
			t.Errorf("%q: header %+v, want %+v", c.args, doc.Header, want)
		}
		if first := `{` + "\n" + `  "schema": ` + strconv.Itoa(c.schema) + `,` + "\n" + `  "kind": "` + c.kind + `",` + "\n" + `  "producer": {`; !strings.HasPrefix(out, first) {
			t.Errorf("%q: output does not begin with schema, kind, producer:\n%.200s", c.args, out)
		}
		for i, r := range doc.Reports {
			if r != buildinfo.NewHeader("gotrace.report", analyzer.SchemaVersion) {
				t.Errorf("%q: report %d header %+v", c.args, i, r)
			}
		}
	}
}
