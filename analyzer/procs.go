package analyzer

// maxTrackedP bounds the per-P arrays; busy time of higher P ids (only seen
// in corrupt traces) counts in the totals only.
const maxTrackedP = 4096

// procAgg accumulates per-P busy time and switches.
type procAgg struct {
	busyAll, gcAll, sysAll int64
	busy, gc, sw, sys      []int64 // indexed by P
}

func (a *procAgg) reset() {
	clear(a.busy)
	clear(a.gc)
	clear(a.sw)
	clear(a.sys)
	a.busy, a.gc, a.sw, a.sys = a.busy[:0], a.gc[:0], a.sw[:0], a.sys[:0]
	a.busyAll, a.gcAll, a.sysAll = 0, 0, 0
}

func (a *procAgg) grow(p int) bool {
	if p < 0 || p >= maxTrackedP {
		return false
	}
	for len(a.busy) <= p {
		a.busy = append(a.busy, 0)
		a.gc = append(a.gc, 0)
		a.sw = append(a.sw, 0)
		a.sys = append(a.sys, 0)
	}
	return true
}

func (a *procAgg) addBusy(p int, d int64, isGC bool) {
	a.busyAll += d
	if isGC {
		a.gcAll += d
	}
	if a.grow(p) {
		a.busy[p] += d
		if isGC {
			a.gc[p] += d
		}
	}
}

// addSyscall counts d ns of a syscall that kept P p.
func (a *procAgg) addSyscall(p int, d int64) {
	a.sysAll += d
	if a.grow(p) {
		a.sys[p] += d
	}
}

func (a *procAgg) addSwitch(p int) {
	if a.grow(p) {
		a.sw[p]++
	}
}

func (a *procAgg) merge(o *procAgg) {
	a.busyAll += o.busyAll
	a.gcAll += o.gcAll
	a.sysAll += o.sysAll
	if len(o.busy) > 0 {
		a.grow(len(o.busy) - 1)
	}
	for p := range o.busy {
		a.busy[p] += o.busy[p]
		a.gc[p] += o.gc[p]
		a.sw[p] += o.sw[p]
		a.sys[p] += o.sys[p]
	}
}

func (g *global) procStats() ProcStats {
	a := &g.aggs.procs
	s := ProcStats{BusyNS: a.busyAll, GCNS: a.gcAll, SyscallNS: a.sysAll}
	if n := len(g.procsSamples); n > 0 {
		s.GOMAXPROCS = g.procsSamples[n-1].v
		prev := -1
		for _, ps := range g.procsSamples {
			if ps.v != prev {
				s.GOMAXPROCSChanges = append(s.GOMAXPROCSChanges, ProcsChange{AtNS: max(ps.t-g.start, 0), Value: ps.v})
				prev = ps.v
			}
		}
	}
	s.ExistNS = procsExist(g.procsSamples, g.start, g.end, -1)
	s.IdleNS = max(s.ExistNS-s.BusyNS, 0)
	if s.ExistNS > 0 {
		s.Utilization = clamp01(float64(s.BusyNS) / float64(s.ExistNS))
		s.GCUtilization = clamp01(float64(s.GCNS) / float64(s.ExistNS))
	}
	maxP := 0
	for _, ps := range g.procsSamples {
		maxP = max(maxP, ps.v)
	}
	maxP = max(maxP, len(a.busy))
	for p := 0; p < maxP && p < maxTrackedP; p++ {
		u := ProcUse{P: p, ExistNS: procsExist(g.procsSamples, g.start, g.end, p)}
		if p < len(a.busy) {
			u.BusyNS, u.GCNS, u.Switches, u.SyscallNS = a.busy[p], a.gc[p], a.sw[p], a.sys[p]
		}
		if u.ExistNS > 0 {
			u.Utilization = clamp01(float64(u.BusyNS) / float64(u.ExistNS))
		}
		s.PerP = append(s.PerP, u)
	}
	return s
}
