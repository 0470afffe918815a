package render

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// Text writes the report as titled text tables, most important numbers first.
func Text(w io.Writer, r *analyzer.Report) error {
	return writeReport(w, r, StyleText)
}

// Markdown writes the report as Markdown (headings and tables), for a
// GitHub step summary or a pull-request comment.
func Markdown(w io.Writer, r *analyzer.Report) error {
	return writeReport(w, r, StyleMarkdown)
}

// reportWriter writes one report in one style.
type reportWriter struct {
	w     *bufio.Writer
	r     *analyzer.Report
	style Style
	err   error
}

func writeReport(w io.Writer, r *analyzer.Report, style Style) error {
	rw := &reportWriter{w: bufio.NewWriter(w), r: r, style: style}
	rw.header()
	rw.workload()
	rw.summary()
	rw.goroutines()
	rw.procs()
	rw.switches()
	rw.latency()
	rw.blocking()
	rw.syscalls()
	rw.gc()
	rw.leaks()
	rw.annotations()
	if err := rw.w.Flush(); err != nil && rw.err == nil {
		rw.err = err
	}
	return rw.err
}

func (rw *reportWriter) printf(format string, args ...any) {
	fmt.Fprintf(rw.w, format, args...)
}

func (rw *reportWriter) title(s string) {
	if rw.style == StyleMarkdown {
		rw.printf("\n### %s\n\n", s)
	} else {
		rw.printf("\n%s\n", strings.ToUpper(s))
	}
}

// note writes a line of prose under a table.
func (rw *reportWriter) note(format string, args ...any) {
	if rw.style == StyleMarkdown {
		rw.printf("\n"+format+"\n\n", args...)
		return
	}
	rw.printf(format+"\n", args...)
}

func (rw *reportWriter) table(header []string, left ...int) *table {
	return newTable(rw.w, rw.style, header, left...)
}

func (rw *reportWriter) done(t *table) {
	if err := t.render(); err != nil && rw.err == nil {
		rw.err = err
	}
}

func (rw *reportWriter) header() {
	r := rw.r
	src := r.Source.Name
	if rw.style == StyleMarkdown {
		rw.printf("## gotrace report: `%s`\n\n", src)
	} else {
		rw.printf("gotrace report: %s\n", src)
	}
	gz := ""
	if r.Source.Gzip {
		gz = ", gzip"
	}
	line1 := fmt.Sprintf("%s (Go %s), %s%s, %s events, %d generation(s)",
		r.Source.Format, r.Source.GoVersion, Bytes(uint64(max(r.Source.Bytes, 0))), gz, Count(r.Trace.Events), r.Trace.Generations)
	line2 := fmt.Sprintf("duration %s, GOMAXPROCS %d", Dur(r.Trace.DurationNS), r.Procs.GOMAXPROCS)
	if rw.style == StyleMarkdown {
		rw.printf("%s; %s\n", line1, line2)
	} else {
		rw.printf("  %s\n  %s\n", line1, line2)
	}
	if r.Trace.Truncated {
		rw.note("WARNING: truncated trace; %s at the end were not analyzed", Bytes(uint64(r.Trace.LostBytes)))
	}
}

// workload writes the workload that made the trace and its own
// measurements, when the trace says so.
func (rw *reportWriter) workload() {
	r := rw.r
	if r.Run == nil && len(r.Measurements) == 0 {
		return
	}
	if r.Run != nil {
		rw.title("Workload " + r.Run.Workload)
		rw.note("parameters: %s", formatParams(r.Run.Params))
		if r.Run.Stopped != "" {
			rw.note("stopped by its watchdog: %s", r.Run.Stopped)
		}
	} else {
		rw.title("Measurements")
	}
	if len(r.Measurements) == 0 {
		return
	}
	mt := layoutMeasurements(r.Measurements)
	t := rw.table(mt.header)
	for _, row := range mt.rows {
		t.row(row...)
	}
	rw.done(t)
	for _, n := range mt.notes {
		if rw.style == StyleMarkdown {
			rw.printf("- %s\n", n)
		} else {
			rw.printf("  %s\n", n)
		}
	}
}

