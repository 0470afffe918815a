package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// repoFile is the path of a file under the repository's testdata.
func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata"}, parts...)...)
}

// gotrace runs the command line in-process.
func gotrace(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// repoRoot is the repository's top directory, absolute, so tests that
// change directory still find it.
var repoRoot = func() string {
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return abs
}()

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(repoRoot, "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/gotrace -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update if the change is intended):\n%s", path, diffLines(string(want), got))
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b
		}
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestAnalyzeGolden runs from the repository's top directory, as README's
// examples do, so the golden files show the paths a user types.
func TestAnalyzeGolden(t *testing.T) {
	t.Chdir(repoRoot)
	small := filepath.Join("testdata", "traces", "small.trace")
	multi := filepath.Join("testdata", "traces", "multigen.trace")
	cases := []struct {
		golden string
		args   []string
	}{
		{"small.txt", []string{"analyze", small}},
		{"small.json", []string{"analyze", "--format", "json", small}},
		{"small.md", []string{"analyze", "--format", "markdown", "--top", "3", small}},
		{"multigen.txt", []string{"analyze", "--buckets", "20", multi}},
		{"set.json", []string{"analyze", "--format", "json", "--top", "2", small, multi}},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			code, out, errOut := gotrace(t, nil, c.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr: %s", code, errOut)
			}
			golden(t, c.golden, out)
		})
	}
}

// TestWorkersDoNotChangeOutput holds the CLI to the library's promise.
func TestWorkersDoNotChangeOutput(t *testing.T) {
	multi := repoFile("traces", "multigen.trace")
	_, one, _ := gotrace(t, nil, "analyze", "-j", "1", "--format", "json", multi)
	_, four, _ := gotrace(t, nil, "analyze", "-j", "4", "--format", "json", multi)
	if one != four || one == "" {
		t.Errorf("-j 1 and -j 4 outputs differ")
	}
}

func TestOutputFile(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := gotrace(t, nil, "analyze", "--format", "json", "-o", dst, repoFile("traces", "small.trace"))
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	b, err := os.ReadFile(dst)
	if err != nil || !bytes.Contains(b, []byte(`"schema": 2`)) {
		t.Errorf("output file: %v, %.100s", err, b)
	}
}

