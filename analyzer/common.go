package analyzer

import (
	"cmp"
	"slices"

	"github.com/gotrace/gotrace/analyzer/sketch"
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

func (a *reasonAcc) merge(o *reasonAcc) {
	a.count += o.count
	a.total += o.total
	if o.max > a.max {
		a.max = o.max
	}
}

// remap translates the ids of one generation's tables into the global ones.
type remap struct {
	str   []strID
	stack []stackID
}

func (m *remap) s(id strID) strID     { return m.str[id] }
func (m *remap) k(id stackID) stackID { return m.stack[id] }

// addStack adds d to the accumulator of key k, creating it on first use.
func addStack[K comparable](m map[K]*stackAcc, k K, d int64) {
	a := m[k]
	if a == nil {
		a = new(stackAcc)
		m[k] = a
	}
	a.count++
	a.total += d
}

// mergeStacks adds every accumulator of src into dst, translating keys.
func mergeStacks[K comparable](dst, src map[K]*stackAcc, tr func(K) K) {
	for k, s := range src {
		k = tr(k)
		d := dst[k]
		if d == nil {
			d = new(stackAcc)
			dst[k] = d
		}
		d.count += s.count
		d.total += s.total
	}
}

// mergeReasons adds every accumulator of src into dst, translating keys.
func mergeReasons[K comparable](dst, src map[K]*reasonAcc, tr func(K) K) {
	for k, s := range src {
		k = tr(k)
		d := dst[k]
		if d == nil {
			d = new(reasonAcc)
			dst[k] = d
		}
		d.merge(s)
	}
}

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
func topStacks[K comparable](m map[K]*stackAcc, n int, stackOf func(K) stackID, g *globalStacks) []StackTime {
	out := make([]StackTime, 0, len(m))
	for k, a := range m {
		out = append(out, StackTime{Stack: g.stacks[stackOf(k)].frames, Count: a.count, TotalNS: a.total})
	}
	sortStackTimes(out)
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out
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