func (rw *reportWriter) summary() {
	r := rw.r
	rw.title("Summary")
	t := rw.table([]string{"", "value", "detail"}, 2)
	g := &r.Goroutines
	t.row("goroutines created", Count(g.Created), fmt.Sprintf("peak %s alive, %s alive at end, %s ended", Count(g.Peak), Count(g.AliveAtEnd), Count(g.Ended)))
	t.row("P utilization", Pct(r.Procs.Utilization), fmt.Sprintf("%s of it GC, GOMAXPROCS %d", Pct(r.Procs.GCUtilization), r.Procs.GOMAXPROCS))
	t.row("goroutine switches", Count(r.Switches.Total), fmt.Sprintf("%s, %s per P", Rate(r.Switches.PerSec), Rate(r.Switches.PerSecPerP)))
	l := &r.Latency.Dist
	t.row("scheduler latency p99", DurU(l.P99), fmt.Sprintf("p50 %s, max %s, over %s waits", DurU(l.P50), DurU(l.Max), Count(int64(l.Count))))
	var blocked int64
	for _, b := range r.Blocking.ByReason {
		blocked += b.TotalNS
	}
	top := ""
	if len(r.Blocking.ByReason) > 0 {
		top = "most on " + r.Blocking.ByReason[0].Reason
	}
	t.row("blocked", Dur(blocked), top)
	t.row("syscalls", Count(r.Syscalls.Count), fmt.Sprintf("%s total, %s lost their P, %s threads", Dur(r.Syscalls.CompletedNS), Count(r.Syscalls.LostP), Count(r.Syscalls.Threads)))
	t.row("GC cycles", Count(r.GC.Cycles), fmt.Sprintf("%s stop-the-world pauses, max %s", Count(int64(r.GC.STW.Count)), DurU(r.GC.STW.Max)))
	t.row("suspected leaks", Count(r.Leaks.Suspected), fmt.Sprintf("%s user goroutines blocked at end", Count(r.Leaks.Blocked)))
	rw.done(t)
}

func (rw *reportWriter) distRow(t *table, name string, d *analyzer.Dist) {
	t.row(name, Count(int64(d.Count)), DurU(d.P50), DurU(d.P90), DurU(d.P99), DurU(d.P999), DurU(d.Max), Dur(int64(d.Mean)))
}

var distHeader = []string{"", "count", "p50", "p90", "p99", "p99.9", "max", "mean"}

func (rw *reportWriter) goroutines() {
	g := &rw.r.Goroutines
	rw.title("Goroutines")
	t := rw.table([]string{"", "all", "user"})
	t.row("created", Count(g.Created), Count(g.UserCreated))
	t.row("ended", Count(g.Ended), Count(g.UserEnded))
	t.row("alive at end", Count(g.AliveAtEnd), Count(g.UserAliveAtEnd))
	t.row("existing before trace", Count(g.PreExisting), "")
	t.row("peak alive", Count(g.Peak), "")
	rw.done(t)
	rw.note("peak reached at %s; %s runtime goroutines; user creation rate %s", Dur(g.PeakAtNS), Count(g.System), Rate(g.CreationRate))
	if g.Lifetime.Count > 0 {
		t = rw.table(distHeader)
		rw.distRow(t, "lifetime", &g.Lifetime)
		rw.done(t)
	}
	if len(g.Groups) > 0 {
		rw.note("by start function (time in each state, summed over the group's goroutines):")
		t = rw.table([]string{"start function", "count", "alive", "running", "runnable", "blocked", "syscall", "blocked on"}, 7)
		for _, gr := range g.Groups {
			name := gr.Name
			if gr.System {
				name += " [runtime]"
			}
			t.row(name, Count(gr.Count), Count(gr.AliveAtEnd), Dur(gr.Time.Exec), Dur(gr.Time.SchedWait), Dur(gr.Time.Blocked), Dur(gr.Time.Syscall), topKeys(gr.Time.BlockedBy, 2))
		}
		rw.done(t)
	}
}

// topKeys lists the largest entries of m as "k1, k2".
func topKeys(m map[string]int64, n int) string {
	type kv struct {
		k string
		v int64
	}
	var s []kv
	for k, v := range m {
		s = append(s, kv{k, v})
	}
	sort.Slice(s, func(i, j int) bool {
		if s[i].v != s[j].v {
			return s[i].v > s[j].v
		}
		return s[i].k < s[j].k
	})
	var out []string
	for i, e := range s {
		if i == n {
			break
		}
		out = append(out, e.k)
	}
	return strings.Join(out, ", ")
}

