package main

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reportJSON analyzes a committed trace and returns its JSON report, as a
// map to edit.
func reportJSON(t *testing.T, trace string) map[string]any {
	t.Helper()
	code, out, errOut := gotrace(t, nil, "analyze", "--format", "json", repoFile("traces", trace))
	if code != 0 {
		t.Fatalf("analyze %s: exit %d: %s", trace, code, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func writeFile(t *testing.T, path string, v any) string {
	t.Helper()
	var b []byte
	switch v := v.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckHostileBaselines: the check rows of the hostile-input table.
func TestCheckHostileBaselines(t *testing.T) {
	dir := t.TempDir()
	small := repoFile("traces", "small.trace")
	a, b := reportJSON(t, "small.trace"), reportJSON(t, "multigen.trace")
	aPath := writeFile(t, filepath.Join(dir, "a.json"), a)
	bPath := writeFile(t, filepath.Join(dir, "b.json"), b)
	aJSON, _ := os.ReadFile(aPath)

	huge := reportJSON(t, "small.trace")
	hm := huge["metrics"].(map[string]any)
	for _, k := range []string{"sched.latency.p50_ns", "sched.latency.p99_ns", "gc.stw.max_ns", "procs.utilization"} {
		hm[k] = 1.8e306
	}
	hugePath := writeFile(t, filepath.Join(dir, "huge.json"), huge)

	other := reportJSON(t, "small.trace")
	other["run"] = map[string]any{"workload": "many", "params": map[string]string{"n": "10", "hold": "0s"}}
	mine := reportJSON(t, "multigen.trace")
	mine["run"] = map[string]any{"workload": "many", "params": map[string]string{"n": "100000", "hold": "0s"}}
	otherSet := writeFile(t, filepath.Join(dir, "other.json"), map[string]any{"schema": 1, "kind": "gotrace.reportset", "env": map[string]any{"workload": "many", "params": map[string]string{"n": "10", "hold": "0s"}}, "reports": []any{other}})
	mineSet := writeFile(t, filepath.Join(dir, "mine.json"), map[string]any{"schema": 1, "kind": "gotrace.reportset", "env": map[string]any{"workload": "many", "params": map[string]string{"n": "100000", "hold": "0s"}}, "reports": []any{mine}})

	multi, _ := os.ReadFile(repoFile("traces", "multigen.trace"))
	cut := writeFile(t, filepath.Join(dir, "cut.trace"), multi[:len(multi)*3/4])

	cases := []struct {
		name   string
		args   []string
		code   int
		output string // in stdout+stderr
	}{
		{"empty reports", []string{"check", "--baseline", writeFile(t, filepath.Join(dir, "empty.json"), `{"schema":1,"kind":"gotrace.reportset","reports":[{},{},{},{},{}]}`), small}, 2, "report 0 of the set holds no metrics: not a gotrace report"},
		{"same file repeated", []string{"check", "--baseline", aPath, "--baseline", aPath, "--baseline", aPath, "--baseline", aPath, bPath, bPath, bPath, bPath}, 2, "baseline samples " + aPath + " and " + aPath + " are the same trace"},
		{"bom", []string{"check", "--exact", "--baseline", writeFile(t, filepath.Join(dir, "bom.json"), append([]byte("\xef\xbb\xbf"), aJSON...)), small}, 0, "PASS"},
		// procs.utilization falls from the clamped 1e18: a regression.
		{"huge values", []string{"check", "--exact", "--format", "json", "--baseline", hugePath, small}, 1, `"status": "fail"`},
		{"huge values text", []string{"check", "--exact", "--baseline", hugePath, small}, 1, "is past what any trace measures; taken as 1e+18"},
		{"parameters differ", []string{"check", "--exact", "--baseline", otherSet, mineSet}, 1, "environment differs from the baseline (baseline vs current): parameter n 10 vs 100000;"},
		{"lost data", []string{"check", "--max", "goroutines.leaked=10", cut}, 3, "not comparable: current: " + cut + ": the trace is truncated"},
		{"lost data allowed", []string{"check", "--allow-partial", "--max", "goroutines.leaked=10", cut}, 0, "budget ok"},
	}
	for _, c := range cases {
		code, out, errOut := gotrace(t, nil, c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.output) {
			t.Errorf("%s: exit %d (want %d), output lacks %q:\n%s%s", c.name, code, c.code, c.output, out, errOut)
		}
		for _, bad := range []string{"Inf", "NaN", "-9223372036854775808", "--9"} {
			if strings.HasPrefix(c.name, "huge values") && strings.Contains(out, bad) {
				t.Errorf("%s: output holds %q", c.name, bad)
			}
		}
	}
}

// TestMemoryJSONBomb: a 1 MB gzip baseline that inflates to 1 GB of JSON is
// refused once the limit is read, in bounded memory.
func TestMemoryJSONBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 130 MB")
	}
	base := baseRSS(t)
	path := filepath.Join(t.TempDir(), "bomb.json.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	zw.Write([]byte(`{"schema": 1, "metrics": {"a": 1}, "pad": "`))
	pad := make([]byte, 1<<20)
	for i := range pad {
		pad[i] = ' '
	}
	for range 1024 {
		zw.Write(pad)
	}
	zw.Write([]byte(`"}`))
	zw.Close()
	f.Close()
	st, _ := os.Stat(path)
	p := child(t, "gotrace", nil, "check", "--baseline", path, "--exact", repoFile("traces", "small.trace"))
	t.Logf("%d-byte gzip: exit %d, peak %s (base %s), %.2fs: %s", st.Size(), p.code, mib(p.peakRSS), mib(base), p.wall.Seconds(), strings.TrimSpace(p.stderr))
	if p.code != exitUsage || !strings.Contains(p.stderr, "report JSON larger than 128 MiB, the limit") {
		t.Errorf("exit %d, %q", p.code, p.stderr)
	}
	// Reading to the limit takes it, and at most as much again while the
	// buffer grows.
	if p.peakRSS > base+2*128*mb+32*mb {
		t.Errorf("peak %s; want at most 288 MiB above the base %s", mib(p.peakRSS), mib(base))
	}
}
