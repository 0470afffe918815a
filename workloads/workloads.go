// Package workloads holds the built-in programs that `gotrace run` traces.
//
// Each workload exists to show one claim about goroutines and the Go
// scheduler with numbers measured on the machine at hand (see the background
// notes): goroutines are cheap to create and small, switching between them is
// cheap, the M:N scheduler keeps running other goroutines while one blocks in
// a system call, a sync.WaitGroup with more Add than Done deadlocks, and so on.
//
// A workload runs in the current process under runtime/trace (Trace) or in a
// child process (RunChild, ChildMain). Besides the execution trace it returns
// its own measurements, which it also writes into the trace as log events
// (category MeasureCategory), so that an analysis of the trace alone shows
// them next to the analyzer's numbers.
package workloads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a parameter value.
type Kind int

// Parameter kinds.
const (
	Int Kind = iota
	Duration
	Bool
	Float
	String
)

var kindNames = [...]string{Int: "int", Duration: "duration", Bool: "bool", Float: "float", String: "string"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Param is a named, typed parameter of a workload, with a default.
type Param struct {
	Name    string
	Kind    Kind
	Default string // in the syntax of Kind; always valid
	Help    string // one line
	// Min and Max bound Int, Float and Duration values (inclusive), in the
	// syntax of Kind; empty means unbounded.
	Min, Max string
	// Validate, if set, checks a value that parsed; its error is shown to
	// the user after the parameter's name.
	Validate func(v any) error
}

// Range describes the accepted values, e.g. "1..1024", ">= 1ms", or "".
func (p Param) Range() string {
	switch {
	case p.Min != "" && p.Max != "":
		return p.Min + ".." + p.Max
	case p.Min != "":
		return ">= " + p.Min
	case p.Max != "":
		return "<= " + p.Max
	}
	return ""
}

// parse parses s as a value of p's kind and checks its bounds.
func (p Param) parse(s string) (any, error) {
	v, err := parseKind(p.Kind, s)
	if err != nil {
		return nil, err
	}
	if p.Min != "" {
		lo, err := parseKind(p.Kind, p.Min)
		if err == nil && less(v, lo) {
			return nil, fmt.Errorf("%s is below the minimum %s", s, p.Min)
		}
	}
	if p.Max != "" {
		hi, err := parseKind(p.Kind, p.Max)
		if err == nil && less(hi, v) {
			return nil, fmt.Errorf("%s is above the maximum %s", s, p.Max)
		}
	}
	if p.Validate != nil {
		if err := p.Validate(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func parseKind(k Kind, s string) (any, error) {
	s = strings.TrimSpace(s)
	switch k {
	case Int:
		n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return int(n), nil
	case Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration (e.g. 250ms, 1.5s)", s)
		}
		return d, nil
	case Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a bool (true or false)", s)
		}
		return b, nil
	case Float:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case String:
		return s, nil
	}
	return nil, fmt.Errorf("unknown parameter kind %v", k)
}

func less(a, b any) bool {
	switch a := a.(type) {
	case int:
		return a < b.(int)
	case time.Duration:
		return a < b.(time.Duration)
	case float64:
		return a < b.(float64)
	}
	return false
}

// Workload is one built-in program.
type Workload struct {
	Name    string
	Summary string // one line
	Doc     string // a paragraph: what it shows and which claim of the notes it tests
	Params  []Param
	// Gate names the measurement that says how fast a run went (its
	// throughput or wall time), which `gotrace check` gates by default on
	// samples of this workload; the zero Gate gates none (workloads whose
	// length a watchdog fixes).
	Gate Gate

	// check, if set, validates the parameters together.
	check func(v Values) error
	// memory, if set, estimates what the parameters cost beyond the base
	// (Estimate): bytes, goroutines alive at once, and how.
	memory func(v Values) (bytes, goroutines int64, detail string)
	// run is the workload. It runs on the goroutine that called Trace (the
	// main goroutine of a child process), must return when ctx is done and
	// must return on its own, within a bounded time, for any valid
	// parameters (a workload that blocks forever stops the trace from a
	// watchdog with env.StopTrace, then unblocks itself).
	run func(ctx context.Context, env *Env) error
}

// Gate is a workload's own measure of speed, gated by default.
type Gate struct {
	// Metric is the measurement's metric name: "measure.NAME" or
	// "measure.NAME.VARIANT" (analyzer.Measurement.MetricName).
	Metric string
	// HigherIsBetter says a fall is a regression (throughput); otherwise a
	// rise is (wall time, time per operation).
	HigherIsBetter bool
	// ThresholdPct is the smallest change, in percent of the baseline
	// median, that counts.
	ThresholdPct float64
}

// Param returns the named parameter.
func (w *Workload) Param(name string) (Param, bool) {
	for _, p := range w.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Errors returned (wrapped) by Lookup, Resolve and Trace, for callers that map
// them to exit codes.
var (
	// ErrUnknownWorkload: no workload has the name.
	ErrUnknownWorkload = errors.New("unknown workload")
	// ErrBadParam: a parameter is unknown, malformed or out of range.
	ErrBadParam = errors.New("bad workload parameter")
	// ErrTraceActive: runtime/trace is already on in this process (for
	// example under `go test -trace`); only one trace can be active.
	ErrTraceActive = errors.New("runtime/trace is already active in this process")
)

var registry = map[string]*Workload{}

// register adds a workload; called from the init function of each file.
func register(w *Workload) {
	if _, dup := registry[w.Name]; dup {
		panic("workloads: duplicate workload " + w.Name)
	}
	seen := map[string]bool{}
	for _, p := range w.Params {
		if seen[p.Name] {
			panic("workloads: " + w.Name + ": duplicate parameter " + p.Name)
		}
		seen[p.Name] = true
		if _, err := p.parse(p.Default); err != nil {
			panic(fmt.Sprintf("workloads: %s: bad default for %s: %v", w.Name, p.Name, err))
		}
	}
	registry[w.Name] = w
}

// All returns the workloads, sorted by name.
func All() []*Workload {
	ws := make([]*Workload, 0, len(registry))
	for _, w := range registry {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b *Workload) int { return strings.Compare(a.Name, b.Name) })
	return ws
}

// Names returns the names of the workloads, sorted.
func Names() []string {
	var names []string
	for _, w := range All() {
		names = append(names, w.Name)
	}
	return names
}

// Lookup returns the named workload. For an unknown name the error lists the
// known ones and wraps ErrUnknownWorkload.
func Lookup(name string) (*Workload, error) {
	if w, ok := registry[name]; ok {
		return w, nil
	}
	return nil, fmt.Errorf("%w %q; known workloads: %s", ErrUnknownWorkload, name, strings.Join(Names(), ", "))
}

// Values are parsed parameter values by name.
type Values map[string]any

// Int returns an Int parameter. It panics if name is not an Int parameter:
// that is a bug in the workload, not a user error.
func (v Values) Int(name string) int { return get[int](v, name) }

// Duration returns a Duration parameter.
func (v Values) Duration(name string) time.Duration { return get[time.Duration](v, name) }

// Bool returns a Bool parameter.
func (v Values) Bool(name string) bool { return get[bool](v, name) }

// Float returns a Float parameter.
func (v Values) Float(name string) float64 { return get[float64](v, name) }

// String returns a String parameter.
func (v Values) String(name string) string { return get[string](v, name) }

func get[T any](v Values, name string) T {
	x, ok := v[name]
	if !ok {
		panic("workloads: no parameter " + name)
	}
	t, ok := x.(T)
	if !ok {
		panic(fmt.Sprintf("workloads: parameter %s is a %T", name, x))
	}
	return t
}

// Resolve turns "key=value" settings into the effective parameters: every
// parameter of w, given or defaulted, in canonical form. An unknown, repeated
// or malformed setting, or a value that does not parse or is out of range,
// is an error that names the parameter, lists the accepted ones with their
// kinds, and wraps ErrBadParam.
func (w *Workload) Resolve(sets []string) (map[string]string, error) {
	given := map[string]string{}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, w.paramErr("malformed setting %q: want key=value", s)
		}
		if _, ok := w.Param(k); !ok {
			return nil, w.paramErr("unknown parameter %q", k)
		}
		if _, dup := given[k]; dup {
			return nil, w.paramErr("parameter %q set twice", k)
		}
		given[k] = v
	}
	vals, err := w.values(given)
	if err != nil {
		return nil, err
	}
	return w.canonical(vals), nil
}