func (rw *reportWriter) procs() {
	p := &rw.r.Procs
	rw.title("Processors")
	t := rw.table([]string{"P", "utilization", "running", "of it GC", "in syscall", "switches", "existed"})
	for _, u := range p.PerP {
		t.row(fmt.Sprintf("P%d", u.P), Pct(u.Utilization), Dur(u.BusyNS), Dur(u.GCNS), Dur(u.SyscallNS), Count(u.Switches), Dur(u.ExistNS))
	}
	t.row("all", Pct(p.Utilization), Dur(p.BusyNS), Dur(p.GCNS), Dur(p.SyscallNS), Count(rw.r.Switches.Total), Dur(p.ExistNS))
	rw.done(t)
	if len(p.GOMAXPROCSChanges) > 1 {
		var parts []string
		for _, c := range p.GOMAXPROCSChanges {
			parts = append(parts, fmt.Sprintf("%d at %s", c.Value, Dur(c.AtNS)))
		}
		rw.note("GOMAXPROCS changed: %s", strings.Join(parts, ", "))
	}
	tl := &rw.r.Timeline
	if len(tl.Utilization) > 0 {
		rw.note("utilization over time (%d buckets of %s): %s", len(tl.Utilization), Dur(tl.BucketNS), sparkline(tl.Utilization))
	}
}

func (rw *reportWriter) switches() {
	s := &rw.r.Switches
	rw.title("Goroutine switches")
	t := rw.table([]string{"", "count", "share"})
	total := s.Out.Blocked + s.Out.Preempted + s.Out.Yielded + s.Out.Syscall + s.Out.Exited
	share := func(n int64) string {
		if total == 0 {
			return "-"
		}
		return Pct(float64(n) / float64(total))
	}
	t.row("switches (P starts a goroutine)", Count(s.Total), "")
	t.row("  per second / per P", Rate(s.PerSec), Rate(s.PerSecPerP))
	t.row("switched out: blocked", Count(s.Out.Blocked), share(s.Out.Blocked))
	t.row("switched out: preempted", Count(s.Out.Preempted), share(s.Out.Preempted))
	t.row("switched out: yielded", Count(s.Out.Yielded), share(s.Out.Yielded))
	t.row("switched out: syscall", Count(s.Out.Syscall), share(s.Out.Syscall))
	t.row("switched out: exited", Count(s.Out.Exited), share(s.Out.Exited))
	t.row("migrations between Ps", Count(s.Migrations), "")
	rw.done(t)
	if s.RunSlice.Count > 0 {
		t = rw.table(distHeader)
		rw.distRow(t, "run slice", &s.RunSlice)
		rw.done(t)
	}
}

func (rw *reportWriter) latency() {
	l := &rw.r.Latency
	rw.title("Scheduler latency (runnable -> running)")
	t := rw.table(distHeader)
	rw.distRow(t, "latency", &l.Dist)
	rw.done(t)
	rw.note("runnable time: %s completed (%s after each goroutine's first run, as go tool trace counts it), %s still waiting at end",
		Dur(l.CompletedNS), Dur(l.AfterFirstRunNS), Dur(l.OpenNS))
	if len(l.WorstGroups) > 0 {
		t = rw.table([]string{"worst groups", "goroutines", "longest wait", "total wait"})
		for _, g := range l.WorstGroups {
			t.row(g.Name, Count(g.Count), Dur(g.MaxNS), Dur(g.TotalNS))
		}
		rw.done(t)
	}
}

func (rw *reportWriter) blocking() {
	b := &rw.r.Blocking
	rw.title("Blocking (completed waits by reason)")
	if len(b.ByReason) == 0 {
		rw.note("no goroutine blocked")
		return
	}
	t := rw.table([]string{"reason", "count", "total", "max", "top stack"}, 4)
	for _, br := range b.ByReason {
		stk := ""
		if len(br.Top) > 0 {
			stk = stackShort(br.Top[0].Stack, 3)
		}
		t.row(br.Reason, Count(br.Count), Dur(br.TotalNS), Dur(br.MaxNS), stk)
	}
	rw.done(t)
	rw.note("sync (chan/sync/select) %s, network %s; %s of waits still open at end", Dur(b.SyncCompletedNS), Dur(b.NetCompletedNS), Dur(b.OpenNS))
}

