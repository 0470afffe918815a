package analyzer

import (
	"github.com/gotrace/gotrace/analyzer/sketch"
	"golang.org/x/exp/trace"
)

// syscallAgg accumulates completed syscalls and the threads seen.
type syscallAgg struct {
	count, total int64
	hist         sketch.Hist
	keptP, lostP int64
	lostPNS      int64
	byStack      stackAccs
	threads      map[trace.ThreadID]struct{}
	// Syscalls under way when the trace began: their count, and the time
	// from the trace start to their first event (go tool trace leaves it out).
	preexisting, unseen int64
	open                int64 // syscall time still open at the end
	// conc walks goroutines entering (+1) and leaving (-1) syscalls within
	// a generation, from 0 at its start; the merge adds those in syscalls
	// when the generation began (global.inSyscall).
	conc    peak
	maxConc int64
}

func (a *syscallAgg) init() {
	a.threads = map[trace.ThreadID]struct{}{}
}

func (a *syscallAgg) reset() {
	a.count, a.total, a.keptP, a.lostP, a.lostPNS, a.maxConc = 0, 0, 0, 0, 0, 0
	a.preexisting, a.unseen, a.open = 0, 0, 0
	a.conc = peak{}
	a.hist.Reset()
	a.byStack.reset()
	clear(a.threads)
}

func (a *syscallAgg) add(s *span, d int64) {
	if s.cut&cutStart != 0 {
		a.preexisting++
	}
	if s.cut&cutEnd != 0 {
		a.open += d
		return
	}
	a.total += d
	a.byStack.add(s.stack, d)
	if s.cut != 0 {
		a.unseen += s.unseen
		return
	}
	a.count++
	a.hist.Add(uint64(d))
	switch s.to {
	case goRunning:
		a.keptP++
	case goRunnable:
		a.lostP++
		a.lostPNS += d
	}
}

func (a *syscallAgg) enter(t int64) { a.conc.add(t, 1) }

func (a *syscallAgg) leave(t int64) { a.conc.add(t, -1) }

func (a *syscallAgg) merge(o *syscallAgg, m *remap) {
	a.count += o.count
	a.total += o.total
	a.hist.Merge(&o.hist)
	a.keptP += o.keptP
	a.lostP += o.lostP
	a.lostPNS += o.lostPNS
	a.preexisting += o.preexisting
	a.unseen += o.unseen
	a.open += o.open
	a.byStack.merge(o.byStack, m.k)
	for t := range o.threads {
		a.threads[t] = struct{}{}
	}
	// maxConc is the merge's: global.merge stitches o.conc onto the
	// syscalls under way when o's generation began.
}

func (g *global) syscallStats(top int) SyscallStats {
	a := &g.aggs.syscalls
	s := SyscallStats{
		Count: a.count, CompletedNS: a.total, Dist: dist(&a.hist),
		KeptP: a.keptP, LostP: a.lostP, LostPNS: a.lostPNS, Threads: int64(len(a.threads)), MaxConcurrent: a.maxConc,
		Preexisting: a.preexisting, OpenNS: a.open, UnseenNS: a.unseen,
	}
	s.Top, s.Stacks = topStacksUserFirst(a.byStack, top, &g.stacks, true)
	return s
}
