package analyzer

import (
	"strconv"
	"strings"
)

// Metrics returns the flat map of headline numbers of a report, under the
// stable dotted names CI checks refer to. Units are in the names: _ns
// (nanoseconds), _bytes, _per_sec; ratios are 0..1; bare names are counts.
func Metrics(r *Report) map[string]float64 {
	m := map[string]float64{}
	set := func(k string, v float64) { m[k] = v }
	i := func(k string, v int64) { m[k] = float64(v) }
	u := func(k string, v uint64) { m[k] = float64(v) }
	distM := func(prefix string, d *Dist) {
		u(prefix+".count", d.Count)
		set(prefix+".mean_ns", d.Mean)
		u(prefix+".p50_ns", d.P50)
		u(prefix+".p90_ns", d.P90)
		u(prefix+".p99_ns", d.P99)
		u(prefix+".p999_ns", d.P999)
		u(prefix+".max_ns", d.Max)
	}

	i("trace.duration_ns", r.Trace.DurationNS)
	i("trace.events", r.Trace.Events)
	set("trace.generations", float64(r.Trace.Generations))

	g := &r.Goroutines
	i("goroutines.created", g.Created)
	i("goroutines.ended", g.Ended)
	i("goroutines.pre_existing", g.PreExisting)
	i("goroutines.peak", g.Peak)
	i("goroutines.alive_at_end", g.AliveAtEnd)
	i("goroutines.user_created", g.UserCreated)
	i("goroutines.user_ended", g.UserEnded)
	i("goroutines.user_alive_at_end", g.UserAliveAtEnd)
	i("goroutines.working_at_end", g.WorkingAtEnd)
	i("goroutines.system", g.System)
	set("goroutines.creation_per_sec", g.CreationRate)
	distM("goroutines.lifetime", &g.Lifetime)
	i("goroutines.leaked", r.Leaks.Suspected)
	i("goroutines.blocked_at_end", r.Leaks.Blocked)

	p := &r.Procs
	set("procs.gomaxprocs", float64(p.GOMAXPROCS))
	set("procs.utilization", p.Utilization)
	set("procs.gc_utilization", p.GCUtilization)
	i("procs.busy_ns", p.BusyNS)
	i("procs.idle_ns", p.IdleNS)
	i("procs.syscall_ns", p.SyscallNS)
	i("procs.idle_while_runnable_ns", p.IdleWhileRunnableNS)
	i("procs.runnable_while_busy_ns", p.RunnableWhileBusyNS)

	s := &r.Switches
	i("switches.total", s.Total)
	set("switches.per_sec", s.PerSec)
	set("switches.per_sec_per_p", s.PerSecPerP)
	i("switches.blocked", s.Out.Blocked)
	i("switches.preempted", s.Out.Preempted)
	i("switches.yielded", s.Out.Yielded)
	i("switches.syscall", s.Out.Syscall)
	i("switches.exited", s.Out.Exited)
	i("switches.migrations", s.Migrations)
	distM("switches.run_slice", &s.RunSlice)
	i("switches.long_slices.count", s.Long.Count)
	i("switches.long_slices.total_ns", s.Long.TotalNS)

	l := &r.Latency
	distM("sched.latency", &l.Dist)
	i("sched.wait.completed_ns", l.CompletedNS)
	i("sched.wait.after_first_run_ns", l.AfterFirstRunNS)
	i("sched.wait.open_ns", l.OpenNS)
	i("sched.wait.preexisting", l.Preexisting)

	b := &r.Blocking
	i("block.completed_ns", b.CompletedNS)
	i("block.count", b.Count)
	i("block.sync.completed_ns", b.SyncCompletedNS)
	i("block.net.completed_ns", b.NetCompletedNS)
	i("block.open_ns", b.OpenNS)
	i("block.preexisting", b.Preexisting)
	for _, c := range catNames {
		if c != "" {
			m["block.class."+c+".completed_ns"] = 0 // every class, so a gate on one always has a value
			m["block.class."+c+".count"] = 0
		}
	}
	for _, br := range b.ByReason {
		k := "block.reason." + metricWord(br.Reason)
		m[k+".completed_ns"] += float64(br.TotalNS) // += : two reasons may share a word
		m[k+".count"] += float64(br.Count)
		c := "block.class." + ReasonClass(br.Reason)
		m[c+".completed_ns"] += float64(br.TotalNS)
		m[c+".count"] += float64(br.Count)
	}

	sc := &r.Syscalls
	i("syscalls.count", sc.Count)
	i("syscalls.completed_ns", sc.CompletedNS)
	i("syscalls.open_ns", sc.OpenNS)
	i("syscalls.preexisting", sc.Preexisting)
	set("syscalls.mean_ns", sc.Dist.Mean)
	u("syscalls.p50_ns", sc.Dist.P50)
	u("syscalls.p90_ns", sc.Dist.P90)
	u("syscalls.p99_ns", sc.Dist.P99)
	u("syscalls.p999_ns", sc.Dist.P999)
	u("syscalls.max_ns", sc.Dist.Max)
	i("syscalls.kept_p", sc.KeptP)
	i("syscalls.lost_p", sc.LostP)
	i("syscalls.lost_p_ns", sc.LostPNS)
	i("syscalls.threads", sc.Threads)
	i("syscalls.max_concurrent", sc.MaxConcurrent)

	gc := &r.GC
	i("gc.cycles", gc.Cycles)
	i("gc.mark_ns", gc.MarkNS)
	u("gc.stw.count", gc.STW.Count)
	u("gc.stw.total_ns", gc.STW.Sum)
	u("gc.stw.max_ns", gc.STW.Max)
	u("gc.stw.p99_ns", gc.STW.P99)
	u("gc.stw.p50_ns", gc.STW.P50)
	set("gc.stw.mean_ns", gc.STW.Mean)
	u("stw.other.count", gc.OtherSTW.Count)
	u("stw.other.total_ns", gc.OtherSTW.Sum)
	u("stw.other.max_ns", gc.OtherSTW.Max)
	for _, sr := range gc.STWByReason {
		if sr.Kind == STWOther {
			k := "stw.other.reason." + metricWord(sr.Reason)
			m[k+".count"] += float64(sr.Count)
			m[k+".total_ns"] += float64(sr.TotalNS)
			m[k+".max_ns"] = max(m[k+".max_ns"], float64(sr.MaxNS))
		}
	}
	i("gc.sweep_ns", gc.SweepNS)
	i("gc.assist.count", gc.AssistCount)
	i("gc.assist_ns", gc.AssistNS)
	i("gc.assist_running_ns", gc.AssistRunningNS)
	u("gc.heap.max_bytes", gc.HeapMaxBytes)
	u("gc.heap_goal.max_bytes", gc.GoalMaxBytes)

	gt := &r.GoToolTrace
	i("gotooltrace.sched_ns", gt.SchedNS)
	i("gotooltrace.sync_ns", gt.SyncNS)
	i("gotooltrace.net_ns", gt.NetNS)
	i("gotooltrace.syscall_ns", gt.SyscallNS)

	a := &r.Annotations
	var tasks, regions, openTasks, openRegions int64
	for _, t := range a.Tasks {
		tasks += t.Count
		openTasks += t.Unfinished
	}
	for _, t := range a.Regions {
		regions += t.Count
		openRegions += t.Unfinished
	}
	i("annotations.tasks", tasks)
	i("annotations.tasks_unfinished", openTasks)
	i("annotations.regions", regions)
	i("annotations.regions_unfinished", openRegions)
	i("annotations.logs", a.LogCount)
	kindMetrics(m, "task", a.Tasks)
	kindMetrics(m, "region", a.Regions)

	for _, ms := range r.Measurements {
		m[ms.MetricName()] = ms.Value // the last of a name wins
	}
	return m
}

