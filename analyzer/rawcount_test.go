package analyzer_test

import (
	"cmp"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer"
)

// rawCounts is an independent count of a trace, made with one x/exp/trace
// reader over the whole file and a goroutine table of its own, by the rules
// README's metric reference states: a state first seen already under way
// counts from the trace start, a state still open at the end up to the last
// event. It shares no code with the analyzer.
type rawCounts struct {
	created, ended, switches int64
	out                      analyzer.SwitchOuts
	busyNS                   int64 // Running time, open intervals included
	syscalls                 int64 // syscalls begun and ended in the trace
	syscallPre               int64 // syscalls under way when the trace began
	syscallNS                int64 // time of completed syscalls, from the trace start for pre-existing ones
	syscallOpenNS            int64 // time of syscalls still open at the end
	syscallMax               int64 // most goroutines in syscalls at once
	start, end               int64 // first and last event (sync markers excluded)

	// By go tool trace's rules (see GoToolTrace): Runnable time after the
	// goroutine first ran, and chan/select/sync waits begun in the trace.
	// All sums every lifetime of a goroutine id, Last only the last one.
	schedAll, schedLast, syncAll, syncLast int64
	reusedIDs                              int // goroutine ids with more than one lifetime
}

// rawCount counts the trace at path. ok is false when x/exp/trace cannot
// read it to its end.
func rawCount(t *testing.T, path string) (c rawCounts, ok bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := trace.NewReader(f)
	if err != nil {
		return c, false
	}
	type gstate struct {
		state       trace.GoState
		since       int64
		pre         bool   // the state began before the trace
		reason      string // of the current wait
		ran, reused bool   // this lifetime ran; the id had an earlier one
		lived       bool   // the id had a lifetime in the trace
		sched, sync int64  // this lifetime's totals by go tool trace's rules
	}
	var earlierSched, earlierSync int64
	gs := map[trace.GoID]*gstate{}
	type ival struct{ from, to int64 }
	var sys []ival // syscall intervals, for the concurrency sweep
	first := true
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c, false
		}
		if ev.Kind() == trace.EventSync {
			continue
		}
		now := int64(ev.Time())
		if first {
			c.start, first = now, false
		}
		c.end = max(c.end, now)
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		id := st.Resource.Goroutine()
		from, to := st.Goroutine()
		if from == to {
			continue
		}
		g := gs[id]
		if g == nil {
			g = &gstate{state: from, since: c.start, pre: true}
			gs[id] = g
		}
		if from == trace.GoUndetermined {
			g.state, g.since, g.pre = to, c.start, true
			continue
		}
		// Close the interval from g.since.
		switch g.state {
		case trace.GoRunnable:
			if g.ran {
				g.sched += now - g.since
			}
		case trace.GoWaiting:
			if !g.pre && (strings.Contains(g.reason, "chan") || strings.Contains(g.reason, "select") || strings.Contains(g.reason, "sync")) {
				g.sync += now - g.since
			}
		case trace.GoRunning:
			c.busyNS += now - g.since
		case trace.GoSyscall:
			c.syscallNS += now - g.since
			sys = append(sys, ival{g.since, now})
			if g.pre {
				c.syscallPre++
			} else {
				c.syscalls++
			}
		}
		switch {
		case from == trace.GoNotExist:
			c.created++
			if g.lived {
				// A new lifetime of a goroutine id seen before.
				if !g.reused {
					c.reusedIDs++
				}
				earlierSched += g.sched
				earlierSync += g.sync
				*g = gstate{reused: true}
			}
		case to == trace.GoNotExist:
			c.ended++
		}
		if from == trace.GoRunnable && to == trace.GoRunning {
			c.switches++
		}
		if from == trace.GoRunning {
			switch {
			case st.Reason == "preempted" && (to == trace.GoWaiting || to == trace.GoRunnable):
				c.out.Preempted++
			case to == trace.GoWaiting:
				c.out.Blocked++
			case to == trace.GoRunnable:
				c.out.Yielded++
			case to == trace.GoSyscall:
				c.out.Syscall++
			case to == trace.GoNotExist:
				c.out.Exited++
			}
		}
		if to == trace.GoRunning {
			g.ran = true
		}
		g.state, g.since, g.pre, g.reason, g.lived = to, now, false, st.Reason, true
	}
	c.schedAll, c.syncAll = earlierSched, earlierSync
	for _, g := range gs {
		c.schedAll += g.sched
		c.schedLast += g.sched
		c.syncAll += g.sync
		c.syncLast += g.sync
		switch g.state {
		case trace.GoRunning:
			c.busyNS += c.end - g.since
		case trace.GoSyscall:
			c.syscallOpenNS += c.end - g.since
			sys = append(sys, ival{g.since, c.end})
			if g.pre {
				c.syscallPre++
			}
		}
	}
	// Sweep the syscall intervals; steps at one timestamp count as one.
	type step struct{ t, d int64 }
	var steps []step
	for _, iv := range sys {
		steps = append(steps, step{iv.from, 1}, step{iv.to, -1})
	}
	slices.SortFunc(steps, func(a, b step) int { return cmp.Compare(a.t, b.t) })
	var cur int64
	for i := 0; i < len(steps); {
		j := i
		for j < len(steps) && steps[j].t == steps[i].t {
			cur += steps[j].d
			j++
		}
		c.syscallMax = max(c.syscallMax, cur)
		i = j
	}
	return c, true
}
