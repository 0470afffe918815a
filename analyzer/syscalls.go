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
	// conc tracks goroutines in a syscall at once, within a generation.
	conc    peak
	maxConc int64
}

func (a *syscallAgg) init() {
	a.threads = map[trace.ThreadID]struct{}{}
}

func (a *syscallAgg) reset() {
	a.count, a.total, a.keptP, a.lostP, a.lostPNS, a.maxConc = 0, 0, 0, 0, 0, 0
	a.conc = peak{}
	a.hist.Reset()
	a.byStack.reset()
	clear(a.threads)
}

func (a *syscallAgg) add(s *span, d int64) {
	a.count++
	a.total += d
	a.hist.Add(uint64(d))
	switch s.to {
	case goRunning:
		a.keptP++
	case goRunnable:
		a.lostP++
		a.lostPNS += d
	}
	a.byStack.add(s.stack, d)
}

func (a *syscallAgg) enter(t int64) { a.conc.add(t, 1) }

func (a *syscallAgg) leave(t int64) {
	if a.conc.cur+a.conc.pend > 0 {
		a.conc.add(t, -1)
	}
}

func (a *syscallAgg) merge(o *syscallAgg, m *remap) {
	a.count += o.count
	a.total += o.total
	a.hist.Merge(&o.hist)
	a.keptP += o.keptP
	a.lostP += o.lostP
	a.lostPNS += o.lostPNS
	a.byStack.merge(o.byStack, m.k)
	for t := range o.threads {
		a.threads[t] = struct{}{}
	}
	a.maxConc = max(a.maxConc, o.maxConc, o.conc.max)
}

func (g *global) syscallStats(top int) SyscallStats {
	a := &g.aggs.syscalls
	s := SyscallStats{
		Count: a.count, CompletedNS: a.total, Dist: dist(&a.hist),
		KeptP: a.keptP, LostP: a.lostP, LostPNS: a.lostPNS, Threads: int64(len(a.threads)), MaxConcurrent: a.maxConc,
	}
	s.Top, s.Stacks = topStacksUserFirst(a.byStack, top, &g.stacks, true)
	for _, r := range g.gs {
		if r.state == goSyscall {
			s.OpenNS += max(g.end-g.openSince(r), 0)
		}
	}
	return s
}
