package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/check"
)

// The golden files are rewritten with: go test ./analyzer/render -run Check -update
// The flag is defined here only if another test file of the package has not
// defined it already (init runs after every file's package-level vars).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	b, _ := g.Get().(bool)
	return b
}

// samples makes n samples; f gives each metric's value for sample i.
func samples(n int, env analyzer.Env, prefix string, f func(i int) map[string]float64) *check.Samples {
	s := &check.Samples{Env: env}
	for i := 0; i < n; i++ {
		s.Values = append(s.Values, f(i))
		s.Sources = append(s.Sources, prefix+"-"+string(rune('0'+i%10))+".trace")
	}
	return s
}

func metricsAt(i int, p50, p99, util, stwMax, stwTotal, leaked, switches float64) map[string]float64 {
	j := float64(i%5) - 2 // -2..2: a little deterministic spread
	return map[string]float64{
		"sched.latency.p50_ns": p50 * (1 + 0.01*j),
		"sched.latency.p99_ns": p99 * (1 + 0.02*j),
		"procs.utilization":    util * (1 + 0.005*j),
		"gc.stw.max_ns":        stwMax * (1 + 0.03*j),
		"gc.stw.total_ns":      stwTotal * (1 + 0.02*j),
		"goroutines.leaked":    leaked,
		"switches.per_sec":     switches * (1 + 0.01*j),
		"goroutines.created":   1000,
		// The wall time, blocking and GC gates, the same on every side
		// unless a case changes them.
		"trace.duration_ns":               300e6 * (1 + 0.01*j),
		"block.class.sync.completed_ns":   900e6 * (1 + 0.02*j),
		"block.class.chan.completed_ns":   40e6 * (1 + 0.02*j),
		"block.class.select.completed_ns": 0,
		"procs.gc_utilization":            0.03 * (1 + 0.02*j),
	}
}

var (
	ciEnv    = analyzer.Env{GoVersion: "go1.26.8", GOMAXPROCS: 4, NumCPU: 4, GOOS: "linux", GOARCH: "amd64", Workload: "mutex"}
	ciEnvCur = analyzer.Env{GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2, GOOS: "linux", GOARCH: "amd64", Workload: "mutex"}
)

