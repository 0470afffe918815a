package check

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
	"github.com/gotrace/gotrace/analyzer/sweep"
)

// MetricName checks that name (given as what, e.g. "--metric") can be a report metric: one of the known
// metrics, or a measurement (measure.*), a wait reason (block.reason.*) or
// a task or region type's (task.*, region.*), whose names depend on the
// trace. The error suggests
// close names.
func MetricName(what, name string) error {
	for _, prefix := range []string{"measure.", "block.reason.", "task.", "region."} {
		if strings.HasPrefix(name, prefix) {
			return nil
		}
	}
	if _, ok := SpecOf(name); ok {
		return nil
	}
	known := make([]string, 0, len(specs))
	for _, s := range specs {
		known = append(known, s.Metric)
	}
	return unknownMetricError(what, name, known)
}

// SweepSamples are the samples of a sweep: one set per value of its
// parameter, in the sweep's order.
type SweepSamples struct {
	Workload string
	Param    string   // the parameter swept, or "gomaxprocs"
	Values   []string // canonical values
	Labels   []string // values for display ("4 (2x)")
	Sets     []*Samples
}

// FromSweep turns a sweep into samples, one set per value. name, when not
// empty, names the input in the samples' sources ("name[pairs=4][2]").
func FromSweep(s *sweep.Sweep, name string) *SweepSamples {
	out := &SweepSamples{Workload: s.Workload, Param: s.Param}
	for i := range s.Entries {
		e := &s.Entries[i]
		set := &Samples{Env: e.Env}
		set.addReports(e.Reports, func(j int, r *analyzer.Report) string {
			if name != "" {
				return fmt.Sprintf("%s[%s=%s][%d]", name, s.Param, e.Value, j)
			}
			if r.Source.Name != "" {
				return r.Source.Name
			}
			return fmt.Sprintf("%s=%s report %d", s.Param, e.Value, j+1)
		})
		out.Values = append(out.Values, e.Value)
		out.Labels = append(out.Labels, e.Label())
		out.Sets = append(out.Sets, set)
	}
	return out
}

// LoadSweep reads a sweep (the JSON output of gotrace run --sweep, gzip
// allowed) from a file. isSweep is false, without an error, when the file
// holds anything else: a trace, a report or a report set, for Load. Only
// the document's kind is read to tell (gotrace writes it first), so that a
// report is decoded once, by Load; a sweep is read to MaxJSONBytes at most.
func LoadSweep(path string) (s *SweepSamples, isSweep bool, err error) {
	open := func() (io.Reader, func(), bool) {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, false
		}
		br := bufio.NewReader(f)
		isJSON, gz, err := sniff(br)
		if err != nil || !isJSON {
			f.Close()
			return nil, nil, false // Load reports it
		}
		var in io.Reader = br
		if gz {
			zr, err := gzip.NewReader(br)
			if err != nil {
				f.Close()
				return nil, nil, false
			}
			in = zr
		}
		return io.LimitReader(in, MaxJSONBytes+1), func() { f.Close() }, true
	}
	if _, err := os.Stat(path); err != nil {
		return nil, false, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: "cannot open: " + errText(err), Err: err}
	}
	in, done, ok := open()
	if !ok {
		return nil, false, nil
	}
	kind := jsonKind(io.LimitReader(in, 64<<10)) // in its first bytes
	done()
	if kind != sweep.Kind {
		return nil, false, nil
	}
	in, done, ok = open()
	if !ok {
		return nil, false, nil
	}
	defer done()
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, true, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: "cannot read: " + errText(err), Err: err}
	}
	if len(data) > MaxJSONBytes {
		return nil, true, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: fmt.Sprintf("sweep JSON larger than %d MiB, the limit: not read further", MaxJSONBytes>>20)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var sw sweep.Sweep
	if err := json.Unmarshal(data, &sw); err != nil {
		return nil, true, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: "bad sweep: " + jsonErr(err, data)}
	}
	if sw.Schema > sweep.Schema {
		return nil, true, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable,
			Msg: fmt.Sprintf("written by a newer gotrace (sweep schema %d; this one reads up to %d); upgrade gotrace", sw.Schema, sweep.Schema)}
	}
	if sw.Param == "" || len(sw.Entries) == 0 {
		return nil, true, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: "sweep holds no values"}
	}
	return FromSweep(&sw, path), true, nil
}

