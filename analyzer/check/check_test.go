package check

import (
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/findings"
)

// gen draws n samples of every gated metric (and goroutines.created) around
// the given medians with relative noise cv (normal), from a fixed seed.
// scale multiplies the named metric.
type gen struct {
	rng *rand.Rand
	cv  float64
}

func newGen(seed uint64, cv float64) *gen {
	return &gen{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), cv: cv}
}

var centers = map[string]float64{
	"trace.duration_ns":                   300e6,
	"block.class.sync.completed_ns":       1e9,
	"block.class.chan.completed_ns":       50e6,
	"block.class.select.completed_ns":     10e6,
	"procs.gc_utilization":                0.05,
	"sched.latency.p50_ns":                20_000,
	"sched.latency.p99_ns":                900_000,
	"procs.utilization":                   0.80,
	"gc.stw.max_ns":                       60_000,
	"gc.stw.total_ns":                     400_000,
	"goroutines.leaked":                   0,
	"switches.per_sec":                    150_000,
	"goroutines.created":                  1000,
	"task.request.latency.p99_ns":         5e6,
	"task.request.critical.running_share": 0.4,
}

// samples makes n samples; shift maps a metric to a factor on its center.
func (g *gen) samples(n int, env analyzer.Env, shift map[string]float64) *Samples {
	s := &Samples{Env: env}
	names := make([]string, 0, len(centers))
	for k := range centers {
		names = append(names, k)
	}
	sort.Strings(names) // draw in a fixed order: map order would make the test random
	for i := 0; i < n; i++ {
		m := map[string]float64{}
		for _, k := range names {
			c := centers[k]
			f := 1.0
			if x, ok := shift[k]; ok {
				f = x
			}
			v := c * f * (1 + g.cv*g.rng.NormFloat64())
			if k == "goroutines.leaked" || k == "goroutines.created" {
				v = math.Round(c * f)
			}
			m[k] = v
		}
		s.Values = append(s.Values, m)
		s.Sources = append(s.Sources, "s"+string(rune('a'+i%26)))
	}
	return s
}

// constSamples makes n samples where metric has the given values in turn.
func constSamples(metric string, vals ...float64) *Samples {
	s := &Samples{}
	for i, v := range vals {
		s.Values = append(s.Values, map[string]float64{metric: v})
		s.Sources = append(s.Sources, "x"+string(rune('0'+i%10)))
	}
	return s
}

var env1 = analyzer.Env{GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2, GOOS: "linux", GOARCH: "amd64", Workload: "fanout"}

func rowOf(t *testing.T, r *Result, metric string) Row {
	t.Helper()
	for _, row := range r.Rows {
		if row.Metric == metric {
			return row
		}
	}
	t.Fatalf("no row for %s in %+v", metric, r.Rows)
	return Row{}
}

