package analyzer

import (
	"cmp"
	"slices"
	"strings"
)

// DefaultLeakThreshold is the longest a goroutine must have been blocked at
// the end of a trace to be a suspected leak, when the trace is at least twice
// as long; shorter traces use half their duration.
const DefaultLeakThreshold = int64(1e9)

// leakKey groups blocked goroutines.
type leakKey struct {
	reason strID
	stack  stackID
	name   strID
	before bool // blocked since before the trace
}

// leakStats lists user goroutines blocked at the end. threshold <= 0 means
// the default.
func (g *global) leakStats(threshold int64) LeakStats {
	dur := g.end - g.start
	if threshold <= 0 {
		threshold = min(DefaultLeakThreshold, dur/2)
	}
	s := LeakStats{ThresholdNS: threshold}
	type acc struct {
		count, suspected int64
		minB, maxB, sumB int64
	}
	groups := map[leakKey]*acc{}
	for _, r := range g.gs.all() {
		if r.state != goWaiting || r.cat == catSystem {
			continue
		}
		if isSystemFunc(g.strs.str(r.name)) {
			continue
		}
		reason := g.openReason(r)
		blocked := max(g.end-g.openSince(r), 0)
		s.Blocked++
		k := leakKey{reason: reason, stack: r.stack, name: r.name, before: r.preTrace}
		a := groups[k]
		if a == nil {
			a = &acc{minB: blocked, maxB: blocked}
			groups[k] = a
		}
		a.count++
		a.minB = min(a.minB, blocked)
		a.maxB = max(a.maxB, blocked)
		a.sumB += blocked
		// Listed but not suspected: a goroutine blocked since before the
		// trace whose start function never showed (old trace formats record
		// no stack for it), most likely the runtime's; and one waiting on
		// network I/O, which is how a server's accept loop and idle
		// connections wait.
		if blocked >= threshold && r.name != 0 && g.strs.str(reason) != "network" {
			a.suspected++
			s.Suspected++
		}
	}
	for k, a := range groups {
		reason := g.strs.str(k.reason)
		if reason == "" {
			reason = unknownReason
		}
		start := g.strs.str(k.name)
		if start == "" {
			start = "(unknown)"
		}
		frames := g.stacks.stacks[k.stack].frames
		lg := LeakGroup{
			Reason: reason, Start: start, Count: a.count, Suspected: a.suspected > 0,
			MinBlockedNS: a.minB, MaxBlockedNS: a.maxB, TotalBlockedNS: a.sumB, BeforeTrace: k.before, Stack: frames,
		}
		lg.Diagnosis = diagnose(reason, start, frames)
		if k.name == 0 {
			lg.Diagnosis = "identity unknown: blocked since before the trace began and the trace records no stack for it; not counted as a leak"
		}
		s.Groups = append(s.Groups, lg)
	}
	slices.SortFunc(s.Groups, func(x, y LeakGroup) int {
		if x.Suspected != y.Suspected {
			if x.Suspected {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(y.MaxBlockedNS, x.MaxBlockedNS); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Reason, y.Reason); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Start, y.Start); c != 0 {
			return c
		}
		return compareFrames(x.Stack, y.Stack)
	})
	return s
}

// stackReason names the wait reason a blocking stack shows, in the words
// the trace uses for reasons, or "" when the stack does not tell. It serves
// waits that began before the trace, whose reason the trace does not record.
func stackReason(frames []Frame) string {
	for _, f := range frames {
		switch f.Func {
		case "runtime.netpollblock", "internal/poll.runtime_pollWait":
			return "network"
		case "runtime.chanrecv", "runtime.chanrecv1", "runtime.chanrecv2":
			return "chan receive"
		case "runtime.chansend", "runtime.chansend1":
			return "chan send"
		case "runtime.selectgo":
			return "select"
		case "runtime.block":
			return "select (no cases)"
		case "time.Sleep":
			return "sleep"
		case "sync.(*Cond).Wait":
			return "sync.(*Cond).Wait"
		case "sync.(*Mutex).Lock", "sync.(*RWMutex).Lock", "sync.(*RWMutex).RLock", "sync.(*WaitGroup).Wait",
			"sync.runtime_SemacquireMutex", "sync.runtime_Semacquire", "sync.runtime_SemacquireWaitGroup",
			"sync.runtime_SemacquireRWMutex", "sync.runtime_SemacquireRWMutexR":
			return "sync"
		}
	}
	return ""
}

// diagnose names the pattern of a blocked goroutine group, from its wait
// reason and blocking stack.
func diagnose(reason, start string, frames []Frame) string {
	has := func(fn string) bool {
		for _, f := range frames {
			if f.Func == fn {
				return true
			}
		}
		return false
	}
	who := "goroutines"
	if start == "runtime.main" || start == "main.main" {
		// Trace stacks of the main goroutine end in main.main.
		who = "the main goroutine"
	}
	switch {
	case start == "database/sql.(*DB).connectionOpener":
		return "the connection openers of database/sql.DB values never closed: each DB keeps one until DB.Close"
	case start == "net/http.(*persistConn).writeLoop" || start == "net/http.(*persistConn).readLoop":
		return "idle keep-alive connections of a net/http Transport: closed by Transport.CloseIdleConnections, or kept while a Response.Body is not closed"
	case has("sync.(*WaitGroup).Wait"):
		return who + " blocked in sync.(*WaitGroup).Wait that never returned: Add was called more times than Done (a WaitGroup deadlock)"
	case has("sync.(*Mutex).Lock"), has("sync.(*RWMutex).Lock"), has("sync.(*RWMutex).RLock"):
		return who + " waiting for a mutex that is never unlocked"
	case has("sync.(*Cond).Wait"):
		return who + " waiting on a sync.Cond that is never signalled"
	case reason == "chan receive" || reason == "chan receive (nil chan)":
		return who + " receiving from a channel that nobody sends to or closes"
	case reason == "chan send" || reason == "chan send (nil chan)":
		return who + " sending on a channel that nobody receives from"
	case strings.HasPrefix(reason, "select"):
		return who + " blocked in a select whose cases never become ready"
	case reason == "network":
		return who + " waiting on network I/O: an idle listener or connection, as servers wait, so not counted as a leak (a connection nobody closes looks the same)"
	case reason == "sleep":
		return who + " sleeping"
	}
	return ""
}
