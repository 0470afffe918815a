package analyzer

// series accumulates per-time-bin counters over absolute trace time. Bins are
// 2^shift ns wide and aligned on multiples of their width, so two series can
// always be merged exactly: the finer one is coarsened to the width of the
// other by adding pairs of bins. A series never holds more than maxBins bins;
// when a new time falls outside that span, every lane is coarsened.
type series struct {
	shift   uint
	base    int64 // absolute bin index (t >> shift) of bin 0
	n       int   // bins in use
	started bool

	busyAll, gcAll []int64   // ns some goroutine ran, of it in GC workers
	busy, gc       [][]int64 // per P (below maxTimelineP)
	sw             []int64   // goroutine switches
	runq           []int64   // ns goroutines spent runnable (completed intervals)
	aliveD         []int64   // goroutines created minus ended in the bin
	aliveP         []int64   // highest running sum of aliveD within the bin (>= 0)
}

const (
	maxBins      = 4096
	maxTimelineP = 256
	initialShift = 10 // 1.024 µs bins to start with
)

func (s *series) reset() {
	lanes := [][]int64{s.busyAll, s.gcAll, s.sw, s.runq, s.aliveD, s.aliveP}
	for _, l := range lanes {
		clear(l)
	}
	for _, l := range s.busy {
		clear(l)
	}
	for _, l := range s.gc {
		clear(l)
	}
	s.shift, s.base, s.n, s.started = initialShift, 0, 0, false
}

// cover makes sure absolute times t0 <= t1 fall inside the bins.
func (s *series) cover(t0, t1 int64) {
	if s.started && 0 <= t0 && t0 <= t1 && t0>>s.shift >= s.base && t1>>s.shift < s.base+int64(s.n) {
		return // the common case, checked before any call
	}
	s.grow(t0, t1)
}

// grow extends or coarsens the bins to cover t0 <= t1.
func (s *series) grow(t0, t1 int64) {
	if t0 < 0 {
		t0 = 0
	}
	if t1 < t0 {
		t1 = t0
	}
	if !s.started {
		if s.shift == 0 {
			s.shift = initialShift
		}
		s.started = true
		s.base = t0 >> s.shift
		s.n = 0
	}
	for {
		lo := min(s.base, t0>>s.shift)
		hi := max(s.base+int64(s.n)-1, t1>>s.shift)
		if hi-lo+1 > maxBins {
			s.coarsen()
			continue
		}
		if s.n > 0 && lo < s.base {
			// Extending to the left moves every bin: take room for the
			// next few at once (runnable intervals, added when they end,
			// begin ever earlier at a generation's start). Empty bins
			// before the first event count nothing.
			lo = max(min(lo, s.base-int64(s.n/2)), hi-maxBins+1, 0)
		}
		s.extend(lo, hi)
		return
	}
}

// extend grows the lanes to cover absolute bins lo..hi at the current shift.
func (s *series) extend(lo, hi int64) {
	if s.n > 0 && lo >= s.base && hi < s.base+int64(s.n) {
		return
	}
	if s.n == 0 {
		s.base = lo
	}
	left := int(s.base - lo)
	newN := int(hi - lo + 1)
	if newN < s.n+left {
		newN = s.n + left
	}
	grow := func(l []int64) []int64 {
		if cap(l) >= newN {
			l = l[:newN]
			if left > 0 {
				copy(l[left:], l[:s.n])
				clear(l[:left])
			}
			clear(l[left+s.n:])
			return l
		}
		// Room to grow, but never past maxBins.
		nl := make([]int64, newN, max(newN, min(2*cap(l), maxBins)))
		copy(nl[left:], l[:s.n])
		return nl
	}
	s.busyAll = grow(s.busyAll)
	s.gcAll = grow(s.gcAll)
	s.sw = grow(s.sw)
	s.runq = grow(s.runq)
	s.aliveD = grow(s.aliveD)
	s.aliveP = grow(s.aliveP)
	for i := range s.busy {
		s.busy[i] = grow(s.busy[i])
		s.gc[i] = grow(s.gc[i])
	}
	s.base = lo
	s.n = newN
}

// coarsen doubles the bin width, in place: bin j moves to bin k <= j, and
// every bin below j has been read by the time bin j is.
func (s *series) coarsen() {
	newBase := s.base >> 1
	newN := int(((s.base+int64(s.n)-1)>>1)-newBase) + 1
	if s.n == 0 {
		newN = 0
	}
	// to is the new bin of old bin j; first says j is the first old bin
	// that goes there.
	to := func(j int) (k int, first bool) {
		k = int(((s.base + int64(j)) >> 1) - newBase)
		return k, j == 0 || k != int(((s.base+int64(j)-1)>>1)-newBase)
	}
	add := func(l []int64) []int64 {
		for j := 0; j < s.n; j++ {
			v := l[j]
			if k, first := to(j); first {
				l[k] = v
			} else {
				l[k] += v
			}
		}
		clear(l[newN:s.n])
		return l[:newN]
	}
	s.busyAll = add(s.busyAll)
	s.gcAll = add(s.gcAll)
	s.sw = add(s.sw)
	s.runq = add(s.runq)
	for i := range s.busy {
		s.busy[i] = add(s.busy[i])
		s.gc[i] = add(s.gc[i])
	}
	d, p := s.aliveD, s.aliveP
	for j := 0; j < s.n; j++ {
		dj, pj := d[j], p[j]
		if k, first := to(j); first {
			d[k], p[k] = dj, pj
		} else {
			p[k] = max(p[k], d[k]+pj)
			d[k] += dj
		}
	}
	clear(d[newN:s.n])
	clear(p[newN:s.n])
	s.aliveD, s.aliveP = d[:newN], p[:newN]
	s.shift++
	s.base = newBase
	s.n = newN
}