// badInputs builds inputs the analyzer must refuse or handle on purpose.
func badInputs(t *testing.T) map[string][]byte {
	t.Helper()
	small, err := os.ReadFile(repoFile("traces", "small.trace"))
	if err != nil {
		t.Fatal(err)
	}
	multi, err := os.ReadFile(repoFile("traces", "multigen.trace"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(small)
	zw.Close()
	var prof bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&prof, 0); err != nil {
		t.Fatal(err)
	}
	// A CPU profile begins with another field than a heap profile.
	// (Left out when a CPU profile is already being recorded: go test
	// -cpuprofile.)
	var cpu bytes.Buffer
	if err := pprof.StartCPUProfile(&cpu); err == nil {
		for start := time.Now(); time.Since(start) < 20*time.Millisecond; {
		}
		pprof.StopCPUProfile()
	}
	rnd := make([]byte, 4096)
	for i := range rnd {
		rnd[i] = byte(i*7919 + i/13)
	}
	return map[string][]byte{
		"empty":        nil,
		"text":         []byte("hello, this is not a trace\n"),
		"random":       rnd,
		"pprof":        prof.Bytes(),
		"cpu-pprof":    cpu.Bytes(),
		"gzip":         gz.Bytes(),
		"v27":          append([]byte("go 1.27 trace\x00\x00\x00"), small[16:]...),
		"v10":          append([]byte("go 1.10 trace\x00\x00\x00"), small[16:]...),
		"header-only":  small[:16],
		"cut-header":   small[:10],
		"truncated":    multi[:len(multi)*3/4],
		"nothing-done": multi[:200],
		"concatenated": append(append([]byte{}, small...), multi...),
	}
}

func TestInputs(t *testing.T) {
	inputs := badInputs(t)
	dir := t.TempDir()
	cases := []struct {
		input  string
		code   int
		stderr string // regexp
		stdout bool   // a report is written
	}{
		{"empty", 2, `^gotrace: \S+/empty: empty file; expected the output of runtime/trace`, false},
		{"text", 2, `text: not a Go execution trace \(text starting "hello, this is not a tra"\)`, false},
		{"random", 2, `random: not a Go execution trace \(bad header\)`, false},
		{"pprof", 2, `pprof: this is a pprof profile, not an execution trace`, false},
		{"cpu-pprof", 2, `cpu-pprof: this is a pprof profile, not an execution trace`, false},
		{"gzip", 0, `^$`, true},
		{"v27", 2, `v27: unsupported trace version go 1.27 \(this build reads go 1.11 through go 1.26\); a newer gotrace`, false},
		{"v10", 2, `v10: unsupported trace version go 1.10 \(this build reads go 1.11 through go 1.26\); traces older than go 1.11 are not readable`, false},
		{"header-only", 3, `header-only: trace holds no events; nothing to analyze`, false},
		{"cut-header", 3, `cut-header: trace ends inside its 16-byte header`, false},
		{"truncated", 0, `truncated: trace is truncated: generation \d+ is incomplete .*analyzed the \d+ complete generation\(s\) before it, \d+ bytes lost \(\d+\.\d% of \d+ bytes\)`, true},
		{"nothing-done", 3, `nothing-done: trace is truncated before its first generation is complete`, false},
		{"concatenated", 0, `concatenated: input holds several concatenated traces: analyzed the first one \(\d+ bytes\)`, true},
	}
	for _, c := range cases {
		t.Run(c.input, func(t *testing.T) {
			if c.input == "cpu-pprof" && len(inputs[c.input]) == 0 {
				t.Skip("no CPU profile: one is already being recorded")
			}
			path := filepath.Join(dir, c.input)
			if err := os.WriteFile(path, inputs[c.input], 0o644); err != nil {
				t.Fatal(err)
			}
			for _, viaStdin := range []bool{false, true} {
				args := []string{"analyze", path}
				var stdin []byte
				if viaStdin {
					args = []string{"analyze", "-"}
					stdin = inputs[c.input]
				}
				code, out, errOut := gotrace(t, stdin, args...)
				if code != c.code {
					t.Errorf("stdin=%v: exit %d, want %d; stderr: %s", viaStdin, code, c.code, errOut)
				}
				if (out != "") != c.stdout {
					t.Errorf("stdin=%v: report written = %v, want %v", viaStdin, out != "", c.stdout)
				}
				want := c.stderr
				if viaStdin {
					want = strings.ReplaceAll(want, `\S+/`, ``)
					want = strings.Replace(want, c.input+":", "-:", 1)
					want = strings.Replace(want, `^gotrace: empty`, `^gotrace: -: empty`, 1)
				}
				if viaStdin && c.input == "empty" {
					want = `^gotrace: -: empty input`
				}
				if !regexp.MustCompile(want).MatchString(errOut) {
					t.Errorf("stdin=%v: stderr %q does not match %q", viaStdin, errOut, want)
				}
				checkNoStackTrace(t, out+errOut)
				if lines := strings.Count(strings.TrimSpace(errOut), "\n"); code != 0 && lines > 0 {
					t.Errorf("error is %d lines, want one: %q", lines+1, errOut)
				}
			}
		})
	}
}

func TestUnreadable(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name   string
		path   string
		stderr string
	}{
		{"missing", filepath.Join(dir, "nope.out"), `nope.out: cannot open: no such file or directory`},
		{"directory", dir, `is a directory, not a trace file`},
	}
	if os.Geteuid() != 0 {
		p := filepath.Join(dir, "secret.out")
		os.WriteFile(p, []byte("x"), 0)
		cases = append(cases, struct{ name, path, stderr string }{"permission", p, `secret.out: cannot open: permission denied`})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := gotrace(t, nil, "analyze", c.path)
			if code != 2 || out != "" || !strings.Contains(errOut, "gotrace: ") || !regexp.MustCompile(c.stderr).MatchString(errOut) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errOut, c.stderr)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	small := repoFile("traces", "small.trace")
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"analyze"}, `analyze needs at least one trace file`},
		{[]string{"analyze", "--format", "xml", small}, `unknown --format "xml"; use one of text, json, markdown, html`},
		{[]string{"analyze", "--top", "0", small}, `--top must be positive or -1`},
		{[]string{"analyze", "--buckets", "0", small}, `--buckets must be between 1 and 10000`},
		{[]string{"analyze", "--bogus", small}, `unknown flag: --bogus`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"workloads", "fanout", "extra"}, "gotrace: workloads: accepts at most 1 arg(s), received 2 (see gotrace workloads --help)\n"},
	}
	for _, c := range cases {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errOut, c.stderr)
		}
	}
}

