package workloads

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// childEnv makes the test binary act as the gotrace binary's hidden
// subcommand: TestMain runs ChildMain instead of the tests. With the value
// "crash" it crashes instead, like a workload with a bug.
const childEnv = "GOTRACE_WORKLOAD_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "crash":
		for i := 1; i <= 20; i++ {
			fmt.Fprintf(os.Stderr, "child: noise line %d\n", i)
		}
		panic("simulated crash in the child")
	default:
		if len(os.Args) < 2 || os.Args[1] != ChildCommand {
			fmt.Fprintf(os.Stderr, "test child: want %s as the first argument, got %q\n", ChildCommand, os.Args[1:])
			os.Exit(2)
		}
		os.Exit(ChildMain(os.Args[2:], os.Stdout, os.Stderr))
	}
}

// documented are the workloads the design and issues 3, 15 and 17 promise.
var documented = []string{"deadlock", "fanout", "gc", "leak", "mainexit", "many", "mutex", "net", "oversub", "server", "syscall", "threads", "waitgroup"}

func TestRegistry(t *testing.T) {
	all := All()
	var names []string
	for _, w := range all {
		names = append(names, w.Name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("All() not sorted by name: %v", names)
	}
	for _, n := range documented {
		if !slices.Contains(names, n) {
			t.Errorf("workload %q missing from All(): %v", n, names)
		}
	}
	for _, w := range all {
		if w.Summary == "" || strings.Contains(w.Summary, "\n") {
			t.Errorf("%s: Summary must be one non-empty line: %q", w.Name, w.Summary)
		}
		if len(w.Doc) < 100 {
			t.Errorf("%s: Doc is too short to say what it shows: %q", w.Name, w.Doc)
		}
		if w.run == nil {
			t.Errorf("%s: no run function", w.Name)
		}
		for _, p := range w.Params {
			if p.Help == "" {
				t.Errorf("%s: parameter %s has no help", w.Name, p.Name)
			}
		}
		got, err := w.Resolve(nil)
		if err != nil {
			t.Errorf("%s: defaults do not resolve: %v", w.Name, err)
			continue
		}
		if len(got) != len(w.Params) {
			t.Errorf("%s: Resolve(nil) = %v, want every parameter", w.Name, got)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := Lookup("fanuot")
	if !errors.Is(err, ErrUnknownWorkload) {
		t.Fatalf("Lookup(unknown) error = %v, want ErrUnknownWorkload", err)
	}
	for _, n := range documented {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list workload %q", err, n)
		}
	}
	if !strings.Contains(err.Error(), `"fanuot"`) {
		t.Errorf("error %q does not name the unknown workload", err)
	}
	if w, err := Lookup("fanout"); err != nil || w.Name != "fanout" {
		t.Errorf("Lookup(fanout) = %v, %v", w, err)
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		workload string
		sets     []string
		want     []string // substrings of the error
	}{
		{"fanout", []string{"bogus=1"}, []string{`"bogus"`, "workers (int)", "jobs (int)", "work (duration)"}},
		{"fanout", []string{"workers"}, []string{"malformed", `"workers"`, "key=value", "workers (int)"}},
		{"fanout", []string{"=3"}, []string{"malformed", "accepted"}},
		{"fanout", []string{"workers=abc"}, []string{"workers", "not an integer"}},
		{"fanout", []string{"workers=0"}, []string{"workers", "minimum 1"}},
		{"fanout", []string{"work=5"}, []string{"work", "not a duration"}},
		{"fanout", []string{"work=2s"}, []string{"work", "maximum 1s"}},
		{"fanout", []string{"jobs=1", "jobs=2"}, []string{`"jobs"`, "twice"}},
		{"many", []string{"n=-5"}, []string{"parameter n", "minimum"}},
		{"deadlock", []string{"add=2", "done=3"}, []string{"done must not exceed add"}},
	}
	for _, tt := range tests {
		t.Run(tt.workload+"/"+strings.Join(tt.sets, ","), func(t *testing.T) {
			w, err := Lookup(tt.workload)
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.Resolve(tt.sets)
			if err == nil {
				t.Fatalf("Resolve(%q) = %v, want an error", tt.sets, got)
			}
			if !errors.Is(err, ErrBadParam) {
				t.Errorf("error %v does not wrap ErrBadParam", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestResolveCanonical(t *testing.T) {
	w, err := Lookup("fanout")
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Resolve([]string{"work=0.5ms", " jobs = 1_000"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"workers": "8", "jobs": "1000", "work": "500µs"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Resolve: %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func TestMeasurementLogRoundTrip(t *testing.T) {
	for _, m := range []Measurement{
		{Name: "create_ns_per_unit", Variant: VariantGoroutines, Value: 1234.5678, Unit: "ns"},
		{Name: "switch_ns", Variant: VariantThreads, Value: 2.5e4, Unit: "ns"},
		{Name: "gc_cycles", Value: 22, Unit: "count"},
		{Name: "ratio", Value: 0.1 + 0.2, Unit: ""},
		{Name: "rate", Value: 1.8659023795696146e+09, Unit: "bytes/s"},
	} {
		msg := m.LogMessage()
		got, ok := ParseMeasurement(msg)
		if !ok || got != m {
			t.Errorf("ParseMeasurement(%q) = %+v, %v; want %+v", msg, got, ok, m)
		}
	}
	for _, bad := range []string{"", "noequals", "=1 ns", "x=abc ns", "x[v=1 ns", "x=NaN ns", "x=+Inf ns", "x=-inf", "x=1e999 ns"} {
		if m, ok := ParseMeasurement(bad); ok {
			t.Errorf("ParseMeasurement(%q) = %+v, want not ok", bad, m)
		}
	}
}

func TestParamRange(t *testing.T) {
	tests := []struct {
		p    Param
		want string
	}{
		{Param{Min: "1", Max: "10"}, "1..10"},
		{Param{Min: "1ms"}, ">= 1ms"},
		{Param{Max: "5"}, "<= 5"},
		{Param{}, ""},
	}
	for _, tt := range tests {
		if got := tt.p.Range(); got != tt.want {
			t.Errorf("%+v.Range() = %q, want %q", tt.p, got, tt.want)
		}
	}
	if Duration.String() != "duration" || Kind(99).String() != "Kind(99)" {
		t.Errorf("Kind.String: %q %q", Duration, Kind(99))
	}
}

// TestEstimates: the memory a workload's parameters ask for.
func TestEstimates(t *testing.T) {
	cases := []struct {
		workload string
		params   map[string]string
		min, max int64 // bytes
	}{
		{"many", map[string]string{"n": "10000000"}, 25 << 30, 28 << 30},
		{"many", nil, 300 << 20, 400 << 20},
		{"leak", map[string]string{"n": "1000000", "ok": "1000000"}, 5 << 30, 6 << 30},
		{"gc", map[string]string{"live_mb": "4096"}, 8 << 30, 9 << 30},
		{"net", map[string]string{"clients": "10000", "size": "16777216"}, 600 << 30, 700 << 30},
		{"fanout", nil, baseBytes, baseBytes + 1<<20},
	}
	for _, c := range cases {
		w, _ := Lookup(c.workload)
		e, err := w.Estimate(c.params)
		if err != nil || e.Bytes < c.min || e.Bytes > c.max || e.Detail == "" {
			t.Errorf("%s %v: %+v, %v; want between %d and %d MiB", c.workload, c.params, e, err, c.min>>20, c.max>>20)
		}
	}
	w, _ := Lookup("many")
	if _, err := w.Estimate(map[string]string{"n": "-1"}); !errors.Is(err, ErrBadParam) {
		t.Errorf("bad parameter: %v", err)
	}
}