func TestCompareVerdicts(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		cv       float64
		metric   string
		shift    float64
		want     Verdict
		exit     int
		noteHas  string
		explicit bool // name the metric in Options.Metrics
	}{
		{name: "20% longer trace regresses", n: 10, cv: 0.05, metric: "trace.duration_ns", shift: 1.2, want: Regressed, exit: 1},
		{name: "sync blocking up 50% regresses", n: 10, cv: 0.05, metric: "block.class.sync.completed_ns", shift: 1.5, want: Regressed, exit: 1},
		{name: "chan blocking up 50% regresses", n: 10, cv: 0.05, metric: "block.class.chan.completed_ns", shift: 1.5, want: Regressed, exit: 1},
		{name: "GC share up 50% regresses", n: 10, cv: 0.05, metric: "procs.gc_utilization", shift: 1.5, want: Regressed, exit: 1},
		{name: "p50 latency is reported, not gated", n: 10, cv: 0.05, metric: "sched.latency.p50_ns", shift: 1.2, want: Changed, exit: 0, noteHas: "reported, not gated"},
		{name: "p99 latency falling is not an improvement", n: 10, cv: 0.05, metric: "sched.latency.p99_ns", shift: 0.3, want: Changed, exit: 0},
		{name: "20% worse p50 regresses when named", n: 10, cv: 0.05, metric: "sched.latency.p50_ns", shift: 1.2, want: Regressed, exit: 1, explicit: true},
		{name: "30% worse p99 regresses when named", n: 10, cv: 0.05, metric: "sched.latency.p99_ns", shift: 1.3, want: Regressed, exit: 1, explicit: true},
		{name: "same distribution", n: 10, cv: 0.05, metric: "trace.duration_ns", shift: 1, want: Unchanged, exit: 0},
		{name: "significant but below threshold", n: 10, cv: 0.005, metric: "trace.duration_ns", shift: 1.05, want: Unchanged, exit: 0, noteHas: "within the 10% threshold"},
		{name: "20% better latency improves when named", n: 10, cv: 0.05, metric: "sched.latency.p50_ns", shift: 0.8, want: Improved, exit: 0, explicit: true},
		{name: "utilization drop regresses", n: 10, cv: 0.02, metric: "procs.utilization", shift: 0.85, want: Regressed, exit: 1},
		{name: "utilization rise improves", n: 10, cv: 0.02, metric: "procs.utilization", shift: 1.15, want: Improved, exit: 0},
		{name: "stw max 20% is within its 25%", n: 10, cv: 0.01, metric: "gc.stw.max_ns", shift: 1.2, want: Unchanged, exit: 0},
		{name: "switch rate up 40% regresses", n: 10, cv: 0.05, metric: "switches.per_sec", shift: 1.4, want: Regressed, exit: 1},
		{name: "neutral metric changes, never regresses", n: 10, cv: 0.05, metric: "goroutines.created", shift: 2, want: Changed, exit: 0, explicit: true},
		{name: "3 samples a side is insufficient", n: 3, cv: 0.05, metric: "trace.duration_ns", shift: 1.5, want: Insufficient, exit: 3, noteHas: "need at least 4 samples"},
		{name: "request p99 up 40% regresses when named", n: 10, cv: 0.05, metric: "task.request.latency.p99_ns", shift: 1.4, want: Regressed, exit: 1, explicit: true},
		{name: "request p99 up 15% is within its 25%", n: 10, cv: 0.01, metric: "task.request.latency.p99_ns", shift: 1.15, want: Unchanged, exit: 0, explicit: true, noteHas: "within the 25% threshold"},
		{name: "a critical-path share is neutral", n: 10, cv: 0.05, metric: "task.request.critical.running_share", shift: 2, want: Changed, exit: 0, explicit: true},
		{name: "4 samples a side suffice", n: 4, cv: 0.01, metric: "trace.duration_ns", shift: 1.5, want: Regressed, exit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGen(1, tt.cv)
			base := g.samples(tt.n, env1, nil)
			cur := g.samples(tt.n, env1, map[string]float64{tt.metric: tt.shift})
			opts := Options{}
			if tt.explicit {
				opts.Metrics = []string{tt.metric}
			}
			res, err := Compare(base, cur, opts)
			if err != nil {
				t.Fatal(err)
			}
			row := rowOf(t, res, tt.metric)
			if row.Verdict != tt.want {
				t.Errorf("verdict %q, want %q (row %+v, p=%v)", row.Verdict, tt.want, row, pv(row.P))
			}
			if got := res.ExitCode(); got != tt.exit {
				t.Errorf("exit %d, want %d; rows %+v", got, tt.exit, res.Rows)
			}
			if tt.noteHas != "" && !strings.Contains(row.Note, tt.noteHas) {
				t.Errorf("note %q does not contain %q", row.Note, tt.noteHas)
			}
			// Every other gated metric drew from the same distribution
			// with little noise: none of them may fail.
			for _, r := range res.Rows {
				if r.Metric != tt.metric && r.Verdict == Regressed {
					t.Errorf("unshifted %s regressed: %+v", r.Metric, r)
				}
			}
		})
	}
}

func pv(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func TestCompareRowsInGatedOrder(t *testing.T) {
	g := newGen(2, 0.05)
	res, err := Compare(g.samples(5, env1, nil), g.samples(5, env1, nil), Options{
		Thresholds: map[string]float64{"gc.assist_ns": 30, "sched.latency.p50_ns": 12},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, r.Metric)
	}
	want := append(append(Gated(), Reported()...), "gc.assist_ns")
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rows\n%v\nwant\n%v", got, want)
	}
	if r := rowOf(t, res, "sched.latency.p50_ns"); r.ThresholdPct != 12 {
		t.Errorf("threshold override not used: %v", r.ThresholdPct)
	}
	// gc.assist_ns is in no sample: insufficient, exit 3.
	if r := rowOf(t, res, "gc.assist_ns"); r.Verdict != Insufficient || r.Note != "no sample has this metric" {
		t.Errorf("missing metric row: %+v", r)
	}
	if res.ExitCode() != 3 || res.Status != StatusNotEnough {
		t.Errorf("exit %d status %q, want 3", res.ExitCode(), res.Status)
	}
}

