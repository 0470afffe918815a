package check

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/diff"
	"github.com/gotrace/gotrace/analyzer/findings"
	"github.com/gotrace/gotrace/analyzer/sweep"
)

// Samples are the metric values of several runs: one map per trace.
type Samples struct {
	// Env is the environment the samples came from, merged over the inputs:
	// a field is empty (0) when no input recorded it. Inputs that disagree
	// leave a warning in Warnings and the first value here.
	Env analyzer.Env `json:"env"`
	// Values holds one metrics map per sample (Report.Metrics).
	Values []map[string]float64 `json:"-"`
	// Reports are the samples' reports, in the order of Values: what a
	// diff of the two sides (package diff) reads.
	Reports []*analyzer.Report `json:"-"`
	// Sources names each sample: the trace file, or "file.json[3]" for the
	// fourth report of a report set.
	Sources []string `json:"sources"`
	// Warnings are about the inputs: environments that disagree, truncated
	// traces.
	Warnings []string `json:"warnings,omitempty"`
}

// Side returns the samples as one side of a diff, named name.
func (s *Samples) Side(name string) diff.Side {
	return diff.Side{Name: name, Env: s.Env, Reports: s.Reports, Sources: s.Sources, Warnings: s.Warnings}
}

// Diff compares two sets of samples section by section (package diff),
// with the warning a check gives when their environments differ.
func Diff(base, cur *Samples, opts diff.Options) *diff.Diff {
	d := diff.Compare(base.Side("base"), cur.Side("current"), opts)
	if w := envWarningAs("base", base.Env, cur.Env); w != "" {
		d.Warnings = append([]string{w}, d.Warnings...)
	}
	return d
}

// Len returns the number of samples.
func (s *Samples) Len() int {
	if s == nil {
		return 0
	}
	return len(s.Values)
}

