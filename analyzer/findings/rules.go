package findings

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// The rules. Each reads the report through a context and returns a finding
// or nil; Of sets its id and clamps its impact. Thresholds are named
// constants next to their rule, with the reason for their value; README.md
// ("Findings") documents each rule in the same words.

type rule struct {
	id string
	fn func(c *rctx) *analyzer.Finding
}

var rules = []rule{
	{GoroutineLeak, goroutineLeak},
	{LockContention, lockContention},
	{ChannelWait, channelWait},
	{CPUSaturation, cpuSaturation},
	{GCPressure, gcPressure},
	{SyscallThreads, syscallThreads},
	{GoroutineChurn, goroutineChurn},
	{LongRunSlices, longRunSlices},
	{NonGCSTW, nonGCSTW},
	{IdleProcs, idleProcs},
	{SlowRequests, slowRequests},
}

// maxWhere is how many code locations a finding lists.
const maxWhere = 3

// rctx is what the rules share: the report and a few totals.
type rctx struct {
	r *analyzer.Report
	// userNS is the time of all user goroutines, in every state, up to the
	// end of the trace: the denominator of "share of goroutine time".
	userNS int64
	// tested is the package under test when the trace is of a go test
	// binary of a standard-library package (all its code is "std"), else "".
	tested string
}

func newContext(r *analyzer.Report) *rctx {
	u := &r.Goroutines.UserTime
	return &rctx{r: r, userNS: u.Exec + u.SchedWait + u.Blocked + u.Syscall, tested: testedPackage(r)}
}

