package workloads

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SweepGOMAXPROCS is the sweep key that varies GOMAXPROCS of the workload
// process instead of a parameter.
const SweepGOMAXPROCS = "gomaxprocs"

// MaxSweepValues bounds the values of one sweep.
const MaxSweepValues = 100

// Sweep is a parsed `--sweep key=v1,v2,...`: the runs to make, one point
// per value.
type Sweep struct {
	Key    string // a parameter of the workload, or SweepGOMAXPROCS
	Points []SweepPoint
}

// SweepPoint is one value of a sweep.
type SweepPoint struct {
	Given string // as written, e.g. "2x"
	Value string // canonical, e.g. "4"
	// Params are the workload's effective parameters at this point.
	Params map[string]string
	// GOMAXPROCS is the point's GOMAXPROCS for a SweepGOMAXPROCS sweep, else 0.
	GOMAXPROCS int
}

// ResolveSweep parses spec ("key=v1,v2,...") for w, on top of the settings
// sets (as for Resolve), and resolves the parameters of every point, so that
// a bad value is found before any run. The key is a parameter of w or
// "gomaxprocs". A value of an integer parameter (or of gomaxprocs) may be
// written as a multiple of cores, the machine's CPU count: "0.5x", "2x"
// (rounded, at least 1). Errors (an unknown key, an empty list or value, a
// value that does not parse or is out of range, a repeated value, a key also
// given in sets) name the problem and wrap ErrBadParam.
func (w *Workload) ResolveSweep(sets []string, spec string, cores int) (*Sweep, error) {
	key, list, ok := strings.Cut(spec, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return nil, fmt.Errorf("%w: --sweep %q: want key=v1,v2,... (a parameter of %s, or gomaxprocs)", ErrBadParam, spec, w.Name)
	}
	var p Param
	if key != SweepGOMAXPROCS {
		if p, ok = w.Param(key); !ok {
			return nil, w.paramErr("--sweep: unknown parameter %q (or gomaxprocs)", key)
		}
	}
	for _, s := range sets {
		if k, _, _ := strings.Cut(s, "="); strings.TrimSpace(k) == key {
			return nil, fmt.Errorf("%w: %s: parameter %s is both swept (--sweep) and set (--set)", ErrBadParam, w.Name, key)
		}
	}
	if strings.TrimSpace(list) == "" {
		return nil, fmt.Errorf("%w: --sweep %s: no values; want %s=v1,v2 (a list)", ErrBadParam, key, key)
	}
	given := strings.Split(list, ",")
	if len(given) > MaxSweepValues {
		return nil, fmt.Errorf("%w: --sweep %s: %d values, at most %d", ErrBadParam, key, len(given), MaxSweepValues)
	}
	sw := &Sweep{Key: key}
	seen := map[string]string{}
	for _, g := range given {
		g = strings.TrimSpace(g)
		if g == "" {
			return nil, fmt.Errorf("%w: --sweep %s=%s: an empty value", ErrBadParam, key, list)
		}
		v, err := sweepValue(g, key == SweepGOMAXPROCS || p.Kind == Int, cores)
		if err != nil {
			return nil, fmt.Errorf("%w: --sweep %s: %v", ErrBadParam, key, err)
		}
		pt := SweepPoint{Given: g}
		if key == SweepGOMAXPROCS {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1<<16 {
				return nil, fmt.Errorf("%w: --sweep gomaxprocs: %q is not a GOMAXPROCS (1..65536)", ErrBadParam, g)
			}
			pt.GOMAXPROCS, pt.Value = n, strconv.Itoa(n)
			if pt.Params, err = w.Resolve(sets); err != nil {
				return nil, err
			}
		} else {
			if pt.Params, err = w.Resolve(append(append([]string(nil), sets...), key+"="+v)); err != nil {
				return nil, err
			}
			pt.Value = pt.Params[key]
		}
		if prev, dup := seen[pt.Value]; dup {
			return nil, fmt.Errorf("%w: --sweep %s: %q and %q are the same value (%s)", ErrBadParam, key, prev, g, pt.Value)
		}
		seen[pt.Value] = g
		sw.Points = append(sw.Points, pt)
	}
	return sw, nil
}

// sweepValue expands a multiple of cores ("2x") for integer keys.
func sweepValue(g string, integer bool, cores int) (string, error) {
	m, isMult := strings.CutSuffix(g, "x")
	f, err := strconv.ParseFloat(m, 64)
	if !isMult || err != nil {
		return g, nil // not Nx: the parameter's own syntax
	}
	if !integer {
		return "", fmt.Errorf("%q: a multiple of cores (Nx) needs an integer parameter", g)
	}
	if !(f > 0 && f <= 1e6) {
		return "", fmt.Errorf("%q is not a multiple of cores (like 0.5x, 2x)", g)
	}
	return strconv.Itoa(max(1, int(math.Round(f*float64(max(cores, 1)))))), nil
}