// Add appends o's samples to s, merging environments.
func (s *Samples) Add(o *Samples) {
	if o == nil {
		return
	}
	s.mergeEnv(o.Env, firstOr(o.Sources, "?"))
	s.Values = append(s.Values, o.Values...)
	s.Reports = append(s.Reports, o.Reports...)
	s.Sources = append(s.Sources, o.Sources...)
	s.Warnings = append(s.Warnings, o.Warnings...)
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// FromReports turns a report set into samples, one per report.
func FromReports(set *analyzer.ReportSet) *Samples {
	s := &Samples{}
	if set == nil {
		return s
	}
	s.Env = set.Env
	s.addReports(set.Reports, func(i int, r *analyzer.Report) string {
		if r.Source.Name != "" {
			return r.Source.Name
		}
		return "report " + strconv.Itoa(i+1)
	})
	return s
}

// addReports appends the reports' metrics. Each report's own GOMAXPROCS and
// trace format are merged into the environment so a set that mixes them is
// noticed.
func (s *Samples) addReports(reports []*analyzer.Report, name func(int, *analyzer.Report) string) {
	for i, r := range reports {
		if r == nil {
			continue
		}
		src := name(i, r)
		// The metrics of the report's sections, so that a report written
		// before a metric existed has it too; the report's own map wins
		// (it may hold metrics this version does not compute).
		m := analyzer.Metrics(r)
		for k, v := range r.Metrics {
			m[k] = v
		}
		// Findings are a function of the report: a trace analyzed here or a
		// report written without them gets their impacts too.
		if _, ok := m[findings.MetricName(findings.GoroutineLeak)]; !ok {
			m = maps.Clone(m)
			maps.Copy(m, findings.Metrics(r))
		}
		s.Values = append(s.Values, m)
		s.Reports = append(s.Reports, r)
		s.Sources = append(s.Sources, src)
		s.mergeEnv(reportEnv(r), src)
		for _, w := range r.Warnings {
			s.Warnings = append(s.Warnings, src+": "+w)
		}
	}
}

// reportEnv is what one report says about its environment: the Go release
// range of its trace format and its GOMAXPROCS. The machine is unknown.
func reportEnv(r *analyzer.Report) analyzer.Env {
	e := analyzer.Env{GOMAXPROCS: r.Procs.GOMAXPROCS}
	if r.Source.GoVersion != "" {
		e.GoVersion = "go" + r.Source.GoVersion
	}
	return e
}

// mergeEnv folds e (from input src) into s.Env: unknown fields are filled,
// conflicting ones are warned about once per field.
func (s *Samples) mergeEnv(e analyzer.Env, src string) {
	for _, d := range envDiffs(s.Env, e) {
		w := fmt.Sprintf("samples disagree on %s: %s, then %s from %s", d.field, d.a, d.b, src)
		if !s.warnedField(d.field) {
			s.Warnings = append(s.Warnings, w)
		}
	}
	if s.Env.GoVersion == "" {
		s.Env.GoVersion = e.GoVersion
	} else if e.GoVersion != "" && goVersionCompatible(s.Env.GoVersion, e.GoVersion) && isRelease(e.GoVersion) && !isRelease(s.Env.GoVersion) {
		// Prefer a precise release ("go1.26.8") to a format range.
		s.Env.GoVersion = e.GoVersion
	}
	if s.Env.GOMAXPROCS == 0 {
		s.Env.GOMAXPROCS = e.GOMAXPROCS
	}
	if s.Env.NumCPU == 0 {
		s.Env.NumCPU = e.NumCPU
	}
	if s.Env.GOOS == "" {
		s.Env.GOOS = e.GOOS
	}
	if s.Env.GOARCH == "" {
		s.Env.GOARCH = e.GOARCH
	}
	if s.Env.Workload == "" {
		s.Env.Workload = e.Workload
		s.Env.Params = e.Params
		s.Env.GODEBUG = e.GODEBUG
	}
}

func (s *Samples) warnedField(field string) bool {
	for _, w := range s.Warnings {
		if strings.HasPrefix(w, "samples disagree on "+field+":") {
			return true
		}
	}
	return false
}

type envDiff struct{ field, a, b string }

// envDiffs lists the fields known in both a and b that differ.
func envDiffs(a, b analyzer.Env) []envDiff {
	var out []envDiff
	if a.GoVersion != "" && b.GoVersion != "" && !goVersionCompatible(a.GoVersion, b.GoVersion) {
		out = append(out, envDiff{"Go version", a.GoVersion, b.GoVersion})
	}
	if a.GOMAXPROCS != 0 && b.GOMAXPROCS != 0 && a.GOMAXPROCS != b.GOMAXPROCS {
		out = append(out, envDiff{"GOMAXPROCS", strconv.Itoa(a.GOMAXPROCS), strconv.Itoa(b.GOMAXPROCS)})
	}
	if a.NumCPU != 0 && b.NumCPU != 0 && a.NumCPU != b.NumCPU {
		out = append(out, envDiff{"CPU count", strconv.Itoa(a.NumCPU), strconv.Itoa(b.NumCPU)})
	}
	if a.GOOS != "" && b.GOOS != "" && (a.GOOS != b.GOOS || a.GOARCH != b.GOARCH) {
		out = append(out, envDiff{"OS/arch", a.GOOS + "/" + a.GOARCH, b.GOOS + "/" + b.GOARCH})
	}
	if a.Workload != "" && b.Workload != "" && a.Workload != b.Workload {
		out = append(out, envDiff{"workload", a.Workload, b.Workload})
	}
	if a.Workload != "" && b.Workload != "" && a.GODEBUG != b.GODEBUG {
		out = append(out, envDiff{"GODEBUG", quoteEmpty(a.GODEBUG), quoteEmpty(b.GODEBUG)})
	}
	return out
}

// quoteEmpty shows an empty setting as "(none)".
func quoteEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// goVersionCompatible reports whether two Go version strings can name the
// same release. Either may be a release ("go1.26.8", "go1.26rc1") or the
// range of releases that write a trace format ("go1.23-1.24", "go1.26+",
// "go1.21").
func goVersionCompatible(a, b string) bool {
	alo, ahi, aok := goMinorRange(a)
	blo, bhi, bok := goMinorRange(b)
	if !aok || !bok {
		return a == b
	}
	if alo == blo && ahi == bhi && isRelease(a) && isRelease(b) {
		return a == b // two releases of the same minor: compare exactly
	}
	return alo <= bhi && blo <= ahi
}

// isRelease reports whether v names one release rather than a range.
func isRelease(v string) bool {
	return !strings.ContainsAny(v, "+-") && strings.Count(v, ".") >= 2
}

// goMinorRange parses the minor versions a Go version string can stand for.
func goMinorRange(v string) (lo, hi int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "go")
	minor := func(s string) (int, bool) {
		s = strings.TrimPrefix(s, "1.")
		end := 0
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(s[:end])
		return n, err == nil
	}
	if strings.HasSuffix(v, "+") {
		lo, ok = minor(strings.TrimSuffix(v, "+"))
		return lo, 1 << 30, ok
	}
	if a, b, found := strings.Cut(v, "-"); found {
		lo, ok1 := minor(a)
		hi, ok2 := minor(b)
		return lo, hi, ok1 && ok2
	}
	lo, ok = minor(v)
	return lo, lo, ok
}