func checkCases(t *testing.T) map[string]*check.Result {
	t.Helper()
	mk := func(base, cur *check.Samples, opts check.Options) *check.Result {
		res, err := check.Compare(base, cur, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	base := samples(10, ciEnv, "base", func(i int) map[string]float64 {
		return metricsAt(i, 21_000, 850_000, 0.62, 48_000, 310_000, 0, 140_000)
	})
	worse := samples(10, ciEnvCur, "cur", func(i int) map[string]float64 {
		m := metricsAt(i, 22_000, 1_240_000, 0.55, 49_000, 305_000, 1, 150_000)
		m["goroutines.created"] = 1500
		m["trace.duration_ns"] *= 1.3
		m["block.class.sync.completed_ns"] *= 1.8
		if i == 3 {
			m["goroutines.leaked"] = 3
		}
		return m
	})
	same := samples(10, ciEnv, "cur", func(i int) map[string]float64 {
		return metricsAt(i+1, 21_000, 850_000, 0.62, 48_000, 310_000, 0, 140_000)
	})
	few := samples(3, ciEnv, "cur", func(i int) map[string]float64 {
		return metricsAt(i, 30_000, 850_000, 0.62, 48_000, 310_000, 0, 140_000)
	})
	return map[string]*check.Result{
		"check_fail": mk(base, worse, check.Options{
			Metrics:    append(check.Gated(), "goroutines.created"),
			Thresholds: map[string]float64{"gc.stw.max_ns": 30},
			Max:        map[string]float64{"goroutines.leaked": 0, "sched.latency.p99_ns": 2e6},
			Min:        map[string]float64{"procs.utilization": 0.5},
		}),
		"check_pass": mk(base, same, check.Options{
			Max: map[string]float64{"goroutines.leaked": 0},
		}),
		"check_budgets_only": mk(nil, same, check.Options{
			Max: map[string]float64{"goroutines.leaked": 0, "sched.latency.p99_ns": 1e6},
			Min: map[string]float64{"procs.utilization": 0.6},
		}),
		"check_insufficient": mk(base, few, check.Options{}),
		"check_familywise":   mk(base, worse, check.Options{FamilyWise: true}),
	}
}

func TestCheckGolden(t *testing.T) {
	for name, res := range checkCases(t) {
		for _, f := range []struct {
			ext string
			fn  func(*bytes.Buffer, *check.Result) error
		}{
			{".txt", func(b *bytes.Buffer, r *check.Result) error { return CheckText(b, r) }},
			{".md", func(b *bytes.Buffer, r *check.Result) error { return CheckMarkdown(b, r) }},
		} {
			t.Run(name+f.ext, func(t *testing.T) {
				var buf bytes.Buffer
				if err := f.fn(&buf, res); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", name+f.ext)
				if updateGolden() {
					if err := os.MkdirAll("testdata", 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got := buf.String(); got != string(want) {
					t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
				}
			})
		}
	}
}

func TestCheckOutputContent(t *testing.T) {
	cases := checkCases(t)
	res := cases["check_fail"]
	if res.ExitCode() != check.ExitFail {
		t.Fatalf("fail case exits %d", res.ExitCode())
	}
	var txt, md bytes.Buffer
	if err := CheckText(&txt, res); err != nil {
		t.Fatal(err)
	}
	if err := CheckMarkdown(&md, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"gotrace check: FAIL: 4 regressions (trace.duration_ns, procs.utilization, block.class.sync.completed_ns, goroutines.leaked), 1 broken budget (goroutines.leaked)",
		"warning: environment differs from the baseline (baseline vs current): GOMAXPROCS 4 vs 2, CPU count 4 vs 2",
		"│ trace.duration_ns               │    300ms │   390ms │ +30.0% │      +10% │ 0.000 │ 10+10 │ regressed │",
		"│ procs.utilization               │    62.0% │   55.0% │ -11.3% │       -5% │ 0.000 │ 10+10 │ regressed │",
		"│ block.class.sync.completed_ns   │    900ms │   1.62s │ +80.0% │      +20% │ 0.000 │ 10+10 │ regressed │",
		"│ goroutines.leaked               │        0 │       1 │ +1 abs │       +0% │ 0.000 │ 10+10 │ regressed │",
		"│ goroutines.created              │    1,000 │   1,500 │ +50.0% │      ±10% │ 0.000 │ 10+10 │ changed   │",
		"│ goroutines.leaked    │      max 0 │            3 │       10 of 10 │ budget broken │",
		"140k/s", "goroutines.leaked (max): worst sample: cur-3.trace",
	} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, txt.String())
		}
	}
	for _, want := range []string{
		"## gotrace check: ❌ fail",
		"> **Warning:** `environment differs",
		"| `trace.duration_ns` ",
		"**regressed**",
		"### Budgets",
		"**budget broken**",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown output lacks %q:\n%s", want, md.String())
		}
	}
	for name, r := range cases {
		var js bytes.Buffer
		if err := JSON(&js, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var back check.Result
		if err := json.Unmarshal(js.Bytes(), &back); err != nil {
			t.Fatalf("%s: JSON does not read back: %v", name, err)
		}
		if back.Status != r.Status || len(back.Rows) != len(r.Rows) || back.ExitCode() != r.ExitCode() {
			t.Errorf("%s: JSON round trip: %+v", name, back)
		}
	}
}

func TestCheckValue(t *testing.T) {
	for _, tt := range []struct {
		unit string
		v    float64
		want string
	}{
		{check.UnitNS, 1_234_567.4, "1.23ms"},
		{check.UnitNS, -2500, "-2.50µs"},
		{check.UnitRatio, 0.625, "62.5%"},
		{check.UnitBytes, 1536, "1.50 KiB"},
		{check.UnitPerSec, 140_000, "140k/s"},
		{check.UnitCount, 12345, "12,345"},
		{check.UnitCount, 2.5, "2.5"},
	} {
		if got := checkValue(tt.unit, tt.v); got != tt.want {
			t.Errorf("checkValue(%s, %v) = %q, want %q", tt.unit, tt.v, got, tt.want)
		}
	}
}