// values parses params (missing ones take their defaults) and checks them.
// Unknown names are an error.
func (w *Workload) values(params map[string]string) (Values, error) {
	for k := range params {
		if _, ok := w.Param(k); !ok {
			return nil, w.paramErr("unknown parameter %q", k)
		}
	}
	vals := Values{}
	for _, p := range w.Params {
		s, ok := params[p.Name]
		if !ok {
			s = p.Default
		}
		v, err := p.parse(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: parameter %s (%s): %v", ErrBadParam, w.Name, p.Name, p.Kind, err)
		}
		vals[p.Name] = v
	}
	if w.check != nil {
		if err := w.check(vals); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadParam, w.Name, err)
		}
	}
	return vals, nil
}

// canonical formats parsed values.
func (w *Workload) canonical(v Values) map[string]string {
	out := make(map[string]string, len(v))
	for _, p := range w.Params {
		switch x := v[p.Name].(type) {
		case int:
			out[p.Name] = strconv.Itoa(x)
		case time.Duration:
			out[p.Name] = x.String()
		case bool:
			out[p.Name] = strconv.FormatBool(x)
		case float64:
			out[p.Name] = strconv.FormatFloat(x, 'g', -1, 64)
		case string:
			out[p.Name] = x
		}
	}
	return out
}

func (w *Workload) paramErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s; accepted: %s", ErrBadParam, w.Name, fmt.Sprintf(format, args...), w.accepted())
}

// accepted lists the parameters as "name (kind)".
func (w *Workload) accepted() string {
	if len(w.Params) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, p := range w.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s)", p.Name, p.Kind)
	}
	return b.String()
}
