package workloads

import (
	"bufio"
	"bytes"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// procStatus is what /proc/self/status says about this process (Linux).
type procStatus struct {
	ok       bool
	threads  int   // OS threads now
	rssBytes int64 // resident set
	vmBytes  int64 // virtual size
}

func readProcStatus() procStatus {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return procStatus{}
	}
	var st procStatus
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		fields := bytes.Fields(val)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			continue
		}
		switch string(key) {
		case "Threads":
			st.threads = int(n)
			st.ok = true
		case "VmRSS":
			st.rssBytes = n << 10 // kB
		case "VmSize":
			st.vmBytes = n << 10
		}
	}
	return st
}

// osThreads is the number of OS threads of the process now, or, where
// /proc is missing, the number of threads the runtime ever created.
func osThreads() int {
	if st := readProcStatus(); st.ok {
		return st.threads
	}
	return pprof.Lookup("threadcreate").Count()
}

// Names of runtime/metrics the workloads read.
const (
	mHeapStacks  = "/memory/classes/heap/stacks:bytes"
	mOSStacks    = "/memory/classes/os-stacks:bytes"
	mTotalMemory = "/memory/classes/total:bytes"
	mStackStart  = "/gc/stack/starting-size:bytes"
	mGCCycles    = "/gc/cycles/total:gc-cycles"
	mGCPauses    = "/sched/pauses/total/gc:seconds"
	mHeapAllocs  = "/gc/heap/allocs:bytes"
	mAssistCPU   = "/cpu/classes/gc/mark/assist:cpu-seconds"
	mGCTotalCPU  = "/cpu/classes/gc/total:cpu-seconds"
	mUserCPU     = "/cpu/classes/user:cpu-seconds"
)

// readMetrics samples runtime/metrics. Unsupported metrics read as 0;
// histograms read as their count of samples (see histSum for their sum).
func readMetrics(names ...string) map[string]float64 {
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	metrics.Read(samples)
	out := make(map[string]float64, len(names))
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			out[s.Name] = float64(s.Value.Uint64())
		case metrics.KindFloat64:
			out[s.Name] = s.Value.Float64()
		case metrics.KindFloat64Histogram:
			var n uint64
			for _, c := range s.Value.Float64Histogram().Counts {
				n += c
			}
			out[s.Name] = float64(n)
		}
	}
	return out
}

// histSum estimates the sum of a runtime/metrics histogram from its bucket
// midpoints (the exact sum is not exported).
func histSum(name string) float64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	h := s[0].Value.Float64Histogram()
	var sum float64
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		switch {
		case lo < -1e300: // -Inf
			lo = hi
		case hi > 1e300:
			hi = lo
		}
		sum += float64(c) * (lo + hi) / 2
	}
	return sum
}

// sink defeats dead-code elimination of CPU work.
var sink atomic.Uint64

// keep makes x observable so that the work computing it is not optimized away.
func keep(x uint64) { sink.Add(x) }

// burn does n rounds of integer work and returns a value that depends on all
// of them.
func burn(n int) uint64 {
	x := uint64(n) | 1
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// burnRate is how many rounds of burn this machine does per nanosecond of
// CPU, measured once (calibrate).
var (
	calibrateOnce sync.Once
	burnRate      float64
)

// calibrate measures burnRate: the fastest of several short trials, so that
// a trial the OS descheduled does not count.
func calibrate() {
	calibrateOnce.Do(func() {
		const rounds = 20000
		best := time.Duration(1<<63 - 1)
		for i := 0; i < 25; i++ {
			t := time.Now()
			keep(burn(rounds))
			best = min(best, time.Since(t))
		}
		burnRate = float64(rounds) / float64(max(best.Nanoseconds(), 1))
	})
}

// spinFor burns about d of CPU time, without blocking: a fixed amount of
// work, so a goroutine that is preempted or descheduled takes longer in wall
// time but does the same work.
func spinFor(d time.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	calibrate()
	return burn(int(float64(d.Nanoseconds()) * burnRate))
}

// nsPer is elapsed time divided by n, in ns.
func nsPer(d time.Duration, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(d.Nanoseconds()) / float64(n)
}

// perSec is n per second of d.
func perSec(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