// MetricWord turns a wait or pause reason into a metric name component, as
// block.reason.* and stw.other.reason.* use it: "chan receive" is
// chan_receive.
func MetricWord(s string) string { return metricWord(s) }

// Units of metrics, as MetricUnit derives them from the names.
const (
	UnitNS     = "ns"      // *_ns
	UnitBytes  = "bytes"   // *_bytes
	UnitPerSec = "per_sec" // *_per_sec, *.per_sec
	UnitRatio  = "ratio"   // 0..1
	UnitCount  = "count"   // everything else
)

// ratioMetrics are the metrics whose value is a ratio 0..1 although their
// names carry no unit suffix.
var ratioMetrics = map[string]bool{
	"procs.utilization":    true,
	"procs.gc_utilization": true,
}

// MetricUnit returns the unit of a metric (or of any quantity named the
// same way) from its name: UnitNS for "_ns", UnitBytes for "_bytes",
// UnitPerSec for "per_sec", UnitRatio for the utilizations, "_share" and
// the findings' impacts (findings.ID.impact), UnitCount otherwise.
func MetricUnit(metric string) string {
	switch {
	case strings.HasSuffix(metric, "_ns"):
		return UnitNS
	case strings.HasSuffix(metric, "_bytes"):
		return UnitBytes
	case strings.HasSuffix(metric, "per_sec"): // "switches.per_sec", "goroutines.creation_per_sec"
		return UnitPerSec
	case ratioMetrics[metric], strings.HasSuffix(metric, "_share"),
		strings.HasPrefix(metric, "findings.") && strings.HasSuffix(metric, ".impact"):
		return UnitRatio
	}
	return UnitCount
}