func TestCompareEdgeCases(t *testing.T) {
	t.Run("leak from zero", func(t *testing.T) {
		base := constSamples("goroutines.leaked", 0, 0, 0, 0, 0, 0)
		cur := constSamples("goroutines.leaked", 1, 1, 1, 1, 2, 1)
		res, err := Compare(base, cur, Options{Metrics: []string{"goroutines.leaked"}})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Rows[0]
		if r.Verdict != Regressed || r.DeltaPct != nil || r.Delta != 1 {
			t.Errorf("row %+v p=%v", r, pv(r.P))
		}
		if !strings.Contains(r.Note, "absolute change") {
			t.Errorf("note %q should say the change is judged absolute", r.Note)
		}
	})
	t.Run("identical samples", func(t *testing.T) {
		base := constSamples("sched.latency.p50_ns", 5000, 5000, 5000, 5000, 5000)
		cur := constSamples("sched.latency.p50_ns", 5000, 5000, 5000, 5000, 5000)
		res, err := Compare(base, cur, Options{Metrics: []string{"sched.latency.p50_ns"}})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Rows[0]
		if r.Verdict != Unchanged || r.P == nil || *r.P != 1 || r.DeltaPct == nil || *r.DeltaPct != 0 {
			t.Errorf("row %+v p=%v", r, pv(r.P))
		}
		if res.ExitCode() != 0 {
			t.Errorf("exit %d", res.ExitCode())
		}
	})
	t.Run("both zero", func(t *testing.T) {
		base := constSamples("gc.stw.max_ns", 0, 0, 0, 0)
		cur := constSamples("gc.stw.max_ns", 0, 0, 0, 0)
		res, err := Compare(base, cur, Options{Metrics: []string{"gc.stw.max_ns"}})
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Rows[0]; r.Verdict != Unchanged || r.DeltaPct != nil || r.Note != "" {
			t.Errorf("row %+v", r)
		}
	})
	t.Run("NaN ignored", func(t *testing.T) {
		base := constSamples("sched.latency.p50_ns", 100, 101, 102, 103, 104)
		cur := constSamples("sched.latency.p50_ns", 100, math.NaN(), 102, 103, math.Inf(1), 101)
		res, err := Compare(base, cur, Options{Metrics: []string{"sched.latency.p50_ns"}})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Rows[0]
		if r.CurN != 4 || r.Verdict != Unchanged || !strings.Contains(r.Note, "2 non-finite values ignored") {
			t.Errorf("row %+v", r)
		}
		if _, err := json.Marshal(res); err != nil {
			t.Errorf("result must encode as JSON: %v", err)
		}
	})
	t.Run("NaN leaves too few", func(t *testing.T) {
		base := constSamples("sched.latency.p50_ns", 100, 101, 102, 103)
		cur := constSamples("sched.latency.p50_ns", 200, math.NaN(), 202, 203)
		res, _ := Compare(base, cur, Options{Metrics: []string{"sched.latency.p50_ns"}})
		if r := res.Rows[0]; r.Verdict != Insufficient {
			t.Errorf("row %+v", r)
		}
	})
	t.Run("alpha below the smallest reachable p", func(t *testing.T) {
		base := constSamples("sched.latency.p50_ns", 100, 101, 102, 103)
		cur := constSamples("sched.latency.p50_ns", 200, 201, 202, 203)
		res, err := Compare(base, cur, Options{Alpha: 0.01, Metrics: []string{"sched.latency.p50_ns"}})
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Rows[0]; r.Verdict != Insufficient || !strings.Contains(r.Note, "cannot reach p < 0.01") {
			t.Errorf("row %+v", r)
		}
	})
	t.Run("exact", func(t *testing.T) {
		base := constSamples("goroutines.leaked", 0)
		cur := constSamples("goroutines.leaked", 2)
		res, err := Compare(base, cur, Options{Exact: true})
		if err != nil {
			t.Fatal(err)
		}
		if r := rowOf(t, res, "goroutines.leaked"); r.Verdict != Regressed || r.P != nil {
			t.Errorf("row %+v", r)
		}
		// The other gated metrics are in no sample.
		if res.ExitCode() != 1 {
			t.Errorf("exit %d", res.ExitCode())
		}
	})
	t.Run("regression wins over insufficient", func(t *testing.T) {
		g := newGen(3, 0.01)
		base := g.samples(6, env1, nil)
		cur := g.samples(6, env1, map[string]float64{"trace.duration_ns": 1.5})
		res, err := Compare(base, cur, Options{Thresholds: map[string]float64{"gc.assist_ns": 10}})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Insufficient || res.Regressions != 1 || res.ExitCode() != 1 || res.Status != StatusFail {
			t.Errorf("insufficient %v regressions %d exit %d", res.Insufficient, res.Regressions, res.ExitCode())
		}
	})
}

