package workloads

import (
	"fmt"
	"math"
)

// Estimate is what a run of a workload needs, from its parameters alone.
type Estimate struct {
	// Bytes is the peak memory of the workload process: the Go runtime and
	// tracing (baseBytes) and what the parameters ask for.
	Bytes int64
	// Goroutines is the most goroutines alive at once, which the analysis
	// of the trace holds state for.
	Goroutines int64
	// Detail says where Bytes comes from ("100,000 goroutines x 2.7 KiB").
	Detail string
}

// Costs the estimates are made of, measured on linux/amd64 with Go 1.26
// (see the many and threads workloads' own measurements).
const (
	baseBytes         = 48 << 20 // runtime, trace buffers, the workload's own data
	goroutineBytes    = 2760     // a parked goroutine: its 2 KiB stack and runtime records
	pinnedThreadBytes = 24 << 10 // an OS thread locked to a goroutine, resident
)

// Estimate says how much memory a run of w with params (missing ones
// default) needs. It errors for parameters that do not parse, as RunChild
// would.
func (w *Workload) Estimate(params map[string]string) (Estimate, error) {
	v, err := w.values(params)
	if err != nil {
		return Estimate{}, err
	}
	e := Estimate{Bytes: baseBytes, Goroutines: 16, Detail: "the Go runtime and the trace buffers"}
	if w.memory != nil {
		extra, goroutines, detail := w.memory(v)
		e.Bytes += extra
		e.Goroutines += goroutines
		e.Detail = detail + ", plus " + mib(baseBytes) + " for the runtime and the trace buffers"
	}
	return e, nil
}

// goroutinesCost is the memory of n goroutines parked at once.
func goroutinesCost(n int) (int64, int64, string) {
	return int64(n) * goroutineBytes, int64(n), fmt.Sprintf("%s goroutines x %.1f KiB", count(int64(n)), goroutineBytes/1024.0)
}

func mib(b int64) string {
	if b >= 10<<30 {
		return fmt.Sprintf("%.0f GiB", float64(b)/(1<<30))
	}
	if b >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", math.Ceil(float64(b)/(1<<20)))
}

// count formats n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