// share is part/whole as a ratio, 0 when whole is not positive.
func share(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// ---------------------------------------------------------------------------
// goroutine-leak: user goroutines blocked at the end past the leak threshold
// (the leak analysis's suspected groups). Impact: their blocked time, summed,
// as a share of user goroutine time; when the main goroutine is one of them,
// at least the share of the trace it was blocked for (a program whose main
// goroutine is stuck is stuck). Always reported when any is suspected.

func goroutineLeak(c *rctx) *analyzer.Finding {
	l := &c.r.Leaks
	if l.Suspected == 0 {
		return nil
	}
	var blocked, longest, mainBlocked int64
	var first *analyzer.LeakGroup
	var where []analyzer.Location
	for i := range l.Groups {
		g := &l.Groups[i]
		if !g.Suspected {
			continue
		}
		if first == nil {
			first = g
		}
		blocked += g.TotalBlockedNS
		longest = max(longest, g.MaxBlockedNS)
		if g.Start == "runtime.main" || g.Start == "main.main" {
			mainBlocked = max(mainBlocked, g.MaxBlockedNS)
		}
		if loc, ok := c.locate(g.Stack); ok {
			loc.Count, loc.TotalNS = g.Count, g.TotalBlockedNS
			where = addLocation(where, loc)
		}
	}
	sortLocations(where)
	title := fmt.Sprintf("Goroutine leak: %s blocked at the end", plural(l.Suspected, "goroutine", "goroutines"))
	if mainBlocked > 0 {
		title = "Goroutine leak: the main goroutine is blocked at the end"
		if l.Suspected > 1 {
			title = fmt.Sprintf("Goroutine leak: the main goroutine and %s are blocked at the end", plural(l.Suspected-1, "other", "others"))
		}
	}
	f := &analyzer.Finding{
		Title:  title,
		Impact: max(share(blocked, c.userNS), share(mainBlocked, c.r.Trace.DurationNS)),
		Evidence: map[string]float64{
			"goroutines.leaked":         float64(l.Suspected),
			"goroutines.blocked_at_end": float64(l.Blocked),
			"leak.blocked_ns":           float64(blocked),
			"leak.max_blocked_ns":       float64(longest),
			"leak.threshold_ns":         float64(l.ThresholdNS),
		},
		Where: trimWhere(where),
		Next:  []string{"the LEAKED GOROUTINES section lists each group with its stack", "--leak-threshold D changes how long a goroutine must be blocked to be suspected"},
	}
	for _, g := range c.r.Goroutines.Groups {
		if g.Name != first.Start {
			continue
		}
		if loc, ok := c.locate(g.CreatedAt); ok {
			f.Next = append([]string{fmt.Sprintf("goroutines of %s are started at %s (%s): what should end them", g.Name, loc.Function, fileLine(loc))}, f.Next...)
		}
	}
	what := first.Diagnosis
	if what == "" {
		what = "goroutines blocked on " + first.Reason
	}
	f.Detail = fmt.Sprintf("%s blocked for at least %s at the end of the trace (the longest %s): %s.",
		plural(l.Suspected, "user goroutine was", "user goroutines were"), dur(l.ThresholdNS), dur(longest), what)
	return f
}

// ---------------------------------------------------------------------------
// lock-contention: completed waits on sync.Mutex and sync.RWMutex (told from
// other sync waits by the blocking stack). Impact: their time as a share of
// user goroutine time. Reported from 5% of user goroutine time and at least
// lockMinWaits waits: fewer is an incident, not contention.

const (
	lockMinImpact = 0.05
	lockMinWaits  = 10
)

func lockContention(c *rctx) *analyzer.Finding {
	var total, count int64
	var stacks []analyzer.StackTime
	kinds := map[string]int64{}
	for _, p := range c.r.Blocking.SyncByPrimitive {
		if p.Primitive != analyzer.PrimMutex && p.Primitive != analyzer.PrimRWMutex {
			continue
		}
		total += p.TotalNS
		count += p.Count
		kinds[p.Primitive] += p.TotalNS
		stacks = append(stacks, p.Top...)
	}
	impact := share(total, c.userNS)
	if impact < lockMinImpact || count < lockMinWaits {
		return nil
	}
	kind := analyzer.PrimMutex
	if kinds[analyzer.PrimRWMutex] > kinds[analyzer.PrimMutex] {
		kind = analyzer.PrimRWMutex
	}
	where := c.stackLocations(stacks)
	f := &analyzer.Finding{
		Title:  "Lock contention on " + kind,
		Impact: impact,
		Evidence: map[string]float64{
			"lock.wait_ns":            float64(total),
			"lock.waits":              float64(count),
			"lock.mean_wait_ns":       float64(total / count),
			"block.sync.completed_ns": float64(c.r.Blocking.SyncCompletedNS),
			"procs.utilization":       c.r.Procs.Utilization,
		},
		Where: trimWhere(where),
		Next: []string{
			"the BLOCKING section (reason sync) and the sync profile: gotrace analyze --pprof DIR, then go tool pprof -top DIR/sync.pb.gz",
			"a mutex profile (go test -mutexprofile) names the code that held the lock",
		},
	}
	f.Detail = fmt.Sprintf("Goroutines waited %s for locks in %s waits (%s each on average): %s of user goroutine time.%s",
		dur(total), count3(count), dur(total/count), pct(impact), mostAt(where))
	return f
}

// ---------------------------------------------------------------------------
// channel-wait: frequent short waits on channel operations and select while
// Ps sat idle: the goroutines had CPU to spare and waited on each other
// through channels (a pipeline stage that cannot keep up, an unbuffered
// hand-off). A place counts when its waits are frequent (chanMinWaits, and
// chanMinPerG per goroutine of the group whose stack it is) and short on
// average (chanMaxMeanNS): long or rare waits are goroutines idling for
// work or parked until released, as servers and worker pools do. Impact: the time of those waits
// as a share of user goroutine time. Reported from 10% and when P
// utilization is at most chanMaxUtil (a program whose Ps are all busy is
// limited by CPU, not by its channels).

const (
	chanMinImpact = 0.10
	chanMinWaits  = 100
	chanMinPerG   = 10
	chanMaxMeanNS = 5_000_000
	chanMaxUtil   = 0.80
)

func channelWait(c *rctx) *analyzer.Finding {
	r := c.r
	if r.Procs.Utilization > chanMaxUtil {
		return nil
	}
	var hot []analyzer.StackTime
	var total, count int64
	for _, br := range r.Blocking.ByReason {
		if !strings.Contains(br.Reason, "chan") && !strings.HasPrefix(br.Reason, "select") {
			continue
		}
		for _, st := range br.Top {
			if st.Runtime || st.Count < chanMinWaits || st.TotalNS/st.Count > chanMaxMeanNS {
				continue
			}
			if n := c.groupCount(st.Stack); n > 0 && st.Count < chanMinPerG*n {
				continue
			}
			hot = append(hot, st)
			total += st.TotalNS
			count += st.Count
		}
	}
	impact := share(total, c.userNS)
	if impact < chanMinImpact {
		return nil
	}
	where := c.stackLocations(hot)
	f := &analyzer.Finding{
		Title:  "Goroutines wait on each other through channels",
		Impact: impact,
		Evidence: map[string]float64{
			"chan.wait_ns":            float64(total),
			"chan.waits":              float64(count),
			"chan.mean_wait_ns":       float64(total / count),
			"procs.utilization":       r.Procs.Utilization,
			"block.sync.completed_ns": float64(r.Blocking.SyncCompletedNS),
		},
		Where: trimWhere(where),
		Next: []string{
			"the goroutine on the other side of the channel: what it does between operations is what these waits wait for",
			"the BLOCKING section and the sync profile (gotrace analyze --pprof DIR; go tool pprof -top DIR/sync.pb.gz)",
		},
	}
	f.Detail = fmt.Sprintf("Goroutines waited %s on channel operations in %s short waits (%s each on average, %s of user goroutine time) while Ps were only %s busy.%s",
		dur(total), count3(count), dur(total/count), pct(impact), pct(r.Procs.Utilization), mostAt(where))
	return f
}

// ---------------------------------------------------------------------------
// cpu-saturation: goroutines runnable while every P was busy. Impact: that
// runnable time (ProcStats.RunnableWhileBusyNS) as a share of user goroutine
// time. Reported from 10%, with P utilization of at least cpuMinUtil (70%:
// saturated in bursts counts) and a
// scheduler latency p99 of at least cpuMinP99NS (below, waiting for a P
// costs nothing anyone would notice).

const (
	cpuMinImpact = 0.10
	cpuMinUtil   = 0.70
	cpuMinP99NS  = 1_000_000
)

func cpuSaturation(c *rctx) *analyzer.Finding {
	r := c.r
	p := &r.Procs
	impact := share(p.RunnableWhileBusyNS, c.userNS)
	lat := &r.Latency.Dist
	if impact < cpuMinImpact || p.Utilization < cpuMinUtil || lat.P99 < cpuMinP99NS {
		return nil
	}
	queue := float64(r.Goroutines.UserTime.SchedWait) / float64(r.Trace.DurationNS)
	where := c.stackLocations(r.Latency.Top)
	f := &analyzer.Finding{
		Title:  "CPU saturation: goroutines wait for a P",
		Impact: impact,
		Evidence: map[string]float64{
			"procs.utilization":            p.Utilization,
			"procs.gomaxprocs":             float64(p.GOMAXPROCS),
			"procs.runnable_while_busy_ns": float64(p.RunnableWhileBusyNS),
			"sched.latency.p50_ns":         float64(lat.P50),
			"sched.latency.p99_ns":         float64(lat.P99),
			"sched.runnable_mean":          round3(queue),
		},
		Where: trimWhere(where),
		Next: []string{
			"a CPU profile (go test -cpuprofile) shows what keeps the Ps busy",
			"more Ps (GOMAXPROCS, the container's CPU quota) or less work per request",
			"the SCHEDULER LATENCY section and the sched profile (gotrace analyze --pprof DIR; go tool pprof -top DIR/sched.pb.gz)",
		},
	}
	f.Detail = fmt.Sprintf("The Ps were %s busy (GOMAXPROCS %d) and goroutines sat runnable for %s while every P was busy: %s of user goroutine time, %.1f goroutines waiting for a P on average; scheduler latency p50 %s, p99 %s.",
		pct(p.Utilization), p.GOMAXPROCS, dur(p.RunnableWhileBusyNS), pct(impact), queue, dur(int64(lat.P50)), dur(int64(lat.P99)))
	if len(where) > 0 {
		f.Detail += " Goroutines became runnable most at " + where[0].Function + " (" + fileLine(where[0]) + "): where they were preempted or woken."
	}
	return f
}

// ---------------------------------------------------------------------------
// gc-pressure: P time the garbage collector took from the program. GC
// workers are counted only up to the 25% of GOMAXPROCS the GC's dedicated
// and fractional workers are paced to during mark (the rest is idle-time
// workers running on Ps nothing else wanted); the time user goroutines ran
// in mark assists (made to mark while they allocate; not the time an assist
// waited for a P or for work) and stop-the-world GC pauses (times
// GOMAXPROCS) are added. Impact: that time as a share of all P time.
// Reported from 15% (a healthy program spends a few percent to about 10%
// of its CPU in GC) and at least two cycles.

const (
	gcMinImpact = 0.15
	gcMinCycles = 2
	gcWorkerCap = 0.25
)

func gcPressure(c *rctx) *analyzer.Finding {
	r := c.r
	g, p := &r.GC, &r.Procs
	if g.Cycles < gcMinCycles || p.ExistNS <= 0 {
		return nil
	}
	procs := int64(max(p.GOMAXPROCS, 1))
	workers := min(p.GCNS, int64(gcWorkerCap*float64(procs*g.MarkNS)))
	stw := int64(g.STW.Sum) * procs
	assist := g.AssistRunningNS
	if assist == 0 && g.AssistNS > 0 {
		// A report of schema 1 has the assists' whole time only.
		assist = min(g.AssistNS, r.Goroutines.UserTime.Exec)
	}
	cost := workers + assist + stw
	impact := share(cost, p.ExistNS)
	if impact < gcMinImpact {
		return nil
	}
	assistShare := share(assist, r.Goroutines.UserTime.Exec)
	perSec := float64(g.Cycles) / (float64(r.Trace.DurationNS) / 1e9)
	f := &analyzer.Finding{
		Title:  "GC pressure",
		Impact: impact,
		Evidence: map[string]float64{
			"gc.cycles":            float64(g.Cycles),
			"gc.cycles_per_sec":    round3(perSec),
			"gc.mark_ns":           float64(g.MarkNS),
			"gc.worker_ns":         float64(workers),
			"gc.assist_running_ns": float64(assist),
			"gc.assist_share":      round3(assistShare),
			"gc.stw.total_ns":      float64(g.STW.Sum),
			"procs.gc_utilization": p.GCUtilization,
		},
		Where: trimWhere(c.stackLocations(g.AssistTop)),
		Next: []string{
			"a heap profile (go test -memprofile; go tool pprof -sample_index=alloc_space) shows which code allocates",
			"GOGC or GOMEMLIMIT trade memory for fewer cycles",
			"the GARBAGE COLLECTION section",
		},
	}
	f.Detail = fmt.Sprintf("%s GC cycles (%.1f per second) took %s of all P time: %s of GC workers, %s of mark assist (%s of user goroutines' running time) and %s of stop-the-world pauses.",
		count3(g.Cycles), perSec, pct(impact), dur(workers), dur(assist), pct(assistShare), dur(int64(g.STW.Sum)))
	if len(f.Where) > 0 {
		f.Detail += " Goroutines were made to assist most at " + f.Where[0].Function + " (" + fileLine(f.Where[0]) + "), where they allocated."
	}
	return f
}

// ---------------------------------------------------------------------------
// syscall-threads: syscalls that blocked long enough for the scheduler to
// hand their P to another thread, while the program ran more OS threads than
// GOMAXPROCS plus a few. Impact: the time of those syscalls as a share of user
// goroutine time. Reported from 5%, with at least sysMinLost of them lasting
// sysMinMeanNS on average and making at least sysMinLostShare of all
// syscalls (a few quick syscalls stretched because the OS did not run their
// thread, as on a loaded machine, are not this), and threads past
// GOMAXPROCS+2.

const (
	sysMinImpact    = 0.05
	sysMinLost      = 4
	sysMinMeanNS    = 1_000_000
	sysMinLostShare = 0.01
	sysExtraThr     = 2
)

func syscallThreads(c *rctx) *analyzer.Finding {
	r := c.r
	s := &r.Syscalls
	if s.LostP < sysMinLost || s.LostPNS/s.LostP < sysMinMeanNS || share(s.LostP, s.Count) < sysMinLostShare ||
		s.Threads <= int64(r.Procs.GOMAXPROCS+sysExtraThr) {
		return nil
	}
	impact := share(s.LostPNS, c.userNS)
	if impact < sysMinImpact {
		return nil
	}
	where := c.stackLocations(s.Top)
	f := &analyzer.Finding{
		Title:  "Blocking syscalls hold OS threads",
		Impact: impact,
		Evidence: map[string]float64{
			"syscalls.lost_p":         float64(s.LostP),
			"syscalls.lost_p_ns":      float64(s.LostPNS),
			"syscalls.lost_p_mean_ns": float64(s.LostPNS / s.LostP),
			"syscalls.threads":        float64(s.Threads),
			"syscalls.max_concurrent": float64(s.MaxConcurrent),
			"procs.gomaxprocs":        float64(r.Procs.GOMAXPROCS),
		},
		Where: trimWhere(where),
		Next: []string{
			"each blocked syscall holds an OS thread: bound how many run at once (a semaphore), or use I/O the netpoller handles",
			"the SYSCALLS section and the syscall profile (gotrace analyze --pprof DIR; go tool pprof -top DIR/syscall.pb.gz)",
		},
	}
	f.Detail = fmt.Sprintf("%s syscalls blocked long enough (%s each on average, %s in all, %s of user goroutine time) for their P to be handed to another thread; the program used %d OS threads for GOMAXPROCS %d, up to %d goroutines in syscalls at once.%s",
		count3(s.LostP), dur(s.LostPNS/s.LostP), dur(s.LostPNS), pct(impact), s.Threads, r.Procs.GOMAXPROCS, s.MaxConcurrent, mostAt(where))
	return f
}

// ---------------------------------------------------------------------------
// goroutine-churn: many goroutines that each do so little that creating,
// scheduling and ending them is a large part of their cost. Creating,
// starting and ending a goroutine costs about churnCostNS of CPU (the
// many and threads workloads measure 1-2 µs on a 2-CPU machine; 1 µs is
// the low end). A user group counts when it has churnMinCount goroutines
// or more that each ran for less than churnMaxRunNS on average (so that
// overhead is 10% or more of what they do) and lived less than
// churnMaxLifeNS on average (running, blocked or in syscalls: time waiting
// for a P is the scheduler's, and long-lived goroutines parked on purpose,
// as many parks them, are not churn). Impact: the overhead of those groups'
// goroutines (count × churnCostNS) as a share of all the time goroutines
// ran on Ps. Reported from 5% when user goroutines are created at
// churnMinRate per second or more.

const (
	churnCostNS    = 1_000
	churnMinImpact = 0.05
	churnMinCount  = 1_000
	churnMinRate   = 10_000
	churnMaxRunNS  = 9_000
	churnMaxLifeNS = 1_000_000
)

func goroutineChurn(c *rctx) *analyzer.Finding {
	r := c.r
	g := &r.Goroutines
	if g.CreationRate < churnMinRate || r.Procs.BusyNS <= 0 {
		return nil
	}
	var best *analyzer.GoroutineGroup
	var created int64
	var where []analyzer.Location
	for i := range g.Groups {
		gr := &g.Groups[i]
		if gr.System || gr.Created < churnMinCount {
			continue
		}
		if life := (gr.Time.Exec + gr.Time.Blocked + gr.Time.Syscall) / gr.Count; life > churnMaxLifeNS || gr.Time.Exec/gr.Count > churnMaxRunNS {
			continue
		}
		if best == nil || gr.Created > best.Created {
			best = gr
		}
		created += gr.Created
		// Where they are created (the go statement), else the function.
		loc, ok := c.locate(gr.CreatedAt)
		if !ok {
			loc = c.funcLocation(gr.Name)
		}
		loc.Via = gr.Name
		loc.Count, loc.TotalNS = gr.Created, gr.Time.Exec
		where = append(where, loc)
	}
	if best == nil {
		return nil
	}
	overhead := created * churnCostNS
	impact := share(overhead, r.Procs.BusyNS)
	if impact < churnMinImpact {
		return nil
	}
	slices.SortStableFunc(where, func(a, b analyzer.Location) int { return cmp.Compare(b.Count, a.Count) })
	mean := best.Time.Exec / best.Count
	f := &analyzer.Finding{
		Title:  "Goroutine churn: goroutines too short to pay for themselves",
		Impact: impact,
		Evidence: map[string]float64{
			"goroutines.creation_per_sec":    round3(g.CreationRate),
			"churn.goroutines":               float64(created),
			"churn.overhead_estimate_ns":     float64(overhead),
			"group.running_per_goroutine_ns": float64(mean),
			"procs.busy_ns":                  float64(r.Procs.BusyNS),
		},
		Where: trimWhere(where),
		Next: []string{
			"a fixed pool of worker goroutines fed by a channel, or the work done inline, costs no goroutine per item",
			"the GOROUTINES section (groups by start function, lifetimes)",
		},
	}
	f.Detail = fmt.Sprintf("%s goroutines (%s of %s; %s user goroutines created per second) ran %s each on average; creating, scheduling and ending one costs about %s, so about %s went to that: %s of all the time goroutines ran.%s",
		count3(created), count3(best.Created), best.Name, rate(g.CreationRate), dur(mean), dur(churnCostNS), dur(overhead), pct(impact), createdAt(where))
	return f
}

// ---------------------------------------------------------------------------
// long-run-slices: goroutines that ran for analyzer.LongSliceNS (50 ms, 2.5
// times the 20 ms the scheduler lets a preemptible goroutine run) or more
// without a switch,
// while other goroutines waited for a P: code that cannot be preempted, or
// a thread the OS did not run. Impact: the time of those slices as a share
// of all P time. Reported from 10%, for longMinCount slices or more, when
// some runnable goroutine waited longMinWaitNS or more (one or two long
// slices are what a busy machine does to any thread now and then).

const (
	longMinImpact = 0.10
	longMinCount  = 3
	longMinWaitNS = 10_000_000
)

func longRunSlices(c *rctx) *analyzer.Finding {
	r := c.r
	l := &r.Switches.Long
	impact := share(l.TotalNS, r.Procs.ExistNS)
	if l.Count < longMinCount || impact < longMinImpact || int64(r.Latency.Dist.Max) < longMinWaitNS {
		return nil
	}
	f := &analyzer.Finding{
		Title:  "Long run slices delay other goroutines",
		Impact: impact,
		Evidence: map[string]float64{
			"switches.long_slices.count":    float64(l.Count),
			"switches.long_slices.total_ns": float64(l.TotalNS),
			"switches.run_slice.max_ns":     float64(r.Switches.RunSlice.Max),
			"sched.latency.max_ns":          float64(r.Latency.Dist.Max),
			"sched.latency.p99_ns":          float64(r.Latency.Dist.P99),
		},
		Next: []string{
			"code that cannot be preempted: a loop without function calls under GODEBUG=asyncpreemptoff=1, a long cgo call, a runtime.LockOSThread'ed goroutine",
			"on a loaded machine the OS may not have run the thread: compare with a trace taken on an idle one",
			"the TIMELINE and PROCESSORS sections show when and on which P",
		},
	}
	f.Detail = fmt.Sprintf("%s run slices of %s or more (the longest %s) held Ps for %s, %s of all P time, while runnable goroutines waited up to %s for a P (p99 %s).",
		count3(l.Count), dur(l.ThresholdNS), dur(int64(r.Switches.RunSlice.Max)), dur(l.TotalNS), pct(impact), dur(int64(r.Latency.Dist.Max)), dur(int64(r.Latency.Dist.P99)))
	return f
}

// ---------------------------------------------------------------------------
// non-gc-stw: stop-the-world pauses that are not the GC's (nor the tracer's
// own): all-goroutine stack dumps, goroutine profiles, ReadMemStats,
// GOMAXPROCS changes. Every goroutine stops during one, so impact is their
// time as a share of the trace's wall time. Reported when they add up to
// stwMinTotalNS and either reach stwMinImpact of wall time or one lasts
// stwMinMaxNS (a pause a latency-sensitive program notices).

const (
	stwMinTotalNS = 1_000_000
	stwMinImpact  = 0.01
	stwMinMaxNS   = 1_000_000
)

// stwCauses says what calls cause a stop-the-world pause of each reason.
var stwCauses = map[string]string{
	"all goroutines stack trace": "runtime.Stack(buf, true), a goroutine dump (pprof goroutine debug=2, SIGQUIT) or a fatal panic",
	"all goroutine stack trace":  "runtime.Stack(buf, true), a goroutine dump (pprof goroutine debug=2, SIGQUIT) or a fatal panic",
	"goroutine profile":          "a goroutine profile (pprof.Lookup(\"goroutine\"), /debug/pprof/goroutine)",
	"goroutine profile cleanup":  "a goroutine profile (pprof.Lookup(\"goroutine\"), /debug/pprof/goroutine)",
	"read mem stats":             "runtime.ReadMemStats",
	"GOMAXPROCS":                 "runtime.GOMAXPROCS(n) changing the value",
	"write heap dump":            "debug.WriteHeapDump",
	"AllThreadsSyscall":          "syscall.AllThreadsSyscall (setuid, setgid and friends on Linux)",
}

func nonGCSTW(c *rctx) *analyzer.Finding {
	r := c.r
	o := &r.GC.OtherSTW
	total := int64(o.Sum)
	impact := share(total, r.Trace.DurationNS)
	if o.Count == 0 || total < stwMinTotalNS || (impact < stwMinImpact && int64(o.Max) < stwMinMaxNS) {
		return nil
	}
	var reasons []analyzer.STWReason
	for _, s := range r.GC.STWByReason {
		if s.Kind == analyzer.STWOther {
			reasons = append(reasons, s)
		}
	}
	f := &analyzer.Finding{
		Title:  "Stop-the-world pauses not caused by GC",
		Impact: impact,
		Evidence: map[string]float64{
			"stw.other.count":    float64(o.Count),
			"stw.other.total_ns": float64(total),
			"stw.other.max_ns":   float64(o.Max),
			"gc.stw.total_ns":    float64(r.GC.STW.Sum),
		},
		Where: trimWhere(c.stackLocations(r.GC.OtherSTWTop)),
		Next:  []string{"the GARBAGE COLLECTION section lists every pause by reason"},
	}
	var parts []string
	for _, s := range reasons {
		f.Evidence["stw.other.reason."+analyzer.MetricWord(s.Reason)+".count"] = float64(s.Count)
		parts = append(parts, fmt.Sprintf("%s × %q (%s)", count3(s.Count), s.Reason, dur(s.TotalNS)))
		if cause, ok := stwCauses[s.Reason]; ok {
			f.Next = append(f.Next, fmt.Sprintf("%q pauses come from %s", s.Reason, cause))
		}
	}
	if len(reasons) > 0 {
		f.Title += ": " + reasons[0].Reason
	}
	f.Detail = fmt.Sprintf("%s stop-the-world pauses that were not the GC's stopped every goroutine for %s (%s of the trace, the longest %s): %s.%s",
		count3(int64(o.Count)), dur(total), pct(impact), dur(int64(o.Max)), strings.Join(parts, ", "), mostAt(f.Where))
	return f
}

// ---------------------------------------------------------------------------
// idle-procs: Ps idle while goroutines were runnable, as far as the trace's
// time bins tell (ProcStats.IdleWhileRunnableNS, an upper bound). Waking an
// idle P for a goroutine takes microseconds; idle Ps next to runnable
// goroutines for longer mean goroutines waited for something other than a P:
// a thread (runtime.LockOSThread hands each switch to one OS thread), an OS
// that does not run the program's threads (a CPU quota, a loaded machine).
// Impact: that time as a share of user goroutine time (goroutine time spent
// runnable next to an idle P). Reported from 10%, with P
// utilization at most idleMaxUtil and a scheduler latency p90 of at least
// idleMinP90NS (the microseconds an ordinary wake-up takes are not this).

const (
	idleMinImpact = 0.10
	idleMaxUtil   = 0.75
	idleMinP90NS  = 100_000
)

func idleProcs(c *rctx) *analyzer.Finding {
	r := c.r
	p := &r.Procs
	impact := share(p.IdleWhileRunnableNS, c.userNS)
	lat := &r.Latency.Dist
	if impact < idleMinImpact || p.Utilization > idleMaxUtil || lat.P90 < idleMinP90NS {
		return nil
	}
	f := &analyzer.Finding{
		Title:  "Ps idle while goroutines were runnable",
		Impact: impact,
		Evidence: map[string]float64{
			"procs.idle_while_runnable_ns": float64(p.IdleWhileRunnableNS),
			"procs.overlap_bin_ns":         float64(p.OverlapBinNS),
			"procs.utilization":            p.Utilization,
			"sched.latency.p50_ns":         float64(lat.P50),
			"sched.latency.p90_ns":         float64(lat.P90),
			"sched.latency.p99_ns":         float64(lat.P99),
		},
		Next: []string{
			"goroutines locked to OS threads (runtime.LockOSThread) can only run on their thread: each switch is a thread wake-up",
			"a CPU quota or a loaded machine keeps the program's threads from running",
		},
	}
	if at, ok := worstBucket(r.Timeline.IdleWhileRunnable); ok {
		from := int64(at) * r.Timeline.BucketNS
		f.Next = append(f.Next, fmt.Sprintf("the TIMELINE around %s-%s from the trace start, where it was highest", dur(from), dur(from+r.Timeline.BucketNS)))
	}
	f.Detail = fmt.Sprintf("Goroutines sat runnable for %s next to idle Ps (%s of user goroutine time, %s of all P time; measured in %s time bins) while utilization was only %s: runnable goroutines waited %s at p90 and %s at p99 for a P.",
		dur(p.IdleWhileRunnableNS), pct(impact), pct(share(p.IdleWhileRunnableNS, p.ExistNS)), dur(p.OverlapBinNS), pct(p.Utilization), dur(int64(lat.P90)), dur(int64(lat.P99)))
	return f
}

// ---------------------------------------------------------------------------
// slow-requests: a task type (requests, when a server makes a task per
// request) whose critical path is dominated by one goroutine in one state:
// the row of the critical path, added up over the type's completed tasks,
// with the largest share, from slowMinShare, for a type of at least
// slowMinTasks completed tasks (fewer are no pattern). Rows with no
// goroutine (unattributed, the rest past the rows kept) do not count.
// Impact: that row's share of the type's latency. When several types
// qualify, the one with the most latency in all.

const (
	slowMinTasks = 20
	slowMinShare = 0.3
)

func slowRequests(c *rctx) *analyzer.Finding {
	var best *analyzer.AnnotationKind
	var row *analyzer.PathRow
	for i := range c.r.Annotations.Tasks {
		k := &c.r.Annotations.Tasks[i]
		if k.Count < slowMinTasks {
			continue
		}
		for j := range k.CriticalPath {
			p := &k.CriticalPath[j]
			if p.State == analyzer.StateUnattributed || p.Function == "(other)" {
				continue
			}
			if p.Share >= slowMinShare && (best == nil || k.Duration.Sum > best.Duration.Sum) {
				best, row = k, p
			}
			break // rows are largest first
		}
	}
	if best == nil {
		return nil
	}
	what := row.Function + " " + row.State
	if row.Reason != "" {
		what += " (" + row.Reason + ")"
	}
	f := &analyzer.Finding{
		Title:  fmt.Sprintf("Slow %q tasks dominated by %s", best.Type, what),
		Impact: row.Share,
		Evidence: map[string]float64{
			"task.count":          float64(best.Count),
			"task.latency.p50_ns": float64(best.Duration.P50),
			"task.latency.p99_ns": float64(best.Duration.P99),
			"task.latency.max_ns": float64(best.Duration.Max),
			"task.critical_share": row.Share,
			"task.critical_ns":    float64(row.NS),
		},
		Next: []string{fmt.Sprintf("the TASK %s section: the breakdown, the whole critical path and the slowest tasks", best.Type)},
	}
	loc := analyzer.Location{Function: row.Function, File: row.File, Line: row.Line, TotalNS: row.NS}
	if loc.File == "" {
		loc = c.funcLocation(row.Function)
		loc.TotalNS = row.NS
	}
	f.Where = []analyzer.Location{loc}
	on := "on the critical path"
	if row.State == analyzer.StateRunning && row.File != "" {
		on = "on the critical path, up to where it woke the next goroutine"
	}
	f.Detail = fmt.Sprintf("%s of the latency of %s %q tasks (p50 %s, p99 %s) is %s %s: %s of the %s the tasks took.",
		pct(row.Share), count3(best.Count), best.Type, dur(int64(best.Duration.P50)), dur(int64(best.Duration.P99)), what, on, dur(row.NS), dur(int64(best.Duration.Sum)))
	if len(best.Slowest) > 0 {
		s := best.Slowest[0]
		f.Next = append(f.Next, fmt.Sprintf("the slowest, task %d, began %s after the trace start and took %s: find it in the timeline of gotrace export", s.ID, dur(s.StartNS), dur(s.LatencyNS)))
	}
	switch {
	case row.State == analyzer.StateWaiting:
		f.Next = append(f.Next, "a wait no goroutine ended (a sleep, a timer, the network) is the request's own: shorten it or do it less often")
	case row.State == analyzer.StateRunnable:
		f.Next = append(f.Next, "runnable is waiting for a P: the CPU is the bottleneck (see cpu-saturation and a CPU profile)")
	default:
		f.Next = append(f.Next, "a CPU profile of that function shows where its time goes")
	}
	return f
}

func worstBucket(v []float64) (int, bool) {
	best, at := 0.0, -1
	for i, x := range v {
		if x > best {
			best, at = x, i
		}
	}
	return at, at >= 0
}

// ---------------------------------------------------------------------------
// Code locations.

// plumbing reports whether a function is of a package that only carries a
// call to where the program waits (the runtime, internal packages, sync,
// syscall, time): not a place to point a user at.
func plumbing(fn string) bool {
	pkg := analyzer.FuncPackage(fn)
	switch {
	case analyzer.IsRuntimeFunc(fn), strings.HasPrefix(pkg, "internal/"), strings.Contains(pkg, "/internal/"):
		return true
	}
	switch pkg {
	case "sync", "sync/atomic", "syscall", "time", "reflect", "os", "io", "bufio":
		return true
	}
	return false
}

// locate finds the frame of a stack to point a user at: the first outside
// the runtime and the standard library; in a trace of a standard-library
// package's tests, the first of the package under test; else the first that
// is not plumbing. ok is false for a stack of runtime frames only.
func (c *rctx) locate(frames []analyzer.Frame) (analyzer.Location, bool) {
	i := analyzer.UserFrameIndex(frames)
	if i < 0 && c.tested != "" {
		for j, f := range frames {
			if pkg := analyzer.FuncPackage(f.Func); pkg == c.tested || pkg == c.tested+"_test" {
				i = j
				break
			}
		}
	}
	if i < 0 {
		for j, f := range frames {
			if !plumbing(f.Func) {
				i = j
				break
			}
		}
	}
	if i < 0 {
		return analyzer.Location{}, false
	}
	f := frames[i]
	loc := analyzer.Location{Function: f.Func, File: f.File, Line: f.Line}
	if i > 0 {
		loc.Via = frames[i-1].Func
	}
	return loc, true
}

// stackLocations turns stacks into code locations: stacks that point at the
// same place are merged, runtime stacks are left out, the most time first.
func (c *rctx) stackLocations(stacks []analyzer.StackTime) []analyzer.Location {
	var out []analyzer.Location
	for _, st := range stacks {
		if st.Runtime {
			continue
		}
		loc, ok := c.locate(st.Stack)
		if !ok {
			continue
		}
		loc.Count, loc.TotalNS = st.Count, st.TotalNS
		out = addLocation(out, loc)
	}
	sortLocations(out)
	return out
}

// addLocation adds loc to the list, merging it with an entry for the same
// place and call.
func addLocation(list []analyzer.Location, loc analyzer.Location) []analyzer.Location {
	for i := range list {
		l := &list[i]
		if l.Function == loc.Function && l.File == loc.File && l.Line == loc.Line && l.Via == loc.Via {
			l.Count += loc.Count
			l.TotalNS += loc.TotalNS
			return list
		}
	}
	return append(list, loc)
}

func sortLocations(list []analyzer.Location) {
	slices.SortStableFunc(list, func(a, b analyzer.Location) int {
		if c := cmp.Compare(b.TotalNS, a.TotalNS); c != 0 {
			return c
		}
		return cmp.Compare(b.Count, a.Count)
	})
}

func trimWhere(list []analyzer.Location) []analyzer.Location {
	if len(list) > maxWhere {
		list = list[:maxWhere]
	}
	return list
}

// groupCount is the number of goroutines of the group a stack of theirs
// belongs to (its outermost frame is their start function), or 0 when the
// report does not list the group.
func (c *rctx) groupCount(frames []analyzer.Frame) int64 {
	if len(frames) == 0 {
		return 0
	}
	root := frames[len(frames)-1].Func
	for _, g := range c.r.Goroutines.Groups {
		if g.Name == root {
			return g.Count
		}
	}
	return 0
}

// funcLocation names a function, with a file and line when a stack of the
// report shows it (the line is one the function was at, not its first).
func (c *rctx) funcLocation(fn string) analyzer.Location {
	loc := analyzer.Location{Function: fn}
	c.eachStack(func(frames []analyzer.Frame) bool {
		for _, f := range frames {
			if f.Func == fn && f.File != "" {
				loc.File, loc.Line = f.File, f.Line
				return false
			}
		}
		return true
	})
	return loc
}

// eachStack calls f with every stack the report holds, until f returns false.
func (c *rctx) eachStack(f func([]analyzer.Frame) bool) {
	r := c.r
	lists := [][]analyzer.StackTime{r.Latency.Top, r.Syscalls.Top}
	for _, br := range r.Blocking.ByReason {
		lists = append(lists, br.Top)
	}
	for _, l := range lists {
		for _, st := range l {
			if !f(st.Stack) {
				return
			}
		}
	}
	for _, g := range r.Leaks.Groups {
		if !f(g.Stack) {
			return
		}
	}
}

// testedPackage finds the package whose tests a trace of a go test binary
// ran, when it is a standard-library package (whose code is all "std"): the
// package of the test functions testing.tRunner calls, without _test.
func testedPackage(r *analyzer.Report) string {
	counts := map[string]int{}
	c := &rctx{r: r}
	c.eachStack(func(frames []analyzer.Frame) bool {
		for i, f := range frames {
			if f.Func == "testing.tRunner" && i > 0 {
				pkg := strings.TrimSuffix(analyzer.FuncPackage(frames[i-1].Func), "_test")
				counts[pkg]++
				break
			}
		}
		return true
	})
	best := ""
	for pkg, n := range counts {
		if n > counts[best] || n == counts[best] && pkg < best {
			best = pkg
		}
	}
	if best == "" || !analyzer.IsStdPackage(best) {
		return ""
	}
	return best
}

// ---------------------------------------------------------------------------
// Words and numbers in details. Findings are read by people; their numbers
// are formatted here as the renderers format them (three significant digits).

// createdAt says where the first location's goroutines are started.
func createdAt(where []analyzer.Location) string {
	if len(where) == 0 || where[0].File == "" {
		return ""
	}
	return " They are started at " + where[0].Function + " (" + fileLine(where[0]) + ")."
}

func mostAt(where []analyzer.Location) string {
	if len(where) == 0 {
		return ""
	}
	w := where[0]
	s := " Most at " + w.Function + " (" + fileLine(w) + ")"
	if w.Via != "" {
		s += ", in " + w.Via
	}
	return s + "."
}

func fileLine(l analyzer.Location) string {
	if l.File == "" {
		return "no file"
	}
	f := l.File
	if i := strings.LastIndexByte(f, '/'); i >= 0 {
		f = f[i+1:]
	}
	return f + ":" + strconv.Itoa(l.Line)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count3(n) + " " + many
}

// count3 writes an integer with thousands separators.
func count3(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + count3(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func pct(r float64) string { return strconv.FormatFloat(100*r, 'f', 1, 64) + "%" }

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// dur writes nanoseconds as the renderers do: "640ns", "12.3µs", "1.27s".
func dur(ns int64) string {
	switch {
	case ns < 0:
		return "-" + dur(-ns)
	case ns < 1000:
		return strconv.FormatInt(ns, 10) + "ns"
	case ns < 1e6:
		return sig3(float64(ns)/1e3) + "µs"
	case ns < 1e9:
		return sig3(float64(ns)/1e6) + "ms"
	case ns < 100e9:
		return sig3(float64(ns)/1e9) + "s"
	case ns < 3600e9:
		sec := (ns + 5e8) / 1e9
		return fmt.Sprintf("%dm%ds", sec/60, sec%60)
	}
	m := (ns + 30e9) / 60e9
	return fmt.Sprintf("%dh%dm", m/60, m%60)
}

func rate(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + "M"
	case v >= 1e3:
		return sig3(v/1e3) + "k"
	}
	return sig3(max(v, 0))
}