// Load reads samples from files: each a Go execution trace (analyzed with
// opts; gzip allowed), a JSON report (one sample) or a JSON report set (one
// sample per report). Inputs may be mixed. "-" reads standard input. Errors
// name the file.
func Load(paths []string, opts analyzer.Options) (*Samples, error) {
	return load(paths, opts, os.Stdin)
}

// LoadBoth loads a base and a current side as Load does, both at once: each
// side on its own goroutine, so the traces of the two are analyzed
// concurrently. stdin is what "-" reads (on one side at most). The error is
// the base's when both fail.
func LoadBoth(base, cur []string, opts analyzer.Options, stdin io.Reader) (b, c *Samples, err error) {
	if slices.Contains(base, "-") && slices.Contains(cur, "-") {
		return nil, nil, errors.New("standard input ('-') can be read by one side only")
	}
	var cerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, cerr = load(cur, opts, stdin)
	}()
	b, err = load(base, opts, stdin)
	<-done
	if err != nil {
		return nil, nil, err
	}
	if cerr != nil {
		return nil, nil, cerr
	}
	return b, c, nil
}

// load is Load reading "-" from stdin.
func load(paths []string, opts analyzer.Options, stdin io.Reader) (*Samples, error) {
	s := &Samples{}
	for _, p := range paths {
		var one *Samples
		var err error
		if p == "-" {
			one, err = Read(stdin, "-", opts)
		} else {
			one, err = loadFile(p, opts)
		}
		if err != nil {
			return nil, err
		}
		s.Add(one)
	}
	return s, nil
}

// loadFile sniffs a file and loads it as JSON or as a trace.
func loadFile(path string, opts analyzer.Options) (*Samples, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: "cannot open: " + errText(err), Err: err}
	}
	br := bufio.NewReader(f)
	isJSON, gz, err := sniff(br)
	if err != nil || !isJSON {
		f.Close()
		if err != nil {
			return nil, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: "cannot read: " + errText(err), Err: err}
		}
		// A trace: let the analyzer open it itself (it seeks and decodes
		// generations in parallel).
		o := opts
		o.Name = path
		r, err := analyzer.AnalyzeFile(path, o)
		if err != nil {
			return nil, err
		}
		return fromTrace(r, path), nil
	}
	defer f.Close()
	var in io.Reader = br
	if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &analyzer.Error{Name: path, Kind: analyzer.ErrUnreadable, Msg: "bad gzip data: " + errText(err), Err: err}
		}
		in = zr
	}
	return readJSON(in, path)
}

// Read loads samples from one stream (a trace, a JSON report or a report
// set), named name in errors and sources.
func Read(r io.Reader, name string, opts analyzer.Options) (*Samples, error) {
	br := bufio.NewReader(r)
	isJSON, gz, err := sniff(br)
	if err != nil {
		return nil, &analyzer.Error{Name: name, Kind: analyzer.ErrUnreadable, Msg: "cannot read: " + errText(err), Err: err}
	}
	if !isJSON {
		o := opts
		o.Name = name
		rep, err := analyzer.Analyze(br, o)
		if err != nil {
			return nil, err
		}
		return fromTrace(rep, name), nil
	}
	var in io.Reader = br
	if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &analyzer.Error{Name: name, Kind: analyzer.ErrUnreadable, Msg: "bad gzip data: " + errText(err), Err: err}
		}
		in = zr
	}
	return readJSON(in, name)
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// sniff reports whether the input (possibly gzip-compressed) starts with a
// JSON object. It does not consume br.
func sniff(br *bufio.Reader) (isJSON, gz bool, err error) {
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return false, false, err
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz = true
		zr, zerr := gzip.NewReader(bytes.NewReader(head))
		if zerr != nil {
			return false, true, nil // let the trace reader explain
		}
		buf := make([]byte, 64)
		n, _ := io.ReadFull(zr, buf)
		head = buf[:n]
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	return len(t) > 0 && t[0] == '{', gz, nil
}

