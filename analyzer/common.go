package analyzer

import (
	"cmp"
	"slices"

	"github.com/gotrace/gotrace/analyzer/sketch"
	"golang.org/x/exp/trace"
)

// stackAcc is time and count attributed to one stack.
type stackAcc struct {
	count, total int64
}

// reasonAcc is count, time and the longest single interval for one key.
type reasonAcc struct {
	count, total, max int64
}

func (a *reasonAcc) add(d int64) {
	a.count++
	a.total += d
	if d > a.max {
		a.max = d
	}
}

// addTime adds d ns of an interval cut by an edge of the trace: time, but
// no count and no maximum (its true length is unknown).
func (a *reasonAcc) addTime(d int64) { a.total += d }

func (a *reasonAcc) merge(o *reasonAcc) {
	a.count += o.count
	a.total += o.total
	if o.max > a.max {
		a.max = o.max
	}
}

// stackAccs holds a stackAcc per stack id: a dense, allocation-free map for
// the hot path. Entries with a zero count are absent.
type stackAccs []stackAcc

func (s *stackAccs) add(k stackID, d int64) { s.addN(k, 1, d) }

// addN adds n intervals totalling d ns to stack k.
func (s *stackAccs) addN(k stackID, n, d int64) {
	if int(k) >= len(*s) {
		*s = append(*s, make([]stackAcc, int(k)+1-len(*s))...)
	}
	a := &(*s)[k]
	a.count += n
	a.total += d
}

// merge adds o, whose ids tr translates.
func (s *stackAccs) merge(o stackAccs, tr func(stackID) stackID) {
	for k, a := range o {
		if a.count == 0 {
			continue
		}
		s.addN(tr(stackID(k)), a.count, a.total)
	}
}

func (s *stackAccs) reset() {
	clear(*s)
	*s = (*s)[:0]
}

// reasonAccs holds a reasonAcc per string id, like stackAccs.
type reasonAccs []reasonAcc

func (s *reasonAccs) at(k strID) *reasonAcc {
	if int(k) >= len(*s) {
		*s = append(*s, make([]reasonAcc, int(k)+1-len(*s))...)
	}
	return &(*s)[k]
}

func (s *reasonAccs) merge(o reasonAccs, tr func(strID) strID) {
	for k, a := range o {
		if a.count == 0 && a.total == 0 {
			continue
		}
		s.at(tr(strID(k))).merge(&a)
	}
}

func (s *reasonAccs) reset() {
	clear(*s)
	*s = (*s)[:0]
}

// remap translates the ids of one generation's tables into the global ones.
type remap struct {
	str   []strID
	stack []stackID
	// goName names a goroutine a generation did not (critical paths).
	goName func(trace.GoID) strID
}

func (m *remap) s(id strID) strID     { return m.str[id] }
func (m *remap) k(id stackID) stackID { return m.stack[id] }

// dist summarizes a histogram.
func dist(h *sketch.Hist) Dist {
	d := Dist{
		Count: h.Count(),
		Sum:   h.Sum(),
		Mean:  h.Mean(),
		Min:   h.Min(),
		P50:   h.Quantile(0.50),
		P90:   h.Quantile(0.90),
		P99:   h.Quantile(0.99),
		P999:  h.Quantile(0.999),
		Max:   h.Max(),
	}
	for _, b := range h.LogBuckets() {
		d.Histogram = append(d.Histogram, HistBucket{Lo: b.Lo, Hi: b.Hi, Count: b.Count})
	}
	return d
}

// topStacks returns up to n stacks with the most time, ties broken by count
// then by stack text so that the order never depends on map iteration.
func topStacks(s stackAccs, n int, g *globalStacks) []StackTime {
	out, _ := topStacksUserFirst(s, n, g, false)
	return out
}

// topStacksUserFirst is topStacks with the stacks marked Runtime (when
// mark is set) and the runtime ones put after the others; it also returns
// the number of distinct stacks before the cut.
func topStacksUserFirst(s stackAccs, n int, g *globalStacks, mark bool) ([]StackTime, int) {
	var out []StackTime
	for k, a := range s {
		if a.count > 0 {
			st := StackTime{Stack: g.stacks[k].frames, Count: a.count, TotalNS: a.total}
			if mark {
				st.Runtime = RuntimeStack(st.Stack)
			}
			out = append(out, st)
		}
	}
	all := len(out)
	sortStackTimes(out)
	if mark {
		slices.SortStableFunc(out, func(a, b StackTime) int {
			switch {
			case a.Runtime == b.Runtime:
				return 0
			case b.Runtime:
				return -1
			}
			return 1
		})
	}
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out, all
}

func sortStackTimes(s []StackTime) {
	slices.SortFunc(s, func(a, b StackTime) int {
		if c := cmp.Compare(b.TotalNS, a.TotalNS); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return compareFrames(a.Stack, b.Stack)
	})
}

func compareFrames(a, b []Frame) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := cmp.Compare(a[i].Func, b[i].Func); c != 0 {
			return c
		}
		if c := cmp.Compare(a[i].File, b[i].File); c != 0 {
			return c
		}
		if c := cmp.Compare(a[i].Line, b[i].Line); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// peak tracks the running sum of +1/-1 steps and its highest value, where
// steps at the same timestamp count as one: the order of simultaneous events
// cannot change the peak.
type peak struct {
	cur, max int64
	t, pend  int64
}

func (p *peak) add(t, d int64) {
	if t != p.t {
		p.commit()
		p.t = t
	}
	p.pend += d
}

func (p *peak) commit() {
	p.cur += p.pend
	p.pend = 0
	p.max = max(p.max, p.cur)
}
