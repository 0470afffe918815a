package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// The committed pair: the same batch job with its lock held 20µs, then 80µs.
func diffPair() (base, cur string) {
	return repoFile("traces", "diff-base.trace"), repoFile("traces", "diff-current.trace")
}

// TestDiffGolden runs from the repository's top directory, so the golden
// files show the paths a user types.
func TestDiffGolden(t *testing.T) {
	t.Chdir(repoRoot)
	base := filepath.Join("testdata", "traces", "diff-base.trace")
	cur := filepath.Join("testdata", "traces", "diff-current.trace")
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"diff.txt", []string{"diff", base, cur}},
		{"diff.md", []string{"diff", "--format", "markdown", "--top", "3", base, cur}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			code, out, errOut := gotrace(t, nil, c.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr: %s", code, errOut)
			}
			golden(t, c.golden, out)
		})
	}
}

func TestDiffJSON(t *testing.T) {
	base, cur := diffPair()
	code, out, errOut := gotrace(t, nil, "diff", "--format", "json", base, cur)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		Kind     string `json:"kind"`
		Tested   bool   `json:"tested"`
		Blocking []struct {
			Reason string `json:"reason"`
			Where  []struct {
				Function string `json:"function"`
				File     string `json:"file"`
				Line     int    `json:"line"`
			} `json:"where"`
			User      *struct{ Function, File string } `json:"user"`
			BaseNS    *float64                         `json:"base_ns"`
			CurrentNS *float64                         `json:"current_ns"`
			DeltaNS   *float64                         `json:"delta_ns"`
			P         *float64                         `json:"p"`
		} `json:"blocking"`
		Metrics  []json.RawMessage `json:"metrics"`
		Groups   []json.RawMessage `json:"groups"`
		Syscalls []json.RawMessage `json:"syscalls"`
		Tasks    []json.RawMessage `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Kind != "gotrace.diff" || d.Tested || len(d.Metrics) == 0 || len(d.Groups) == 0 || len(d.Syscalls) == 0 || len(d.Tasks) == 0 || len(d.Blocking) == 0 {
		t.Fatalf("kind %q tested %v, %d metrics %d groups %d blocking %d syscalls %d tasks", d.Kind, d.Tested, len(d.Metrics), len(d.Groups), len(d.Blocking), len(d.Syscalls), len(d.Tasks))
	}
	b := d.Blocking[0]
	if b.Reason != "sync" || len(b.Where) == 0 || b.Where[0].Function == "" || b.Where[0].Line == 0 || b.User == nil ||
		b.BaseNS == nil || b.CurrentNS == nil || b.DeltaNS == nil || *b.DeltaNS <= 0 || b.P != nil {
		t.Errorf("first blocking row %+v", b)
	}
	if !strings.Contains(b.User.Function, "main.lockwork") || filepath.Base(b.User.File) != "main.go" {
		t.Errorf("user frame %+v, want main.lockwork in testdata/gen/main.go", b.User)
	}
}

// TestDiffSets: report sets of several runs a side get p-values; a set
// against itself has no significant row.
func TestDiffSets(t *testing.T) {
	base, cur := diffPair()
	dir := t.TempDir()
	set := func(name string, files ...string) string {
		p := filepath.Join(dir, name)
		if code, _, errOut := gotrace(t, nil, append([]string{"analyze", "--format", "json", "--top", "-1", "-o", p}, files...)...); code != 0 {
			t.Fatalf("analyze: %s", errOut)
		}
		return p
	}
	a := set("a.json", base, base, base, base)
	b := set("b.json", cur, cur, cur, cur)
	code, out, errOut := gotrace(t, nil, "diff", "--format", "json", a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		Tested   bool `json:"tested"`
		Blocking []struct {
			P           *float64 `json:"p"`
			Significant bool     `json:"significant"`
		} `json:"blocking"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || !d.Tested || len(d.Blocking) == 0 || d.Blocking[0].P == nil || !d.Blocking[0].Significant {
		t.Errorf("sets: %v %+v", err, d)
	}
	code, out, _ = gotrace(t, nil, "diff", a, a)
	if code != 0 || strings.Contains(out, "grew") || strings.Contains(out, "shrank") || !strings.Contains(out, "Mann-Whitney") {
		t.Errorf("a set against itself: exit %d\n%s", code, out)
	}
}