// fromTrace makes one sample of an analyzed trace.
func fromTrace(r *analyzer.Report, name string) *Samples {
	s := &Samples{}
	s.addReports([]*analyzer.Report{r}, func(int, *analyzer.Report) string { return name })
	return s
}

// readJSON decodes a Report or a ReportSet.
func readJSON(r io.Reader, name string) (*Samples, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &analyzer.Error{Name: name, Kind: analyzer.ErrUnreadable, Msg: "cannot read: " + errText(err), Err: err}
	}
	bad := func(format string, args ...any) error {
		return &analyzer.Error{Name: name, Kind: analyzer.ErrUnreadable, Msg: fmt.Sprintf(format, args...)}
	}
	var probe struct {
		Schema  int             `json:"schema"`
		Kind    string          `json:"kind"`
		Metrics json.RawMessage `json:"metrics"`
		Reports json.RawMessage `json:"reports"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, bad("not valid JSON (%v); expected a report from gotrace analyze/run --format json", jsonErr(err, data))
	}
	if probe.Schema > analyzer.SchemaVersion {
		return nil, bad("written by a newer gotrace (schema %d; this one reads up to %d); upgrade gotrace", probe.Schema, analyzer.SchemaVersion)
	}
	switch {
	case probe.Kind == analyzer.ReportSetKind:
		var set analyzer.ReportSet
		if err := json.Unmarshal(data, &set); err != nil {
			return nil, bad("bad report set: %v", jsonErr(err, data))
		}
		if len(set.Reports) == 0 {
			return nil, bad("report set holds no reports")
		}
		s := &Samples{Env: set.Env}
		s.addReports(set.Reports, func(i int, _ *analyzer.Report) string {
			return fmt.Sprintf("%s[%d]", name, i)
		})
		s.Warnings = append(s.Warnings, schemaWarnings(name, set.Reports)...)
		return s, nil
	case probe.Kind == sweep.Kind:
		return nil, bad("a sweep (gotrace run --sweep): check takes one as the only --baseline, or as the only current file against a sweep baseline")
	case probe.Kind != "" && probe.Kind != analyzer.ReportKind:
		return nil, bad("JSON of kind %q, not a gotrace report or report set", probe.Kind)
	case len(probe.Metrics) > 0 && string(probe.Metrics) != "null":
		var rep analyzer.Report
		if err := json.Unmarshal(data, &rep); err != nil {
			return nil, bad("bad report: %v", jsonErr(err, data))
		}
		s := fromTrace(&rep, name)
		s.Warnings = append(s.Warnings, schemaWarnings(name, []*analyzer.Report{&rep})...)
		return s, nil
	case probe.Kind == analyzer.ReportKind:
		return nil, bad(`report without "metrics"; expected the output of gotrace analyze/run --format json`)
	}
	return nil, bad(`JSON without "metrics" or "kind": not a gotrace report; expected the output of gotrace analyze/run --format json`)
}

// jsonErr adds the line of a syntax error.
func jsonErr(err error, data []byte) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: %v", te.Field, err)
	}
	return err.Error()
}

// schemaWarnings says which metrics of reports written with an older
// schema meant something else then (see analyzer.SchemaVersion).
func schemaWarnings(name string, reports []*analyzer.Report) []string {
	for _, r := range reports {
		if r != nil && r.Schema < 2 {
			return []string{fmt.Sprintf("%s: written with report schema %d: its gc.stw.* counted every stop-the-world pause, not only the GC's, and it has no findings (findings.*.impact read as 0); analyze its traces again to compare like with like", name, r.Schema)}
		}
	}
	return nil
}