func TestBudgets(t *testing.T) {
	cur := &Samples{Sources: []string{"a", "b", "c", "d"}}
	for i, v := range []struct{ leaked, util, p99 float64 }{{0, 0.9, 800e3}, {0, 0.85, 900e3}, {2, 0.7, 1.2e6}, {0, 0.95, 2e6}} {
		_ = i
		cur.Values = append(cur.Values, map[string]float64{"goroutines.leaked": v.leaked, "procs.utilization": v.util, "sched.latency.p99_ns": v.p99})
	}
	tests := []struct {
		name     string
		max, min map[string]float64
		want     []Verdict
		broken   []int
		worst    []string
		exit     int
	}{
		{name: "max holds", max: map[string]float64{"goroutines.leaked": 2}, want: []Verdict{BudgetOK}, broken: []int{0}, worst: []string{"c"}, exit: 0},
		{name: "max breaks", max: map[string]float64{"goroutines.leaked": 0}, want: []Verdict{BudgetBroken}, broken: []int{1}, worst: []string{"c"}, exit: 1},
		{name: "min holds", min: map[string]float64{"procs.utilization": 0.7}, want: []Verdict{BudgetOK}, broken: []int{0}, worst: []string{"c"}, exit: 0},
		{name: "min breaks", min: map[string]float64{"procs.utilization": 0.8}, want: []Verdict{BudgetBroken}, broken: []int{1}, worst: []string{"c"}, exit: 1},
		{
			name: "several, in spec order, max before min",
			max:  map[string]float64{"goroutines.leaked": 0, "sched.latency.p99_ns": 1e6, "procs.utilization": 1},
			min:  map[string]float64{"procs.utilization": 0.5},
			want: []Verdict{BudgetOK, BudgetOK, BudgetBroken, BudgetBroken}, broken: []int{0, 0, 1, 2}, worst: []string{"d", "c", "c", "d"}, exit: 1,
		},
		{name: "metric in no sample", max: map[string]float64{"gc.stw.max_ns": 1}, want: []Verdict{Insufficient}, broken: []int{0}, worst: []string{""}, exit: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(nil, cur, Options{Max: tt.max, Min: tt.min})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) != 0 || res.Baseline != nil {
				t.Errorf("no baseline: want no comparison rows, got %+v", res.Rows)
			}
			if len(res.Budgets) != len(tt.want) {
				t.Fatalf("budgets %+v", res.Budgets)
			}
			for i, b := range res.Budgets {
				if b.Verdict != tt.want[i] || b.Broken != tt.broken[i] || b.WorstSource != tt.worst[i] {
					t.Errorf("budget %d: %+v; want %s, %d broken, worst %q", i, b, tt.want[i], tt.broken[i], tt.worst[i])
				}
			}
			if res.ExitCode() != tt.exit {
				t.Errorf("exit %d, want %d", res.ExitCode(), tt.exit)
			}
		})
	}
	res, _ := Compare(nil, cur, Options{Max: map[string]float64{"goroutines.leaked": 0}})
	if b := res.Budgets[0]; b.Broken != 1 || b.Worst != 2 || b.N != 4 || b.WorstSource != "c" {
		t.Errorf("budget %+v", b)
	}
}