// checkNoStackTrace fails if output looks like a Go panic.
func checkNoStackTrace(t *testing.T, s string) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine 1 [", ".go:", "runtime error"} {
		if strings.Contains(s, bad) && !strings.Contains(s, "gotrace report") {
			t.Errorf("output contains %q: %s", bad, s)
		}
	}
}

// TestSizes: the header shows the size of the trace analyzed, with the
// input's size beside it when they differ (concatenated or truncated
// traces), from a file and from standard input (whose size is known only
// when it was read to its end).
func TestSizes(t *testing.T) {
	inputs := badInputs(t)
	small, err := os.ReadFile(repoFile("traces", "small.trace"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := []struct {
		input       string
		bytes       int64 // analyzed
		inputBytes  int64 // from a file
		stdinBytes  int64 // from stdin
		header      string
		stdinHeader string
	}{
		{"gzip", int64(len(small)), 0, 0, "13.3 KiB, gzip,", "13.3 KiB, gzip,"},
		{"concatenated", int64(len(small)), int64(len(inputs["concatenated"])), 0,
			"13.3 KiB analyzed of " + render.Bytes(uint64(len(inputs["concatenated"]))) + ",", "13.3 KiB,"},
	}
	truncated := int64(len(inputs["truncated"]))
	for _, c := range cases {
		path := filepath.Join(dir, c.input)
		if err := os.WriteFile(path, inputs[c.input], 0o644); err != nil {
			t.Fatal(err)
		}
		for _, viaStdin := range []bool{false, true} {
			arg, stdin, wantInput, wantHeader := path, []byte(nil), c.inputBytes, c.header
			if viaStdin {
				arg, stdin, wantInput, wantHeader = "-", inputs[c.input], c.stdinBytes, c.stdinHeader
			}
			_, out, _ := gotrace(t, stdin, "analyze", "--format", "json", arg)
			r := report(t, out)
			if r.Source.Bytes != c.bytes || r.Source.InputBytes != wantInput {
				t.Errorf("%s (stdin %v): bytes %d, input_bytes %d; want %d, %d", c.input, viaStdin, r.Source.Bytes, r.Source.InputBytes, c.bytes, wantInput)
			}
			_, text, _ := gotrace(t, stdin, "analyze", arg)
			if line := strings.Split(text, "\n")[1]; !strings.Contains(line, "), "+wantHeader+" ") {
				t.Errorf("%s (stdin %v): header line %q lacks %q", c.input, viaStdin, line, wantHeader)
			}
		}
	}
	// A truncated trace: the analyzed part, of the whole file or stream.
	path := filepath.Join(dir, "truncated")
	if err := os.WriteFile(path, inputs["truncated"], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{path}, {"-"}} {
		_, out, _ := gotrace(t, inputs["truncated"], append([]string{"analyze", "--format", "json"}, args...)...)
		r := report(t, out)
		if r.Source.InputBytes != truncated || r.Source.Bytes <= 0 || r.Source.Bytes+r.Trace.LostBytes != truncated {
			t.Errorf("truncated %v: bytes %d + lost %d, input_bytes %d; want a sum of %d", args, r.Source.Bytes, r.Trace.LostBytes, r.Source.InputBytes, truncated)
		}
	}
}