func (s *series) ensureP(p int) bool {
	if p < 0 || p >= maxTimelineP {
		return false
	}
	for len(s.busy) <= p {
		s.busy = append(s.busy, make([]int64, s.n))
		s.gc = append(s.gc, make([]int64, s.n))
	}
	return true
}

// addBusy spreads the running interval [t0, t1) of P p over the bins.
func (s *series) addBusy(p int, t0, t1 int64, isGC bool) {
	if t1 <= t0 {
		return
	}
	s.cover(t0, t1)
	perP := s.ensureP(p)
	w := int64(1) << s.shift
	for t := t0; t < t1; {
		b := t >> s.shift
		end := min((b+1)*w, t1)
		d := end - t
		i := int(b - s.base)
		s.busyAll[i] += d
		if perP {
			s.busy[p][i] += d
		}
		if isGC {
			s.gcAll[i] += d
			if perP {
				s.gc[p][i] += d
			}
		}
		t = end
	}
}

// addRunnable spreads the runnable interval [t0, t1) of a goroutine over
// the bins.
func (s *series) addRunnable(t0, t1 int64) {
	if t1 <= t0 {
		return
	}
	s.cover(t0, t1)
	if b := t0 >> s.shift; (t1-1)>>s.shift == b {
		s.runq[int(b-s.base)] += t1 - t0 // the common case: one bin
		return
	}
	w := int64(1) << s.shift
	for t := t0; t < t1; {
		b := t >> s.shift
		end := min((b+1)*w, t1)
		s.runq[int(b-s.base)] += end - t
		t = end
	}
}

// addSwitch counts one goroutine switch at t.
func (s *series) addSwitch(t int64) {
	s.cover(t, t)
	s.sw[int((t>>s.shift)-s.base)]++
}

// addAlive records a goroutine created (+1) or ended (-1) at t. Calls must
// come in time order within one series.
func (s *series) addAlive(t int64, d int64) {
	s.cover(t, t)
	i := int((t >> s.shift) - s.base)
	s.aliveD[i] += d
	if s.aliveD[i] > s.aliveP[i] {
		s.aliveP[i] = s.aliveD[i]
	}
}

// merge adds o, a series of later events, into s. o may be modified.
func (s *series) merge(o *series) {
	if !o.started || o.n == 0 {
		return
	}
	if !s.started {
		s.shift = o.shift
	}
	for s.shift < o.shift {
		s.coarsen()
	}
	for o.shift < s.shift {
		o.coarsen()
	}
	s.cover(o.base<<o.shift, (o.base+int64(o.n)-1)<<o.shift)
	for o.shift < s.shift { // cover may have coarsened s further
		o.coarsen()
	}
	off := int(o.base - s.base)
	for j := 0; j < o.n; j++ {
		i := j + off
		s.busyAll[i] += o.busyAll[j]
		s.gcAll[i] += o.gcAll[j]
		s.sw[i] += o.sw[j]
		s.runq[i] += o.runq[j]
		s.aliveP[i] = max(s.aliveP[i], s.aliveD[i]+o.aliveP[j])
		s.aliveD[i] += o.aliveD[j]
	}
	for p := range o.busy {
		s.ensureP(p)
		for j := 0; j < o.n; j++ {
			s.busy[p][j+off] += o.busy[p][j]
			s.gc[p][j+off] += o.gc[p][j]
		}
	}
}

// procsSample is a GOMAXPROCS value taking effect at an absolute time.
type procsSample struct {
	t int64
	v int
}

// procsAt integrates the number of Ps p-or-above existing: it returns, for
// the interval [t0, t1), the ns during which GOMAXPROCS > p (p < 0: the sum
// over all Ps of their existence). samples are in time order; the first
// value also applies before the first sample.
func procsExist(samples []procsSample, t0, t1 int64, p int) int64 {
	if t1 <= t0 || len(samples) == 0 {
		return 0
	}
	var total int64
	cur := samples[0].v
	at := t0
	weight := func(v int) int64 {
		if p < 0 {
			return int64(v)
		}
		if v > p {
			return 1
		}
		return 0
	}
	for _, s := range samples {
		if s.t <= at {
			cur = s.v
			continue
		}
		if s.t >= t1 {
			break
		}
		total += (s.t - at) * weight(cur)
		at = s.t
		cur = s.v
	}
	total += (t1 - at) * weight(cur)
	return total
}