func (rw *reportWriter) syscalls() {
	s := &rw.r.Syscalls
	rw.title("Syscalls")
	t := rw.table([]string{"", "value"})
	t.row("completed syscalls", Count(s.Count))
	t.row("time in syscalls", Dur(s.CompletedNS))
	t.row("returned to their P", Count(s.KeptP))
	t.row("lost their P (handed off)", Count(s.LostP))
	t.row("OS threads seen", Count(s.Threads))
	t.row("most in syscalls at once", Count(s.MaxConcurrent))
	t.row("still in syscalls at end", Dur(s.OpenNS))
	rw.done(t)
	if s.Dist.Count > 0 {
		t = rw.table(distHeader)
		rw.distRow(t, "syscall", &s.Dist)
		rw.done(t)
	}
	if len(s.Top) > 0 {
		t = rw.table([]string{"top syscall stacks", "count", "total"})
		for _, st := range s.Top {
			t.row(stackShort(st.Stack, 3), Count(st.Count), Dur(st.TotalNS))
		}
		rw.done(t)
	}
}

func (rw *reportWriter) gc() {
	g := &rw.r.GC
	rw.title("Garbage collection")
	t := rw.table([]string{"", "value"})
	t.row("GC cycles", Count(g.Cycles))
	t.row("mark phase time", Dur(g.MarkNS))
	t.row("stop-the-world pauses", Count(int64(g.STW.Count)))
	t.row("  total / p99 / max", fmt.Sprintf("%s / %s / %s", DurU(g.STW.Sum), DurU(g.STW.P99), DurU(g.STW.Max)))
	t.row("mark assists", fmt.Sprintf("%s, %s", Count(g.AssistCount), Dur(g.AssistNS)))
	t.row("sweep time", Dur(g.SweepNS))
	t.row("heap live (peak / last)", fmt.Sprintf("%s / %s", Bytes(g.HeapMaxBytes), Bytes(g.HeapLastBytes)))
	t.row("heap goal (peak / last)", fmt.Sprintf("%s / %s", Bytes(g.GoalMaxBytes), Bytes(g.GoalLastBytes)))
	rw.done(t)
	if len(g.STWByReason) > 0 {
		t = rw.table([]string{"stop-the-world reason", "count", "total", "max"})
		for _, s := range g.STWByReason {
			t.row(s.Reason, Count(s.Count), Dur(s.TotalNS), Dur(s.MaxNS))
		}
		rw.done(t)
	}
}

func (rw *reportWriter) leaks() {
	l := &rw.r.Leaks
	rw.title("Leaked goroutines (user goroutines blocked at the end)")
	if len(l.Groups) == 0 {
		rw.note("none: no user goroutine was blocked at the end of the trace")
		return
	}
	t := rw.table([]string{"goroutines", "suspected", "reason", "blocked for", "start function", "blocked at"}, 2, 4, 5)
	for _, g := range l.Groups {
		sus := "no"
		if g.Suspected {
			sus = "YES"
		}
		dur := Dur(g.MaxBlockedNS)
		if lo := Dur(g.MinBlockedNS); lo != dur {
			dur = lo + "-" + dur
		}
		t.row(Count(g.Count), sus, g.Reason, dur, g.Start, stackShort(g.Stack, 2))
	}
	rw.done(t)
	rw.note("%s suspected (blocked at least %s at the end)", Count(l.Suspected), Dur(l.ThresholdNS))
	for _, g := range l.Groups {
		if g.Suspected && g.Diagnosis != "" {
			rw.note("- %s: %s", Count(g.Count), g.Diagnosis)
		}
	}
}

func (rw *reportWriter) annotations() {
	a := &rw.r.Annotations
	if len(a.Tasks) == 0 && len(a.Regions) == 0 && a.LogCount == 0 {
		return
	}
	rw.title("User annotations")
	if len(a.Tasks)+len(a.Regions) > 0 {
		t := rw.table([]string{"kind", "type", "count", "unfinished", "p50", "p99", "max"}, 1)
		for _, k := range a.Tasks {
			t.row("task", k.Type, Count(k.Count), Count(k.Unfinished), DurU(k.Duration.P50), DurU(k.Duration.P99), DurU(k.Duration.Max))
		}
		for _, k := range a.Regions {
			t.row("region", k.Type, Count(k.Count), Count(k.Unfinished), DurU(k.Duration.P50), DurU(k.Duration.P99), DurU(k.Duration.Max))
		}
		rw.done(t)
	}
	if len(a.Logs) > 0 {
		t := rw.table([]string{"at", "category", "message"}, 1, 2)
		for _, l := range a.Logs {
			t.row(Dur(l.AtNS), l.Category, l.Message)
		}
		rw.done(t)
		if a.LogCount > int64(len(a.Logs)) {
			rw.note("%s more log events not shown", Count(a.LogCount-int64(len(a.Logs))))
		}
	}
}
