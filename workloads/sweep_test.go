package workloads

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestResolveSweep(t *testing.T) {
	cases := []struct {
		workload, spec string
		sets           []string
		key            string
		values         []string // canonical
		procs          []int    // GOMAXPROCS of each point (gomaxprocs sweeps)
	}{
		{"fanout", "workers=1,2,8", nil, "workers", []string{"1", "2", "8"}, nil},
		{"fanout", " work = 100us, 1ms ", nil, "work", []string{"100µs", "1ms"}, nil},
		{"oversub", "pairs=0.5x,1x,2x,16x", nil, "pairs", []string{"2", "4", "8", "64"}, nil}, // 4 cores
		{"oversub", "pairs=0.1x,3", nil, "pairs", []string{"1", "3"}, nil},                    // at least 1
		{"syscall", "gomaxprocs=1,2x", []string{"blockers=2"}, "gomaxprocs", []string{"1", "8"}, []int{1, 8}},
	}
	for _, c := range cases {
		w, err := Lookup(c.workload)
		if err != nil {
			t.Fatal(err)
		}
		sw, err := w.ResolveSweep(c.sets, c.spec, 4)
		if err != nil {
			t.Errorf("%s --sweep %q: %v", c.workload, c.spec, err)
			continue
		}
		var values []string
		for i, pt := range sw.Points {
			values = append(values, pt.Value)
			if len(pt.Params) != len(w.Params) {
				t.Errorf("%s: point %s has parameters %v, want all of them", c.spec, pt.Value, pt.Params)
			}
			if c.key != SweepGOMAXPROCS && pt.Params[c.key] != pt.Value {
				t.Errorf("%s: point %s has %s=%s", c.spec, pt.Value, c.key, pt.Params[c.key])
			}
			if c.procs != nil && pt.GOMAXPROCS != c.procs[i] {
				t.Errorf("%s: point %d GOMAXPROCS %d, want %d", c.spec, i, pt.GOMAXPROCS, c.procs[i])
			}
			for _, s := range c.sets {
				k, v, _ := strings.Cut(s, "=")
				if pt.Params[k] != v {
					t.Errorf("%s: --set %s lost: %v", c.spec, s, pt.Params)
				}
			}
		}
		if sw.Key != c.key || !slices.Equal(values, c.values) {
			t.Errorf("%s --sweep %q = key %s values %v, want %s %v", c.workload, c.spec, sw.Key, values, c.key, c.values)
		}
	}
}

// TestResolveSweepErrors: every bad --sweep is refused, naming the problem.
func TestResolveSweepErrors(t *testing.T) {
	cases := []struct {
		workload, spec string
		sets           []string
		want           string
	}{
		{"fanout", "workers", nil, "want key=v1,v2"},
		{"fanout", "=1,2", nil, "want key=v1,v2"},
		{"fanout", "bogus=1,2", nil, `unknown parameter "bogus"`},
		{"fanout", "workers=", nil, "no values"},
		{"fanout", "workers=1,,2", nil, "an empty value"},
		{"fanout", "workers=1,abc", nil, `"abc" is not an integer`},
		{"fanout", "workers=1,0", nil, "below the minimum"},
		{"fanout", "workers=2,2", nil, "the same value"},
		{"fanout", "work=1ms,1000us", nil, "the same value"},
		{"fanout", "workers=1,2", []string{"workers=4"}, "both swept (--sweep) and set"},
		{"fanout", "work=2x", nil, "needs an integer parameter"},
		{"fanout", "workers=-1x", nil, "not a multiple of cores"},
		{"fanout", "workers=1,2", []string{"bogus=1"}, `unknown parameter "bogus"`},
		{"syscall", "gomaxprocs=0", nil, "not a GOMAXPROCS"},
		{"syscall", "gomaxprocs=two", nil, "not a GOMAXPROCS"},
		{"waitgroup", "goroutines=1,4", []string{"add=2"}, "goroutines must be at least add"},
		{"fanout", "workers=" + strings.Repeat("1,", MaxSweepValues) + "1", nil, "at most"},
	}
	for _, c := range cases {
		w, err := Lookup(c.workload)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.ResolveSweep(c.sets, c.spec, 2)
		if !errors.Is(err, ErrBadParam) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s --sweep %.40q --set %v: error %v, want ErrBadParam with %q", c.workload, c.spec, c.sets, err, c.want)
		}
	}
}
