package analyzer

import "github.com/gotrace/gotrace/analyzer/sketch"

// switchAgg counts goroutine switches and why goroutines stop running.
type switchAgg struct {
	total                                        int64 // Runnable -> Running
	migrations                                   int64
	blocked, preempted, yielded, syscall, exited int64
	blockedBy                                    []int64 // by reason id
	runSlice                                     sketch.Hist
}

func (a *switchAgg) init() {}

func (a *switchAgg) reset() {
	m, h := a.blockedBy, a.runSlice
	clear(m)
	h.Reset()
	*a = switchAgg{blockedBy: m[:0], runSlice: h}
}

func (a *switchAgg) merge(o *switchAgg, m *remap) {
	a.total += o.total
	a.migrations += o.migrations
	a.blocked += o.blocked
	a.preempted += o.preempted
	a.yielded += o.yielded
	a.syscall += o.syscall
	a.exited += o.exited
	for k, v := range o.blockedBy {
		if v != 0 {
			a.addBlocked(m.s(strID(k)), v)
		}
	}
	a.runSlice.Merge(&o.runSlice)
}

func (g *global) switchStats() SwitchStats {
	a := &g.aggs.switches
	s := SwitchStats{
		Total:      a.total,
		Migrations: a.migrations,
		RunSlice:   dist(&a.runSlice),
		Long:       longSlices(&a.runSlice, LongSliceNS),
		Out: SwitchOuts{
			Blocked: a.blocked, Preempted: a.preempted, Yielded: a.yielded,
			Syscall: a.syscall, Exited: a.exited,
		},
	}
	for k, v := range a.blockedBy {
		if v == 0 {
			continue
		}
		if s.Out.BlockedBy == nil {
			s.Out.BlockedBy = map[string]int64{}
		}
		name := g.strs.str(strID(k))
		if name == "" {
			name = unknownReason
		}
		s.Out.BlockedBy[name] += v
	}
	if dur := g.end - g.start; dur > 0 {
		s.PerSec = float64(a.total) / (float64(dur) / 1e9)
		if pt := procsExist(g.procsSamples, g.start, g.end, -1); pt > 0 {
			meanP := float64(pt) / float64(dur)
			s.PerSecPerP = s.PerSec / meanP
		}
	}
	return s
}

// addBlocked counts n switch-outs into Waiting for reason r.
func (a *switchAgg) addBlocked(r strID, n int64) {
	if int(r) >= len(a.blockedBy) {
		a.blockedBy = append(a.blockedBy, make([]int64, int(r)+1-len(a.blockedBy))...)
	}
	a.blockedBy[r] += n
}

// longSlices counts the values of h of at least thr and their sum, from
// the buckets that lie at or above thr (each value taken at its bucket's
// midpoint, clamped to the maximum).
func longSlices(h *sketch.Hist, thr int64) LongSlices {
	l := LongSlices{ThresholdNS: thr}
	if h.Max() < uint64(thr) {
		return l
	}
	for _, b := range h.Buckets() {
		if b.Lo < uint64(thr) {
			continue
		}
		mid := min(b.Lo+(b.Hi-b.Lo)/2, h.Max())
		l.Count += int64(b.Count)
		l.TotalNS += int64(b.Count * mid)
	}
	return l
}