func TestDiffPprof(t *testing.T) {
	base, cur := diffPair()
	dir := filepath.Join(t.TempDir(), "prof")
	code, _, errOut := gotrace(t, nil, "diff", "--pprof", dir, "-o", os.DevNull, base, cur)
	if code != 0 || !strings.Contains(errOut, "go tool pprof -diff_base") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var total [2]int64
	for i, side := range []string{"base", "current"} {
		f, err := os.Open(filepath.Join(dir, side, "sync.pb.gz"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := profile.Parse(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Sample {
			total[i] += s.Value[1]
		}
	}
	if total[0] == 0 || total[1] <= total[0] {
		t.Errorf("sync profile totals base %d, current %d: want the current side's larger", total[0], total[1])
	}
}

func TestDiffUsage(t *testing.T) {
	base, cur := diffPair()
	js := filepath.Join(t.TempDir(), "r.json")
	if code, _, errOut := gotrace(t, nil, "analyze", "--format", "json", "-o", js, base); code != 0 {
		t.Fatal(errOut)
	}
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"diff", base}, "diff needs two inputs, BASE and CURRENT"},
		{[]string{"diff", base, cur, cur}, "diff needs two inputs"},
		{[]string{"diff", "--format", "xml", base, cur}, `unknown --format "xml"`},
		{[]string{"diff", "--alpha", "2", base, cur}, "--alpha 2 out of range"},
		{[]string{"diff", base, filepath.Join(t.TempDir(), "nope.trace")}, "nope.trace: cannot open"},
		{[]string{"diff", "-", "-"}, "standard input ('-') can be read by one side only"},
		{[]string{"diff", "--pprof", t.TempDir(), js, cur}, "r.json is not a trace"},
	} {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.stderr) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %q; want exit 2 and %q", c.args, code, out, errOut, c.stderr)
		}
	}
	// A trace on standard input against a file.
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := gotrace(t, data, "diff", "-", base); code != 0 || !strings.Contains(out, "gotrace diff: - -> ") {
		t.Errorf("stdin: exit %d, %s%s", code, out, errOut)
	}
}

// TestCheckFailShowsDiff: a failed check against a baseline prints where
// the sides differ under its table, in text and Markdown, and carries the
// diff in JSON.
func TestCheckFailShowsDiff(t *testing.T) {
	base, cur := diffPair()
	args := []string{"check", "--exact", "--baseline", base, cur}
	code, out, errOut := gotrace(t, nil, args...)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"WHERE THE TWO SIDES DIFFER", "DIFF: BLOCKING", "sync.(*Mutex).Lock < main.lockwork.func1.1 (main.go:"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	_, md, _ := gotrace(t, nil, append(args, "--format", "markdown")...)
	if !strings.Contains(md, "### Where the two sides differ") || !strings.Contains(md, "### Diff: Blocking") {
		t.Errorf("markdown lacks the diff:\n%s", md)
	}
	_, js, _ := gotrace(t, nil, append(args, "--format", "json")...)
	var res struct {
		Diff *struct {
			Kind     string            `json:"kind"`
			Blocking []json.RawMessage `json:"blocking"`
		} `json:"diff"`
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil || res.Diff == nil || res.Diff.Kind != "gotrace.diff" || len(res.Diff.Blocking) == 0 || len(res.Diff.Blocking) > 3 {
		t.Errorf("JSON diff: %v %+v", err, res.Diff)
	}
	// A passing check prints no diff.
	_, out, _ = gotrace(t, nil, "check", "--exact", "--baseline", base, base)
	if strings.Contains(out, "DIFFER") {
		t.Errorf("a passing check shows a diff:\n%s", out)
	}
}
