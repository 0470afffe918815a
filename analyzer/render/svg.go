package render

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gotrace/gotrace/analyzer"
)

// SVG charts for the HTML report. Every chart is drawn in a viewBox 1000
// units wide and scales with the page; colours come from CSS variables of the
// page (see htmlCSS), so the charts follow the light and dark schemes. Text
// uses currentColor. Every string that came from the trace goes through
// svgEsc. Hovering a bar shows its numbers (SVG <title>, no script).

const (
	svgW = 1000.0
	// Charts over time share their plot area, so their time axes line up.
	svgTimeX0 = 76.0  // left of the plot: y-axis labels, lane names
	svgTimeX1 = 936.0 // right of the plot: lane totals
	svgAxisH  = 38.0  // below the plot: tick labels and the axis title
)

// svgBuf accumulates one <svg> element.
type svgBuf struct {
	b strings.Builder
}

func (s *svgBuf) open(h float64, label string) {
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" class="svg" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		svgNum(svgW), svgNum(h), svgEsc(label))
}

func (s *svgBuf) html() template.HTML {
	s.b.WriteString("</svg>")
	return template.HTML(s.b.String()) //nolint:gosec // built by svgBuf, every text escaped by svgEsc
}

// rect draws a rectangle; title, if set, is its hover text.
func (s *svgBuf) rect(x, y, w, h float64, class, title string) {
	if w <= 0 || h <= 0 {
		return
	}
	fmt.Fprintf(&s.b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"`, class, svgNum(x), svgNum(y), svgNum(w), svgNum(h))
	s.closeTitled("rect", title)
}

func (s *svgBuf) closeTitled(elem, title string) {
	if title == "" {
		s.b.WriteString("/>")
		return
	}
	fmt.Fprintf(&s.b, "><title>%s</title></%s>", svgEsc(title), elem)
}

func (s *svgBuf) line(x1, y1, x2, y2 float64, class string) {
	fmt.Fprintf(&s.b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`, class, svgNum(x1), svgNum(y1), svgNum(x2), svgNum(y2))
}

func (s *svgBuf) path(d, class, title string) {
	fmt.Fprintf(&s.b, `<path class="%s" d="%s"`, class, d)
	s.closeTitled("path", title)
}

func (s *svgBuf) circle(x, y, r float64, class, title string) {
	fmt.Fprintf(&s.b, `<circle class="%s" cx="%s" cy="%s" r="%s"`, class, svgNum(x), svgNum(y), svgNum(r))
	s.closeTitled("circle", title)
}

// text draws a label; anchor is "start", "middle" or "end".
func (s *svgBuf) text(x, y float64, anchor, class, text string) {
	fmt.Fprintf(&s.b, `<text x="%s" y="%s" text-anchor="%s"`, svgNum(x), svgNum(y), anchor)
	if class != "" {
		fmt.Fprintf(&s.b, ` class="%s"`, class)
	}
	fmt.Fprintf(&s.b, ">%s</text>", svgEsc(text))
}

// textTitled draws a label with hover text (e.g. a shortened name).
func (s *svgBuf) textTitled(x, y float64, anchor, class, text, title string) {
	fmt.Fprintf(&s.b, `<text x="%s" y="%s" text-anchor="%s" class="%s"><title>%s</title>%s</text>`,
		svgNum(x), svgNum(y), anchor, class, svgEsc(title), svgEsc(text))
}

func (s *svgBuf) group(title string) {
	fmt.Fprintf(&s.b, "<g><title>%s</title>", svgEsc(title))
}

func (s *svgBuf) endGroup() { s.b.WriteString("</g>") }

// svgNum formats a coordinate with at most one decimal.
func svgNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// svgEsc escapes text for an SVG (or HTML) text node or attribute value.
func svgEsc(s string) string {
	return template.HTMLEscapeString(htmlClean(s))
}

// htmlClean replaces what may not appear in HTML or XML text — invalid UTF-8,
// control characters other than tab and newline, non-characters — with U+FFFD.
func htmlClean(s string) string {
	s = plain(s) // the marks of strings from the trace (escape.go)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return '\uFFFD'
		case r == 0xfffe || r == 0xffff:
			return '\uFFFD'
		}
		return r
	}, s)
}

// svgShorten keeps the last n runes of a long name, where Go function names
// carry the most information, marking the cut with "…".
func svgShorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

// svgNiceStep returns a step of 1, 2 or 5 times a power of ten that cuts
// span into about target parts.
func svgNiceStep(span float64, target int) float64 {
	if span <= 0 || target <= 0 {
		return 1
	}
	raw := span / float64(target)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch norm := raw / mag; {
	case norm <= 1:
		return mag
	case norm <= 2:
		return 2 * mag
	case norm <= 5:
		return 5 * mag
	default:
		return 10 * mag
	}
}

// svgDecimals is how many decimals multiples of step need.
func svgDecimals(step float64) int {
	for d := 0; d < 6; d++ {
		x := step * math.Pow(10, float64(d))
		if math.Abs(x-math.Round(x)) < 1e-6*max(x, 1) {
			return d
		}
	}
	return 6
}

// svgDurTick labels a time tick (ns) in the unit of the axis maximum.
func svgDurTick(v, step, maxV float64) string {
	if v == 0 {
		return "0"
	}
	units := []struct {
		ns   float64
		name string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}}
	u := units[len(units)-1]
	for _, c := range units {
		if maxV >= c.ns {
			u = c
			break
		}
	}
	return strconv.FormatFloat(v/u.ns, 'f', svgDecimals(step/u.ns), 64) + u.name
}

// svgCountTick labels a count or rate tick in the unit of the axis maximum:
// 0, 250, 1500, 15k, 2.5M.
func svgCountTick(v, step, maxV float64) string {
	switch {
	case v == 0:
		return "0"
	case maxV >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', svgDecimals(step/1e6), 64) + "M"
	case maxV >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', svgDecimals(step/1e3), 64) + "k"
	default:
		return strconv.FormatFloat(v, 'f', svgDecimals(step), 64)
	}
}

// svgPctTick labels a ratio tick as a percentage.
func svgPctTick(v, _, _ float64) string {
	return strconv.FormatFloat(100*v, 'f', 0, 64) + "%"
}

// xAxis draws ticks, vertical grid lines and labels for the domain 0..maxV
// over x0..x1, the grid from yTop to yBot, labels and title under yBot.
func (s *svgBuf) xAxis(x0, x1, yTop, yBot, maxV float64, ticks int, label func(v, step, maxV float64) string, title string) {
	if maxV <= 0 {
		maxV = 1
	}
	step := svgNiceStep(maxV, ticks)
	for i := 0; ; i++ {
		v := float64(i) * step
		if v > maxV*(1+1e-9) {
			break
		}
		x := x0 + v/maxV*(x1-x0)
		s.line(x, yTop, x, yBot, "grid")
		s.line(x, yBot, x, yBot+4, "axis")
		s.text(x, yBot+16, "middle", "tick", label(v, step, maxV))
	}
	s.line(x0, yBot, x1, yBot, "axis")
	s.text((x0+x1)/2, yBot+32, "middle", "axis-title", title)
}

// yAxis draws horizontal grid lines and labels for 0..maxV over yBot..yTop
// and returns the top of the scale, maxV rounded up to a whole step.
func (s *svgBuf) yAxis(x0, x1, yTop, yBot, maxV float64, integer bool, label func(v, step, maxV float64) string, title string) float64 {
	if maxV <= 0 {
		maxV = 1
	}
	step := svgNiceStep(maxV, 4)
	if integer && step < 1 {
		step = 1
	}
	top := math.Ceil(maxV/step-1e-9) * step
	for i := 0; ; i++ {
		v := float64(i) * step
		if v > top*(1+1e-9) {
			break
		}
		y := yBot - v/top*(yBot-yTop)
		if i > 0 {
			s.line(x0, y, x1, y, "grid")
		}
		s.text(x0-6, y+4, "end", "tick", label(v, step, top))
	}
	s.line(x0, yTop, x0, yBot, "axis")
	s.text(4, yTop-8, "start", "axis-title", title)
	return top
}

// svgSpan is the time the timeline covers, in ns.
func svgSpan(r *analyzer.Report) float64 {
	tl := &r.Timeline
	span := float64(r.Trace.DurationNS)
	if all := float64(tl.BucketNS) * float64(len(tl.Utilization)); span <= 0 || span > all {
		span = all
	}
	return span
}

// svgBucket returns the bounds (ns from trace start) of timeline bucket i;
// the last bucket may be shorter than BucketNS.
func svgBucket(r *analyzer.Report, i int) (t0, t1 float64) {
	w := float64(r.Timeline.BucketNS)
	t0 = float64(i) * w
	t1 = min(t0+w, svgSpan(r))
	return t0, t1
}

func svgBucketName(r *analyzer.Report, i int) string {
	t0, t1 := svgBucket(r, i)
	return Dur(int64(t0)) + "–" + Dur(int64(t1))
}

func clampUnit(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return min(max(v, 0), 1)
}

// svgProcChart draws one lane per P (and one for all Ps) with the busy share
// of each timeline bucket as a bar: GC mark work at the bottom, user code
// above it.
func svgProcChart(r *analyzer.Report) (template.HTML, string) {
	tl := &r.Timeline
	n := len(tl.Utilization)
	if n == 0 || tl.BucketNS <= 0 || len(tl.PerP) == 0 {
		return "", "No timeline in this report: no P was seen running."
	}
	span := svgSpan(r)
	type lane struct {
		name  string
		total string
		use   []float64
		gc    []float64
	}
	lanes := []lane{{name: "all", total: Pct(r.Procs.Utilization), use: tl.Utilization, gc: tl.GCUtilization}}
	totals := map[int]float64{}
	for _, u := range r.Procs.PerP {
		totals[u.P] = u.Utilization
	}
	for p := range tl.PerP {
		l := lane{name: "P" + strconv.Itoa(p), use: tl.PerP[p]}
		if p < len(tl.GCPerP) {
			l.gc = tl.GCPerP[p]
		}
		if u, ok := totals[p]; ok {
			l.total = Pct(u)
		}
		lanes = append(lanes, l)
	}
	laneH := 26.0
	if len(lanes) > 12 {
		laneH = max(5, 312/float64(len(lanes)), min(13, 420/float64(len(lanes))))
	}
	gap := math.Min(4, laneH/5)
	labelEvery := max(1, int(math.Ceil(13/laneH)))
	const top = 22.0
	bot := top + float64(len(lanes))*laneH
	x0, x1 := svgTimeX0, svgTimeX1
	x := func(t float64) float64 { return x0 + t/span*(x1-x0) }

	var s svgBuf
	s.open(bot+svgAxisH, "Utilization of each P over time")
	s.xAxis(x0, x1, top, bot, span, 10, svgDurTick, "time from trace start")
	s.text(4, top-8, "start", "axis-title", "P")
	s.text(svgW-4, top-8, "end", "axis-title", "busy")
	for li, l := range lanes {
		y0 := top + float64(li)*laneH + gap/2
		h := laneH - gap
		cls := "lane"
		if li == 0 {
			cls = "lane lane-all"
		}
		s.rect(x0, y0, x1-x0, h, cls, "")
		if li%labelEvery == 0 || li == 0 {
			fs := ""
			if laneH < 13 {
				fs = "small"
			}
			s.text(x0-6, y0+h/2+4, "end", fs, l.name)
			if l.total != "" {
				s.text(svgW-4, y0+h/2+4, "end", "tick "+fs, l.total)
			}
		}
		for i := 0; i < n && i < len(l.use); i++ {
			u := clampUnit(l.use[i])
			if u == 0 {
				continue
			}
			g := 0.0
			if i < len(l.gc) {
				g = min(clampUnit(l.gc[i]), u)
			}
			t0, t1 := svgBucket(r, i)
			bx, bw := x(t0), x(t1)-x(t0)
			title := fmt.Sprintf("%s, %s: %s busy", l.name, svgBucketName(r, i), Pct(u))
			if g > 0 {
				title += fmt.Sprintf(" (%s GC)", Pct(g))
			}
			s.group(title)
			s.rect(bx, y0+h-g*h, bw, g*h, "bar bar-gc", "")
			s.rect(bx, y0+h-u*h, bw, (u-g)*h, "bar bar-user", "")
			s.endGroup()
		}
	}
	return s.html(), ""
}

// svgStep returns the path of a step line through per-bucket values.
func svgStep(r *analyzer.Report, v []int64, x func(float64) float64, y func(float64) float64) string {
	var b strings.Builder
	for i, c := range v {
		t0, t1 := svgBucket(r, i)
		if i == 0 {
			fmt.Fprintf(&b, "M%s %s", svgNum(x(t0)), svgNum(y(float64(c))))
		} else {
			fmt.Fprintf(&b, "V%s", svgNum(y(float64(c))))
		}
		fmt.Fprintf(&b, "H%s", svgNum(x(t1)))
	}
	return b.String()
}

// svgAliveChart draws goroutines alive at the end of each bucket as a step
// line over a band reaching the most alive at any moment of the bucket.
func svgAliveChart(r *analyzer.Report) (template.HTML, string) {
	tl := &r.Timeline
	n := min(len(tl.Alive), len(tl.AliveMax))
	if n == 0 || tl.BucketNS <= 0 {
		return "", "No timeline in this report."
	}
	alive, most := tl.Alive[:n], tl.AliveMax[:n]
	var maxV int64
	for i := range n {
		maxV = max(maxV, alive[i], most[i])
	}
	maxV = max(maxV, r.Goroutines.Peak)
	span := svgSpan(r)
	const top, bot = 26.0, 206.0
	x0, x1 := svgTimeX0, svgTimeX1
	x := func(t float64) float64 { return x0 + t/span*(x1-x0) }

	var s svgBuf
	s.open(bot+svgAxisH, "Goroutines alive over time")
	yMax := s.yAxis(x0, x1, top, bot, float64(maxV), true, svgCountTick, "goroutines")
	s.xAxis(x0, x1, top, bot, span, 10, svgDurTick, "time from trace start")
	y := func(v float64) float64 { return bot - v/yMax*(bot-top) }
	band := svgStep(r, most, x, y)
	s.path(fmt.Sprintf("M%s %s", svgNum(x0), svgNum(bot))+"L"+band[1:]+fmt.Sprintf("V%sZ", svgNum(bot)), "area area-alive-max", "")
	s.path(svgStep(r, alive, x, y), "line line-alive", "")
	for i := range n {
		t0, t1 := svgBucket(r, i)
		s.rect(x(t0), top, x(t1)-x(t0), bot-top, "hit",
			fmt.Sprintf("%s: %s alive at the end, at most %s", svgBucketName(r, i), Count(alive[i]), Count(most[i])))
	}
	if g := &r.Goroutines; g.Peak > 0 {
		px, py := x(min(float64(g.PeakAtNS), span)), y(float64(g.Peak))
		title := fmt.Sprintf("peak: %s goroutines alive at %s", Count(g.Peak), Dur(g.PeakAtNS))
		s.circle(px, py, 4, "peak", title)
		anchor, dx := "start", 7.0
		if px > (x0+x1)/2 {
			anchor, dx = "end", -7
		}
		s.text(px+dx, max(py-6, top+10), anchor, "marker", "peak "+Count(g.Peak))
	}
	return s.html(), ""
}

// svgSwitchChart draws goroutine switches per second in each bucket, with
// the mean rate of the trace as a dashed line.
func svgSwitchChart(r *analyzer.Report) (template.HTML, string) {
	tl := &r.Timeline
	n := len(tl.Switches)
	if n == 0 || tl.BucketNS <= 0 {
		return "", "No timeline in this report."
	}
	span := svgSpan(r)
	rates := make([]float64, n)
	maxV := r.Switches.PerSec
	for i, c := range tl.Switches {
		t0, t1 := svgBucket(r, i)
		if t1 > t0 {
			rates[i] = float64(c) / ((t1 - t0) / 1e9)
		}
		maxV = max(maxV, rates[i])
	}
	if maxV == 0 {
		return "", "No goroutine switch in the trace."
	}
	const top, bot = 26.0, 186.0
	x0, x1 := svgTimeX0, svgTimeX1
	x := func(t float64) float64 { return x0 + t/span*(x1-x0) }

	var s svgBuf
	s.open(bot+svgAxisH, "Goroutine switches per second over time")
	yMax := s.yAxis(x0, x1, top, bot, maxV, false, svgCountTick, "switches/s")
	s.xAxis(x0, x1, top, bot, span, 10, svgDurTick, "time from trace start")
	y := func(v float64) float64 { return bot - v/yMax*(bot-top) }
	for i, v := range rates {
		t0, t1 := svgBucket(r, i)
		bx, bw := x(t0), x(t1)-x(t0)
		title := fmt.Sprintf("%s: %s switches, %s", svgBucketName(r, i), Count(tl.Switches[i]), Rate(v))
		if v == 0 {
			s.rect(bx, top, bw, bot-top, "hit", title)
			continue
		}
		bh := max(bot-y(v), 1.5) // a bar at all when there were switches
		s.rect(bx+0.5, bot-bh, max(bw-1, 0.5), bh, "bar bar-switch", title)
	}
	if m := r.Switches.PerSec; m > 0 {
		s.line(x0, y(m), x1, y(m), "mean")
		s.text(x1+4, y(m)+4, "start", "marker", "mean")
		s.text(x1+4, y(m)+17, "start", "tick", Rate(m))
	}
	return s.html(), ""
}

// svgHistChart draws a distribution's power-of-two histogram: one bar per
// bucket, bounds labelled as durations, p50 and p99 marked.
func svgHistChart(d *analyzer.Dist, noun, label string) (template.HTML, string) {
	h := d.Histogram
	var maxC uint64
	for _, b := range h {
		maxC = max(maxC, b.Count)
	}
	if len(h) == 0 || maxC == 0 {
		return "", ""
	}
	var total uint64
	for _, b := range h {
		total += b.Count
	}
	const top, bot = 40.0, 220.0
	x0, x1 := svgTimeX0, svgTimeX1
	bw := (x1 - x0) / float64(len(h))

	var s svgBuf
	s.open(bot+svgAxisH, label)
	yMax := s.yAxis(x0, x1, top, bot, float64(maxC), true, svgCountTick, noun)
	y := func(v float64) float64 { return bot - v/yMax*(bot-top) }
	every := max(1, int(math.Ceil(50/bw)))
	for i := 0; i <= len(h); i++ {
		bx := x0 + float64(i)*bw
		s.line(bx, bot, bx, bot+4, "axis")
		if i%every != 0 && i != len(h) {
			continue
		}
		if i == len(h) && i%every != 0 && bw*float64(i%every) < 40 {
			continue
		}
		var v uint64
		if i < len(h) {
			v = h[i].Lo
		} else {
			v = h[i-1].Hi
		}
		s.text(bx, bot+16, "middle", "tick", DurU(v))
	}
	s.line(x0, bot, x1, bot, "axis")
	s.text((x0+x1)/2, bot+32, "middle", "axis-title", "duration (power-of-two buckets)")
	for i, b := range h {
		bx := x0 + float64(i)*bw
		title := fmt.Sprintf("%s–%s: %s %s (%s)", DurU(b.Lo), DurU(b.Hi), Count(int64(b.Count)), noun, Pct(float64(b.Count)/float64(max(total, 1))))
		if b.Count == 0 {
			s.rect(bx, top, bw, bot-top, "hit", title)
			continue
		}
		bh := max(bot-y(float64(b.Count)), 1.5) // one value still shows
		s.rect(bx+1, bot-bh, max(bw-2, 0.5), bh, "bar bar-hist", title)
	}
	// xOf places value v on the log axis: bucket index plus the log2
	// position inside the bucket.
	xOf := func(v uint64) float64 {
		for i, b := range h {
			if v < b.Hi || i == len(h)-1 {
				f := 0.0
				switch {
				case v >= b.Hi:
					f = 1
				case b.Lo > 0 && v > b.Lo:
					f = math.Log2(float64(v)/float64(b.Lo)) / math.Log2(float64(b.Hi)/float64(b.Lo))
				case b.Lo == 0 && b.Hi > 0:
					f = float64(v) / float64(b.Hi)
				}
				return x0 + (float64(i)+clampUnit(f))*bw
			}
		}
		return x0
	}
	marks := []struct {
		name string
		v    uint64
	}{{"p50", d.P50}, {"p99", d.P99}}
	for k, m := range marks {
		mx := xOf(m.v)
		ly := top - 22 + float64(k)*13
		s.line(mx, ly+3, mx, bot, "mark")
		anchor, dx := "start", 4.0
		if mx > x1-120 {
			anchor, dx = "end", -4
		}
		s.text(mx+dx, ly, anchor, "marker", m.name+" "+DurU(m.v))
	}
	return s.html(), ""
}

// svgStateChart draws, for each goroutine group, how its goroutines' time
// splits into running, runnable, blocked and syscall, as a 100% bar with the
// group's total time at the right.
func svgStateChart(r *analyzer.Report) (template.HTML, string) {
	groups := r.Goroutines.Groups
	if len(groups) == 0 {
		return "", "No goroutine groups in this report."
	}
	const (
		top    = 22.0
		rowH   = 24.0
		nameX1 = 330.0 // names end here, bars begin
		barX1  = 880.0
		maxLen = 40
	)
	bot := top + float64(len(groups))*rowH
	var s svgBuf
	s.open(bot+svgAxisH, "Time by goroutine state for each goroutine group")
	s.xAxis(nameX1, barX1, top, bot, 1, 5, svgPctTick, "share of the group's time")
	s.text(4, top-8, "start", "axis-title", "start function (goroutines)")
	s.text(svgW-4, top-8, "end", "axis-title", "total")
	for gi, g := range groups {
		y0 := top + float64(gi)*rowH + 3
		h := rowH - 6
		name := g.Name
		tag := fmt.Sprintf(" ×%s", Count(g.Count))
		full := name + tag
		if g.System {
			full += " [runtime]"
		}
		cls := "name"
		if g.System {
			cls = "name name-runtime"
		}
		s.textTitled(nameX1-8, y0+h/2+4, "end", cls, svgShorten(name, maxLen-len([]rune(tag)))+tag, full)
		t := g.Time
		total := t.Exec + t.SchedWait + t.Blocked + t.Syscall
		s.text(svgW-4, y0+h/2+4, "end", "tick", Dur(total))
		s.rect(nameX1, y0, barX1-nameX1, h, "lane", "")
		if total <= 0 {
			continue
		}
		type seg struct {
			state string
			ns    int64
			class string
		}
		segs := []seg{
			{"running", t.Exec, "bar bar-running"},
			{"runnable", t.SchedWait, "bar bar-runnable"},
		}
		// Blocked time in one segment per reason class, in a fixed order.
		var inClasses int64
		for _, k := range blockedClasses {
			if v := t.BlockedBy[k]; v > 0 {
				segs = append(segs, seg{"blocked on " + blockClassName(k), v, "bar bar-blocked-" + k})
				inClasses += v
			}
		}
		if rest := t.Blocked - inClasses; rest > 0 {
			segs = append(segs, seg{"blocked", rest, "bar bar-blocked"})
		}
		segs = append(segs, seg{"syscall", t.Syscall, "bar bar-syscall"})
		bx := nameX1
		for _, sg := range segs {
			if sg.ns <= 0 {
				continue
			}
			w := float64(sg.ns) / float64(total) * (barX1 - nameX1)
			title := fmt.Sprintf("%s: %s %s (%s)", full, sg.state, Dur(sg.ns), Pct(float64(sg.ns)/float64(total)))
			s.rect(bx, y0, w, h, sg.class, title)
			bx += w
		}
	}
	return s.html(), ""
}

// blockedClasses are the keys of StateTimes.BlockedBy in the order the
// state chart draws them.
var blockedClasses = []string{"sync", "chan", "select", "network", "sleep", "gc", "system", "other", "unknown"}

// blockedLegend lists the blocked classes any group of r has, for the
// state chart's legend.
func blockedLegend(r *analyzer.Report) []htmlKey {
	seen := map[string]bool{}
	for _, g := range r.Goroutines.Groups {
		for k, v := range g.Time.BlockedBy {
			seen[k] = seen[k] || v > 0
		}
	}
	var out []htmlKey
	for _, k := range blockedClasses {
		if seen[k] {
			out = append(out, htmlKey{"bar-blocked-" + k, "blocked: " + blockClassName(k)})
		}
	}
	if len(out) == 0 {
		out = append(out, htmlKey{"bar-blocked", "blocked"})
	}
	return out
}

// pathClass is the bar class of a critical-path or breakdown state.
func pathClass(state, reason string) string {
	switch state {
	case analyzer.StateRunning, analyzer.StateAssist:
		return "bar bar-running"
	case analyzer.StateRunnable, analyzer.StateSTW:
		return "bar bar-runnable"
	case analyzer.StateSyscall:
		return "bar bar-syscall"
	case analyzer.StateWaiting:
		return "bar bar-blocked-" + analyzer.ReasonClass(reason)
	}
	return "bar bar-blocked-unknown"
}

// svgPathChart draws a task type's critical path as one 100% bar, a
// segment per row (the rows JSON keeps), largest first, with the function,
// state and line in each segment's hover text and the largest named.
func svgPathChart(rows []analyzer.PathRow, total int64) (template.HTML, string) {
	if len(rows) == 0 {
		return "", "No critical path."
	}
	const top, h, x0, x1 = 8.0, 34.0, 8.0, svgW - 8.0
	var s svgBuf
	s.open(top+h+40, "Critical path by goroutine and state")
	s.rect(x0, top, x1-x0, h, "lane", "")
	bx := x0
	for i := range rows {
		r := &rows[i]
		w := r.Share * (x1 - x0)
		if w <= 0 {
			continue
		}
		label := r.Function + " " + r.State
		if r.Reason != "" {
			label += " (" + r.Reason + ")"
		}
		if r.File != "" {
			label += " at " + r.File + ":" + strconv.Itoa(r.Line)
		}
		title := fmt.Sprintf("%s: %s of %s (%s)", label, Dur(r.NS), Dur(total), Pct(r.Share))
		s.rect(bx, top, w, h, pathClass(r.State, r.Reason), title)
		if i < 3 && w > 120 {
			s.textTitled(bx+4, top+h+16, "start", "tick", svgShorten(Pct(r.Share)+" "+r.Function, int(w/7)), title)
		}
		bx += w
	}
	return s.html(), ""
}