func TestEnvWarning(t *testing.T) {
	g := newGen(4, 0.05)
	tests := []struct {
		name string
		cur  analyzer.Env
		want string // "" = no warning
	}{
		{"same", env1, ""},
		{"format range matches release", analyzer.Env{GoVersion: "go1.26+", GOMAXPROCS: 2}, ""},
		{"unknown fields are not compared", analyzer.Env{}, ""},
		{"gomaxprocs", analyzer.Env{GoVersion: "go1.26.8", GOMAXPROCS: 4, NumCPU: 4, GOOS: "linux", GOARCH: "amd64"}, "environment differs from the baseline (baseline vs current): GOMAXPROCS 2 vs 4, CPU count 2 vs 4"},
		{"go version", analyzer.Env{GoVersion: "go1.23-1.24"}, "Go version go1.26.8 vs go1.23-1.24"},
		{"os/arch", analyzer.Env{GOOS: "darwin", GOARCH: "arm64"}, "OS/arch linux/amd64 vs darwin/arm64"},
		{"godebug", analyzer.Env{Workload: "fanout", GODEBUG: "asyncpreemptoff=1"}, "GODEBUG (none) vs asyncpreemptoff=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(g.samples(4, env1, nil), g.samples(4, tt.cur, nil), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(res.Warnings, "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("warnings %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGoVersionCompatible(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"go1.26.8", "go1.26.8", true},
		{"go1.26.8", "go1.26.1", false},
		{"go1.26.8", "go1.26+", true},
		{"go1.27.0", "go1.26+", true},
		{"go1.25.3", "go1.26+", false},
		{"go1.24.1", "go1.23-1.24", true},
		{"go1.22.0", "go1.23-1.24", false},
		{"go1.21", "go1.21.13", true},
		{"go1.19-1.20", "go1.11-1.18", false},
		{"devel +abc", "devel +abc", true},
		{"devel +abc", "go1.26.1", false},
	}
	for _, tt := range tests {
		if got := goVersionCompatible(tt.a, tt.b); got != tt.want {
			t.Errorf("goVersionCompatible(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCompareErrors(t *testing.T) {
	g := newGen(5, 0.05)
	base, cur := g.samples(4, env1, nil), g.samples(4, env1, nil)
	cur.Values[0]["workload.custom_ns"] = 5 // a metric only the samples know
	tests := []struct {
		name       string
		base       *Samples
		opts       Options
		want       string // substring of the error; "" = no error
		wantAbsent string
	}{
		{name: "threshold typo", base: base, opts: Options{Thresholds: map[string]float64{"sched.latency.p99": 10}}, want: `threshold: unknown metric "sched.latency.p99"; did you mean sched.latency.p99_ns`},
		{name: "budget typo", opts: Options{Max: map[string]float64{"goroutine.leaked": 0}}, want: `max budget: unknown metric "goroutine.leaked"; did you mean goroutines.leaked`},
		{name: "min typo", opts: Options{Min: map[string]float64{"procs.utilisation": 0.5}}, want: "did you mean procs.utilization"},
		{name: "metric nothing close", base: base, opts: Options{Metrics: []string{"zzzzzzzzzz"}}, want: `unknown metric "zzzzzzzzzz"; metric names are the keys of "metrics"`},
		{name: "sample-only metric is known", base: base, opts: Options{Max: map[string]float64{"workload.custom_ns": 10}}},
		{name: "nothing to check", want: "nothing to check"},
		{name: "threshold without baseline", opts: Options{Thresholds: map[string]float64{"procs.utilization": 5}}, want: "need a baseline"},
		{name: "bad alpha", base: base, opts: Options{Alpha: 1.5}, want: "alpha 1.5 out of range"},
		{name: "negative threshold", base: base, opts: Options{Thresholds: map[string]float64{"procs.utilization": -5}}, want: "want a percentage >= 0"},
		{name: "NaN budget", opts: Options{Max: map[string]float64{"goroutines.leaked": math.NaN()}}, want: "not a finite number"},
		{name: "neutral threshold without sign", base: base, opts: Options{Thresholds: map[string]float64{"goroutines.created": 10}}, want: "goroutines.created has no direction of its own, so it would never regress; write goroutines.created=+10 if an increase is a regression"},
		{name: "sample-only threshold without sign", base: base, opts: Options{Thresholds: map[string]float64{"workload.custom_ns": 10}}, want: "workload.custom_ns has no direction"},
		{name: "typo with unsigned threshold is a typo", base: base, opts: Options{Thresholds: map[string]float64{"goroutines.creatd": 10}}, want: `unknown metric "goroutines.creatd"`},
		{name: "neutral threshold with direction", base: base, opts: Options{Thresholds: map[string]float64{"goroutines.created": 10}, Directions: map[string]Direction{"goroutines.created": LowerIsBetter}}},
		{name: "direction typo", base: base, opts: Options{Directions: map[string]Direction{"goroutines.creatd": LowerIsBetter}}, want: `direction: unknown metric "goroutines.creatd"`},
		{name: "min samples negative", base: base, opts: Options{MinSamples: -1}, want: "minimum samples -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.base, cur, tt.opts)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Compare(base, &Samples{}, Options{}); err == nil {
		t.Error("no current samples: want an error")
	}
}

// TestValidateBeforeSamples: the options Compare would refuse whatever the
// samples are refused before any sample exists (check --run validates
// them before it runs a workload).
func TestValidateBeforeSamples(t *testing.T) {
	for _, tt := range []struct {
		opts         Options
		withBaseline bool
		want         string
	}{
		{Options{}, false, "nothing to check"},
		{Options{Alpha: 2}, true, "alpha 2 out of range"},
		{Options{Thresholds: map[string]float64{"goroutines.created": 5}}, true, "has no direction"},
		{Options{Thresholds: map[string]float64{"measure.jobs_per_sec": 5}}, true, "has no direction"},
		{Options{Metrics: []string{"procs.utilization"}}, false, "need a baseline"},
		{Options{Max: map[string]float64{"goroutines.leaked": 0}}, false, ""},
		{Options{Thresholds: map[string]float64{"measure.jobs_per_sec": 5}, Directions: map[string]Direction{"measure.jobs_per_sec": HigherIsBetter}}, true, ""},
	} {
		err := tt.opts.Validate(tt.withBaseline)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%+v, %v) = %v, want %q", tt.opts, tt.withBaseline, err, tt.want)
		}
	}
}

// TestDirectionGatesNeutralMetric: a workload measurement has no direction
// of its own; a signed threshold gives it one and a move the bad way past
// the threshold then regresses, the good way improves.
func TestDirectionGatesNeutralMetric(t *testing.T) {
	base := constSamples("measure.lock_wait_ns", 100, 101, 99, 100, 102, 98)
	up := constSamples("measure.lock_wait_ns", 1000, 1010, 990, 1000, 1020, 980)
	down := constSamples("measure.lock_wait_ns", 10, 11, 9, 10, 12, 8)
	for _, tt := range []struct {
		cur  *Samples
		dir  Direction
		want Verdict
	}{
		{up, LowerIsBetter, Regressed},
		{down, LowerIsBetter, Improved},
		{up, HigherIsBetter, Improved},
		{down, HigherIsBetter, Regressed},
	} {
		res, err := Compare(base, tt.cur, Options{
			Metrics:    []string{"measure.lock_wait_ns"},
			Thresholds: map[string]float64{"measure.lock_wait_ns": 10},
			Directions: map[string]Direction{"measure.lock_wait_ns": tt.dir},
		})
		if err != nil {
			t.Fatal(err)
		}
		row := rowOf(t, res, "measure.lock_wait_ns")
		if row.Verdict != tt.want || row.Direction != tt.dir {
			t.Errorf("direction %v, median %v -> %v: verdict %s (direction %v), want %s", tt.dir, row.BaseMedian, row.CurMedian, row.Verdict, row.Direction, tt.want)
		}
		if wantExit := map[Verdict]int{Regressed: ExitFail, Improved: ExitPass}[tt.want]; res.ExitCode() != wantExit {
			t.Errorf("exit %d, want %d", res.ExitCode(), wantExit)
		}
	}
	// Without a direction the same move is only "changed".
	res, err := Compare(base, up, Options{Metrics: []string{"measure.lock_wait_ns"}})
	if err != nil {
		t.Fatal(err)
	}
	if row := rowOf(t, res, "measure.lock_wait_ns"); row.Verdict != Changed || res.ExitCode() != ExitPass {
		t.Errorf("neutral: verdict %s exit %d, want changed, 0", row.Verdict, res.ExitCode())
	}
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "measure.lock_wait_ns: no direction, so a change is reported but never fails") {
		t.Errorf("warnings %q, want one saying measure.lock_wait_ns has no direction", res.Warnings)
	}
}

func TestSpecs(t *testing.T) {
	names := analyzer.Metrics(&analyzer.Report{})
	maps.Copy(names, findings.Metrics(&analyzer.Report{}))
	seen := map[string]bool{}
	for _, s := range Specs() {
		if _, ok := names[s.Metric]; !ok {
			t.Errorf("spec %s is not a metric of analyzer.Metrics (renamed?)", s.Metric)
		}
		if seen[s.Metric] {
			t.Errorf("spec %s twice", s.Metric)
		}
		seen[s.Metric] = true
		if s.Gated && s.Direction == Neutral {
			t.Errorf("gated %s is neutral: it could never fail", s.Metric)
		}
	}
	for name := range names {
		if !seen[name] {
			t.Errorf("metric %s missing from Specs", name)
		}
	}
	want := "trace.duration_ns procs.utilization block.class.sync.completed_ns block.class.chan.completed_ns block.class.select.completed_ns procs.gc_utilization gc.stw.max_ns gc.stw.total_ns goroutines.leaked switches.per_sec"
	if got := strings.Join(Gated(), " "); got != want {
		t.Errorf("gated %s\nwant %s", got, want)
	}
	if got := strings.Join(Reported(), " "); got != "sched.latency.p50_ns sched.latency.p99_ns" {
		t.Errorf("reported %s", got)
	}
	if s, _ := SpecOf("procs.utilization"); s.Direction != HigherIsBetter || s.Unit != UnitRatio {
		t.Errorf("procs.utilization spec %+v", s)
	}
	for _, m := range []string{"task.request.latency.p99_ns", "region.db_call.latency.p50_ns"} {
		if s, ok := SpecOf(m); !ok || s.Direction != LowerIsBetter || s.Unit != UnitNS {
			t.Errorf("%s spec %+v %v, want lower is better", m, s, ok)
		}
	}
	for _, m := range []string{"task.request.critical.running_share", "task.request.count", "task.request.latency.p42_ns", "sched.x.latency.p99_ns"} {
		if s, _ := SpecOf(m); s.Direction != Neutral {
			t.Errorf("%s spec %+v, want neutral", m, s)
		}
	}
	if s, ok := SpecOf("workload.x_bytes"); ok || s.Direction != Neutral || s.Unit != UnitBytes {
		t.Errorf("unknown spec %+v %v", s, ok)
	}
	b, _ := json.Marshal(Spec{Metric: "x", Direction: LowerIsBetter})
	var back Spec
	if err := json.Unmarshal(b, &back); err != nil || back.Direction != LowerIsBetter || !strings.Contains(string(b), `"direction":"lower"`) {
		t.Errorf("direction JSON %s -> %+v %v", b, back, err)
	}
}

// TestFalsePositiveRate checks the same distribution against itself many
// times. Per metric, a regression needs p < alpha in the bad direction
// (about alpha/2) and a median change past the threshold; the noise here is
// wide (30%) so the thresholds hide little of the test's own false-positive
// rate. A whole check compares several metrics, so without FamilyWise it
// fails more often than alpha; with it, at most about alpha.
func TestFalsePositiveRate(t *testing.T) {
	const pairs = 200
	for _, fw := range []bool{false, true} {
		g := newGen(42, 0.30)
		var sig, regressedMetric, failedCheck, rows int
		for i := 0; i < pairs; i++ {
			base := g.samples(10, env1, nil)
			cur := g.samples(10, env1, nil)
			res, err := Compare(base, cur, Options{FamilyWise: fw})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Rows {
				if r.Metric == "goroutines.leaked" || r.Direction == Neutral {
					continue // identical constants, p = 1; reported-only rows cannot fail
				}
				rows++
				if *r.P < DefaultAlpha {
					sig++
				}
				if r.Verdict == Regressed {
					regressedMetric++
				}
			}
			if res.ExitCode() == ExitFail {
				failedCheck++
			}
		}
		sigRate := float64(sig) / float64(rows)
		metricRate := float64(regressedMetric) / float64(rows)
		checkRate := float64(failedCheck) / pairs
		t.Logf("FamilyWise=%v: %d same-distribution pairs, 10 samples a side, %d noisy gated metrics: raw p<alpha %.3f, regressed per metric %.4f, failed checks %.3f (alpha %.2f)",
			fw, pairs, rows/pairs, sigRate, metricRate, checkRate, DefaultAlpha)
		// Binomial noise on 1200 trials at 0.05 is about 0.006: allow 3 sd.
		if sigRate > DefaultAlpha+0.02 {
			t.Errorf("U test p<alpha rate %.3f, want about %.2f", sigRate, DefaultAlpha)
		}
		if metricRate > DefaultAlpha/2+0.015 {
			t.Errorf("per-metric regression rate %.3f, want <= about alpha/2", metricRate)
		}
		// 200 checks at 0.05: sd 0.015.
		if fw && checkRate > DefaultAlpha+0.03 {
			t.Errorf("FamilyWise: failed-check rate %.3f, want <= about alpha", checkRate)
		}
	}
}

// TestFamilyWisePower: Holm's adjustment still catches a clear regression
// with 10 samples a side, and says when too few samples make it impossible
// (4 a side: the smallest p, 0.029, cannot clear 0.05/7).
func TestFamilyWisePower(t *testing.T) {
	g := newGen(7, 0.05)
	res, err := Compare(g.samples(10, env1, nil), g.samples(10, env1, map[string]float64{"trace.duration_ns": 1.2}), Options{FamilyWise: true})
	if err != nil {
		t.Fatal(err)
	}
	r := rowOf(t, res, "trace.duration_ns")
	if r.Verdict != Regressed || r.PAdjusted == nil || *r.PAdjusted < *r.P || !res.FamilyWise {
		t.Errorf("row %+v", r)
	}
	res, _ = Compare(g.samples(4, env1, nil), g.samples(4, env1, map[string]float64{"trace.duration_ns": 2}), Options{FamilyWise: true})
	if r := rowOf(t, res, "trace.duration_ns"); r.Verdict != Insufficient || !strings.Contains(r.Note, "cannot reach p < 0.005") {
		t.Errorf("row %+v", r)
	}
}

// TestMinDeltaAndGates: a large relative move of a tiny quantity does not
// count; a workload's gate is compared by default and can regress; a gate
// on a metric no sample has is left out.
func TestMinDeltaAndGates(t *testing.T) {
	base := constSamples("procs.gc_utilization", 0.002, 0.0021, 0.0019, 0.002, 0.0022, 0.002)
	cur := constSamples("procs.gc_utilization", 0.004, 0.0041, 0.0039, 0.004, 0.0042, 0.004)
	res, err := Compare(base, cur, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rowOf(t, res, "procs.gc_utilization")
	if r.Verdict != Unchanged || r.MinDelta != 0.01 || !strings.Contains(r.Note, "smaller than the minimum change that counts (1 points)") || res.ExitCode() != 0 {
		t.Errorf("0.2%% -> 0.4%% of CPU in GC: %+v, exit %d", r, res.ExitCode())
	}
	cur = constSamples("procs.gc_utilization", 0.04, 0.041, 0.039, 0.04, 0.042, 0.04)
	if res, _ = Compare(base, cur, Options{}); rowOf(t, res, "procs.gc_utilization").Verdict != Regressed {
		t.Errorf("0.2%% -> 4%%: %+v", rowOf(t, res, "procs.gc_utilization"))
	}

	gate := []Spec{{Metric: "measure.ops_per_sec", Direction: HigherIsBetter, ThresholdPct: 10}, {Metric: "measure.absent", Direction: LowerIsBetter, ThresholdPct: 10}}
	base = constSamples("measure.ops_per_sec", 1000, 1010, 990, 1005, 995, 1000)
	cur = constSamples("measure.ops_per_sec", 700, 710, 690, 705, 695, 700)
	res, err = Compare(base, cur, Options{Gates: gate})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, res, "measure.ops_per_sec"); r.Verdict != Regressed || r.Direction != HigherIsBetter || res.ExitCode() != ExitFail {
		t.Errorf("throughput down 30%%: %+v", r)
	}
	for _, r := range res.Rows {
		if r.Metric == "measure.absent" {
			t.Errorf("a gate no sample has is compared: %+v", r)
		}
	}
	// A threshold overrides the gate's; --metric replaces the default list,
	// the gates included.
	if res, _ = Compare(base, cur, Options{Gates: gate, Thresholds: map[string]float64{"measure.ops_per_sec": 50}}); rowOf(t, res, "measure.ops_per_sec").Verdict != Unchanged {
		t.Errorf("threshold 50%% over the gate's 10%%: %+v", rowOf(t, res, "measure.ops_per_sec"))
	}
	if res, _ = Compare(base, cur, Options{Gates: gate, Metrics: []string{"goroutines.leaked"}}); len(res.Rows) != 1 {
		t.Errorf("--metric with gates: rows %+v", res.Rows)
	}
}

// TestFailedCheckExplains: a failed comparison of samples that carry
// reports has the diff of their top changes; a passing one has none.
func TestFailedCheckExplains(t *testing.T) {
	mk := func(dur int64, n int) *Samples {
		set := &analyzer.ReportSet{}
		for i := range n {
			r := &analyzer.Report{Trace: analyzer.TraceInfo{DurationNS: dur + int64(i)*1e5}}
			r.Blocking.ByReason = []analyzer.BlockReason{{Reason: "sync", Count: 10, TotalNS: 2 * dur, Stacks: 1,
				Top: []analyzer.StackTime{{Stack: []analyzer.Frame{{Func: "sync.(*Mutex).Lock"}, {Func: "main.work", File: "main.go", Line: 7}}, Count: 10, TotalNS: 2 * dur}}}}
			set.Reports = append(set.Reports, r)
		}
		return FromReports(set)
	}
	base, slow := mk(100e6, 6), mk(300e6, 6)
	res, err := Compare(base, slow, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode() != ExitFail || res.Diff == nil || len(res.Diff.Blocking) != 1 || res.Diff.Blocking[0].User == nil || res.Diff.Blocking[0].User.Line != 7 {
		t.Fatalf("exit %d, diff %+v", res.ExitCode(), res.Diff)
	}
	if res, _ := Compare(base, mk(100e6, 6), Options{}); res.ExitCode() != ExitPass || res.Diff != nil {
		t.Errorf("passing check: exit %d, diff %v", res.ExitCode(), res.Diff != nil)
	}
}