// metricWord turns a wait reason into a metric name component: lower case,
// runs of other characters as one underscore ("chan receive" is
// chan_receive, "sync.(*Cond).Wait" is sync_cond_wait).
func metricWord(s string) string {
	b := make([]byte, 0, len(s))
	under := false
	for _, c := range []byte(strings.ToLower(s)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if under && len(b) > 0 {
				b = append(b, '_')
			}
			under = false
			b = append(b, c)
			continue
		}
		under = true
	}
	if len(b) == 0 {
		return "unknown"
	}
	return string(b)
}

// KindMetricNames returns the metric name component of each task or region
// type, in order: the type as metricWord makes it ("GET /users" is
// get_users), with _2, _3, ... appended to a name an earlier type of the
// list already has.
func KindMetricNames(kinds []AnnotationKind) []string {
	seen := map[string]bool{}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		base := metricWord(k.Type)
		name := base
		for n := 2; seen[name]; n++ {
			name = base + "_" + strconv.Itoa(n)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// PathCategory is the metric word of a critical-path or breakdown row's
// state: the state, and for a wait its reason class (waiting_sync).
func PathCategory(state, reason string) string {
	if state == StateWaiting {
		return state + "_" + metricWord(ReasonClass(reason))
	}
	return metricWord(state)
}

// kindMetrics adds the metrics of task or region types under prefix
// (task, region): PREFIX.TYPE.count, .unfinished, .latency.*_ns,
// .breakdown.CATEGORY_share and .critical.CATEGORY_share.
func kindMetrics(m map[string]float64, prefix string, kinds []AnnotationKind) {
	for i, name := range KindMetricNames(kinds) {
		k := &kinds[i]
		p := prefix + "." + name + "."
		m[p+"count"] = float64(k.Count)
		m[p+"unfinished"] = float64(k.Unfinished)
		if k.Count > 0 {
			d := &k.Duration
			m[p+"latency.mean_ns"] = d.Mean
			m[p+"latency.p50_ns"] = float64(d.P50)
			m[p+"latency.p90_ns"] = float64(d.P90)
			m[p+"latency.p99_ns"] = float64(d.P99)
			m[p+"latency.max_ns"] = float64(d.Max)
		}
		for _, b := range k.Breakdown {
			m[p+"breakdown."+PathCategory(b.State, b.Reason)+"_share"] += b.Share
		}
		for _, r := range k.CriticalPath {
			m[p+"critical."+PathCategory(r.State, r.Reason)+"_share"] += r.Share
		}
	}
}
