package analyzer

import (
	"math"
	"strconv"
	"strings"
)

// Log categories of a convention any traced program can follow to put its own
// numbers in the report: the built-in workloads do.
const (
	// MeasureCategory marks a measurement, message "name=value unit" or
	// "name[variant]=value unit" (see Measurement.LogMessage). Each appears in
	// Report.Measurements and as metric "measure.NAME" or
	// "measure.NAME.VARIANT" (variant lower-cased, runs of other characters
	// than letters and digits replaced by "_").
	MeasureCategory = "gotrace.measure"
	// WorkloadCategory names the workload that made the trace and its
	// parameters, message "NAME k=v k=v ..."; it fills Report.Run.
	WorkloadCategory = "gotrace.workload"
	// StoppedCategory says why a watchdog ended the trace early.
	StoppedCategory = "gotrace.stopped"
	// PanicCategory records a panic that ended the workload, message the
	// panic's value (e.g. "sync: negative WaitGroup counter"); the trace
	// ends right after it. It fills Report.Run.Panic.
	PanicCategory = "gotrace.panic"
	// NoteCategory carries progress notes.
	NoteCategory = "gotrace.note"
)

// maxMeasurements bounds the measurements kept from one trace.
const maxMeasurements = 10000

// Measurement is one number a traced program measured itself.
type Measurement struct {
	Name string `json:"name"` // e.g. "create_ns_per_unit"
	// Variant distinguishes measurements of the same Name, e.g.
	// "goroutines (M:N)" and "threads (1:1)"; renderers show the variants of
	// one Name side by side with their ratio.
	Variant string  `json:"variant,omitempty"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"` // "ns", "bytes", "threads", "count", "ratio", ...
	Help    string  `json:"help,omitempty"`
}

// Key is "name" or "name[variant]".
func (m Measurement) Key() string {
	if m.Variant == "" {
		return m.Name
	}
	return m.Name + "[" + m.Variant + "]"
}

// LogMessage is the message of the trace log event (category
// MeasureCategory) that records m.
func (m Measurement) LogMessage() string {
	s := m.Key() + "=" + strconv.FormatFloat(m.Value, 'g', -1, 64)
	if m.Unit != "" {
		s += " " + m.Unit
	}
	return s
}

// MetricName is the name of m in Report.Metrics.
func (m Measurement) MetricName() string {
	name := "measure." + m.Name
	if m.Variant != "" {
		name += "." + slug(m.Variant)
	}
	return name
}

// slug lower-cases s and turns runs of other characters than letters and
// digits into single underscores.
func slug(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// ParseMeasurement parses the message of a MeasureCategory log event back
// into a measurement (without Help). ok is false if msg is not one; a
// value that is not a finite number (NaN, Inf) is not one.
func ParseMeasurement(msg string) (m Measurement, ok bool) {
	key, rest, found := strings.Cut(msg, "=")
	if !found || key == "" {
		return m, false
	}
	if i := strings.IndexByte(key, '['); i >= 0 {
		if !strings.HasSuffix(key, "]") {
			return m, false
		}
		m.Name, m.Variant = key[:i], key[i+1:len(key)-1]
	} else {
		m.Name = key
	}
	num, unit, _ := strings.Cut(rest, " ")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || m.Name == "" || math.IsNaN(v) || math.IsInf(v, 0) {
		return Measurement{}, false
	}
	m.Value, m.Unit = v, unit
	return m, true
}

// parseWorkloadLog parses "NAME k=v k=v ..." into a RunInfo.
func parseWorkloadLog(msg string) *RunInfo {
	fields := strings.Fields(msg)
	if len(fields) == 0 {
		return nil
	}
	ri := &RunInfo{Workload: fields[0], Params: map[string]string{}}
	for _, f := range fields[1:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			ri.Params[k] = v
		}
	}
	return ri
}