// jsonKind returns the "kind" of the JSON object r holds, reading it only
// as far as that field (gotrace writes it second, after "schema"), or ""
// when r ends first.
func jsonKind(r io.Reader) string {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		if key, _ := t.(string); key == "kind" {
			var kind string
			if dec.Decode(&kind) != nil {
				return ""
			}
			return kind
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// Index returns the position of value in the sweep, or -1.
func (s *SweepSamples) Index(value string) int {
	return slices.Index(s.Values, value)
}

// Single makes plain samples a one-value sweep over s's parameter, the value
// read from their environment: the workload parameter of a report set made
// by gotrace run, or GOMAXPROCS for a gomaxprocs sweep. It is how a run
// without a sweep is checked against a sweep baseline.
func (s *SweepSamples) Single(cur *Samples) (*SweepSamples, error) {
	var v string
	if s.Param == "gomaxprocs" {
		if cur.Env.GOMAXPROCS > 0 {
			v = strconv.Itoa(cur.Env.GOMAXPROCS)
		}
	} else {
		v = cur.Env.Params[s.Param]
	}
	if v == "" {
		return nil, fmt.Errorf("the baseline is a sweep over %s, but the current samples do not say their %s (give a report set made by gotrace run, or --run)", s.Param, s.Param)
	}
	return &SweepSamples{Workload: cur.Env.Workload, Param: s.Param, Values: []string{v}, Labels: []string{v}, Sets: []*Samples{cur}}, nil
}

// SweepResultKind identifies the JSON form of a SweepResult;
// SweepResultSchema is its version.
const (
	SweepResultKind   = "gotrace.sweepcheck"
	SweepResultSchema = 1
)

// SweepResult is a check per value of a sweep's parameter.
type SweepResult struct {
	// Header says what the JSON document is (SweepResultKind,
	// SweepResultSchema) and which gotrace produced it.
	buildinfo.Header
	// Status is "pass", "fail" or "insufficient data", over all values.
	Status string `json:"status"`
	Param  string `json:"param"`
	// Entries are the values checked, in the current sweep's order.
	Entries []SweepEntry `json:"entries"`
	// Warnings: values on one side only, a different workload.
	Warnings      []string `json:"warnings,omitempty"`
	Regressions   int      `json:"regressions"`
	Improvements  int      `json:"improvements"`
	BrokenBudgets int      `json:"broken_budgets"`
	Insufficient  bool     `json:"insufficient"`
}

// SweepEntry is the check of one value.
type SweepEntry struct {
	Value  string  `json:"value"`
	Label  string  `json:"label"`
	Result *Result `json:"result"`
}

// ExitCode maps the result to the CLI's exit code, as Result.ExitCode.
func (r *SweepResult) ExitCode() int {
	switch {
	case r.Regressions > 0 || r.BrokenBudgets > 0:
		return ExitFail
	case r.Insufficient:
		return ExitInsufficient
	}
	return ExitPass
}

// CompareSweep checks each value of the current sweep against the same value
// of the baseline sweep (values are matched by parameter value), with the
// budgets of opts held at every value. base may be nil: budgets only. A
// value of the current sweep missing from the baseline is a warning, and so
// is one of the baseline missing from a current sweep of several values; no value in common is an error, as
// are sweeps over different parameters.
func CompareSweep(base, cur *SweepSamples, opts Options) (*SweepResult, error) {
	if cur == nil || len(cur.Values) == 0 {
		return nil, errors.New("no current samples to check")
	}
	res := &SweepResult{Header: buildinfo.NewHeader(SweepResultKind, SweepResultSchema), Param: cur.Param}
	if base != nil {
		if base.Param != cur.Param {
			return nil, fmt.Errorf("the baseline sweeps %s, the current samples %s: nothing to match", base.Param, cur.Param)
		}
		if base.Workload != "" && cur.Workload != "" && base.Workload != cur.Workload {
			res.Warnings = append(res.Warnings, fmt.Sprintf("workload differs: baseline %s, current %s", base.Workload, cur.Workload))
		}
		for i, v := range base.Values {
			// A current sweep should cover the baseline's; a single run
			// picks one value.
			if len(cur.Values) > 1 && cur.Index(v) < 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s=%s: in the baseline only; not checked", base.Param, base.Labels[i]))
			}
		}
	}
	for i, v := range cur.Values {
		var b *Samples
		if base != nil {
			j := base.Index(v)
			if j < 0 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s=%s: not in the baseline (it has %s); not checked", cur.Param, cur.Labels[i], strings.Join(base.Values, ", ")))
				continue
			}
			b = base.Sets[j]
		}
		r, err := Compare(b, cur.Sets[i], opts)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", cur.Param, v, err)
		}
		res.Entries = append(res.Entries, SweepEntry{Value: v, Label: cur.Labels[i], Result: r})
		res.Regressions += r.Regressions
		res.Improvements += r.Improvements
		res.BrokenBudgets += r.BrokenBudgets
		res.Insufficient = res.Insufficient || r.Insufficient
	}
	if len(res.Entries) == 0 {
		return nil, fmt.Errorf("no value of %s in both the baseline (%s) and the current samples (%s)", cur.Param, strings.Join(base.Values, ", "), strings.Join(cur.Values, ", "))
	}
	switch res.ExitCode() {
	case ExitFail:
		res.Status = StatusFail
	case ExitInsufficient:
		res.Status = StatusNotEnough
	default:
		res.Status = StatusPass
	}
	return res, nil
}