// overlap is idle P time against runnable goroutine time, measured per bin
// of the series (see ProcStats.IdleWhileRunnableNS).
type overlap struct {
	idleRunnable, runnableBusy, binNS int64
}

// buildTimeline cuts the window [start, end) into n equal buckets and
// projects the series onto them. preExisting is the number of goroutines
// alive at the start. It also measures, bin by bin, how much idle P time
// overlapped runnable goroutine time.
func buildTimeline(s *series, samples []procsSample, start, end int64, n int, preExisting int64) (Timeline, overlap) {
	var tl Timeline
	var ov overlap
	if n <= 0 || end <= start {
		return tl, ov
	}
	width := (end - start + int64(n) - 1) / int64(n)
	if width < 1 {
		width = 1
	}
	tl.BucketNS = width
	busy := make([]float64, n)
	gcb := make([]float64, n)
	nP := len(s.busy)
	perP := make([][]float64, nP)
	gcP := make([][]float64, nP)
	for p := range perP {
		perP[p] = make([]float64, n)
		gcP[p] = make([]float64, n)
	}
	idleRun := make([]float64, n)
	tl.Switches = make([]int64, n)
	tl.Alive = make([]int64, n)
	tl.AliveMax = make([]int64, n)
	bucketOf := func(t int64) int {
		i := int((t - start) / width)
		return min(max(i, 0), n-1)
	}
	binW := int64(1) << s.shift
	// spread distributes v of bin [b0, b0+binW) over the buckets it overlaps.
	spread := func(dst []float64, b0 int64, v int64) {
		if v == 0 {
			return
		}
		lo, hi := max(b0, start), min(b0+binW, end)
		if hi <= lo {
			dst[bucketOf(b0)] += float64(v)
			return
		}
		for t := lo; t < hi; {
			i := bucketOf(t)
			e := min(start+int64(i+1)*width, hi)
			if e <= t {
				e = hi
			}
			dst[i] += float64(v) * float64(e-t) / float64(hi-lo)
			t = e
		}
	}
	cum := preExisting
	for i := range tl.AliveMax {
		tl.AliveMax[i] = -1
	}
	for j := 0; j < s.n; j++ {
		b0 := (s.base + int64(j)) << s.shift
		spread(busy, b0, s.busyAll[j])
		spread(gcb, b0, s.gcAll[j])
		if r := s.runq[j]; r > 0 {
			lo, hi := max(b0, start), min(b0+binW, end)
			idle := max(procsExist(samples, lo, hi, -1)-s.busyAll[j], 0)
			both := min(r, idle)
			ov.idleRunnable += both
			ov.runnableBusy += r - both
			spread(idleRun, b0, both)
		}
		for p := 0; p < nP; p++ {
			spread(perP[p], b0, s.busy[p][j])
			spread(gcP[p], b0, s.gc[p][j])
		}
		mid := b0 + binW/2
		k := bucketOf(mid)
		tl.Switches[k] += s.sw[j]
		if m := cum + s.aliveP[j]; m > tl.AliveMax[k] {
			tl.AliveMax[k] = m
		}
		cum += s.aliveD[j]
		tl.Alive[k] = cum
	}
	// Buckets without bins carry the count forward.
	last := preExisting
	for i := range tl.Alive {
		if tl.AliveMax[i] < 0 {
			tl.Alive[i] = last
			tl.AliveMax[i] = last
		}
		tl.AliveMax[i] = max(tl.AliveMax[i], tl.Alive[i])
		last = tl.Alive[i]
	}
	ratio := func(v float64, den int64) float64 {
		if den <= 0 {
			return 0
		}
		return clamp01(v / float64(den))
	}
	tl.Utilization = make([]float64, n)
	tl.GCUtilization = make([]float64, n)
	tl.IdleWhileRunnable = make([]float64, n)
	tl.PerP = make([][]float64, nP)
	tl.GCPerP = make([][]float64, nP)
	for p := range tl.PerP {
		tl.PerP[p] = make([]float64, n)
		tl.GCPerP[p] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		b0 := start + int64(i)*width
		b1 := min(b0+width, end)
		all := procsExist(samples, b0, b1, -1)
		tl.Utilization[i] = round4(ratio(busy[i], all))
		tl.GCUtilization[i] = round4(ratio(gcb[i], all))
		tl.IdleWhileRunnable[i] = round4(ratio(idleRun[i], all))
		for p := 0; p < nP; p++ {
			ex := procsExist(samples, b0, b1, p)
			tl.PerP[p][i] = round4(ratio(perP[p][i], ex))
			tl.GCPerP[p][i] = round4(ratio(gcP[p][i], ex))
		}
	}
	if s.started {
		ov.binNS = binW
	}
	return tl, ov
}

func clamp01(v float64) float64 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// round4 rounds a timeline ratio to 4 decimals, so that the series stay
// short in JSON; summary ratios (ProcSummary) keep full precision, since
// check gates on them.
func round4(v float64) float64 {
	return float64(int64(v*10000+0.5)) / 10000
}
