package analyzer

import (
	"runtime"

	"github.com/gotrace/gotrace/analyzer/buildinfo"
)

// ReportSetKind identifies the JSON form of a ReportSet.
const ReportSetKind = "gotrace.reportset"

// ReportSet is several reports of the same kind of run, one per trace: the
// samples a regression check compares. Its JSON form is what
// `gotrace analyze A B ... --format json` and `gotrace run --count N
// --format json` write, and what `gotrace check --baseline` reads.
type ReportSet struct {
	// Header says what the JSON document is (ReportSetKind, SchemaVersion)
	// and which gotrace produced it.
	buildinfo.Header
	Env     Env       `json:"env"`
	Reports []*Report `json:"reports"`
}

// Env fingerprints the environment the samples came from; a check warns when
// the baseline's and the current samples' differ. Empty fields are unknown
// and never differ.
type Env struct {
	GoVersion  string `json:"go_version"` // Go of the traced program (release or trace format range)
	GOMAXPROCS int    `json:"gomaxprocs"` // from the trace
	// NumCPU, GOOS and GOARCH describe the machine that recorded the
	// traces. A trace does not record them, so they are known only for
	// sets gotrace recorded itself (gotrace run).
	NumCPU int    `json:"num_cpu,omitempty"`
	GOOS   string `json:"goos,omitempty"`
	GOARCH string `json:"goarch,omitempty"`
	// Workload and Params name the built-in workload the traces came from,
	// for sets made by `gotrace run`.
	Workload string            `json:"workload,omitempty"`
	Params   map[string]string `json:"params,omitempty"`
	// GODEBUG is the workload processes' GODEBUG, for sets gotrace run
	// recorded: the inherited one and --godebug.
	GODEBUG string `json:"godebug,omitempty"`
}

// NewReportSet wraps reports with what their traces say of the environment:
// the Go release (goVersion; empty means the trace format's range of the
// first report) and GOMAXPROCS. RecordedHere adds this machine's
// description, for traces recorded on it.
func NewReportSet(reports []*Report, goVersion string) *ReportSet {
	env := Env{GoVersion: goVersion}
	if len(reports) > 0 {
		if env.GoVersion == "" {
			env.GoVersion = "go" + reports[0].Source.GoVersion
		}
		env.GOMAXPROCS = reports[0].Procs.GOMAXPROCS
	}
	return &ReportSet{Header: buildinfo.NewHeader(ReportSetKind, SchemaVersion), Env: env, Reports: reports}
}

// RecordedHere records that the set's traces were recorded on this machine:
// its CPU count, OS and architecture.
func (s *ReportSet) RecordedHere() {
	s.Env.NumCPU, s.Env.GOOS, s.Env.GOARCH = runtime.NumCPU(), runtime.GOOS, runtime.GOARCH
}
