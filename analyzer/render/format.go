// Package render writes analyzer reports and check results for people and
// machines: text tables (tablewriter), Markdown, JSON, HTML with SVG charts,
// and pprof profiles. Renderers only format what the analyzer computed.
package render

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gotrace/gotrace/analyzer"
)

// Dur formats nanoseconds with three significant digits and a unit:
// "640ns", "12.3µs", "20.1ms", "1.27s", "2m5s".
func Dur(ns int64) string {
	neg := ns < 0
	if neg {
		ns = -ns
	}
	var s string
	switch {
	case ns < 1000:
		s = strconv.FormatInt(ns, 10) + "ns"
	case ns < 1e6:
		s = sig3(float64(ns)/1e3) + "µs"
	case ns < 1e9:
		s = sig3(float64(ns)/1e6) + "ms"
	case ns < 100e9:
		s = sig3(float64(ns)/1e9) + "s"
	case ns < 3600e9:
		sec := (ns + 5e8) / 1e9
		s = fmt.Sprintf("%dm%ds", sec/60, sec%60)
	default:
		min := (ns + 30e9) / 60e9
		s = fmt.Sprintf("%dh%dm", min/60, min%60)
	}
	if neg {
		return "-" + s
	}
	return s
}

// DurU formats an unsigned duration.
func DurU(ns uint64) string {
	if ns > math.MaxInt64 {
		ns = math.MaxInt64
	}
	return Dur(int64(ns))
}

// sig3 formats v (>= 1) with three significant digits.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// TraceSize describes the size of the trace a report covers: "13.3 KiB",
// with the whole input's size beside it when that differs ("13.3 KiB
// analyzed of 26.6 KiB": concatenated or truncated traces), and ", gzip"
// for compressed input.
func TraceSize(src analyzer.Source) string {
	s := Bytes(uint64(max(src.Bytes, 0)))
	if src.InputBytes > 0 && src.InputBytes != src.Bytes {
		s += " analyzed of " + Bytes(uint64(src.InputBytes))
	}
	if src.Gzip {
		s += ", gzip"
	}
	return s
}

// Bytes formats a byte count with a binary unit: "512 B", "1.50 KiB", "12.3 MiB".
func Bytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return strconv.FormatUint(b, 10) + " B"
	}
	v := float64(b)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= unit
		if v < unit || u == "TiB" {
			return sig3(v) + " " + u
		}
	}
	return ""
}

// Count formats an integer with thousands separators: 1234567 -> "1,234,567".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Pct formats a ratio 0..1 as a percentage: 0.4567 -> "45.7%".
func Pct(r float64) string {
	return strconv.FormatFloat(100*r, 'f', 1, 64) + "%"
}

// Rate formats a per-second rate with three significant digits.
func Rate(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + "M/s"
	case v >= 1e3:
		return sig3(v/1e3) + "k/s"
	case v >= 1:
		return sig3(v) + "/s"
	case v == 0:
		return "0/s"
	default:
		return strconv.FormatFloat(v, 'g', 3, 64) + "/s"
	}
}

// Style selects how tables are drawn.
type Style int

const (
	// StyleText draws boxes with light Unicode lines, for terminals.
	StyleText Style = iota
	// StyleMarkdown writes GitHub-flavoured Markdown tables.
	StyleMarkdown
)

// table is a thin wrapper over tablewriter with the project's defaults:
// headers as given, the first column left-aligned and the others right-aligned
// unless told otherwise.
type table struct {
	t     *tablewriter.Table
	style Style
}

// newTable starts a table. left lists the columns (beyond the first) to
// align left.
func newTable(w io.Writer, style Style, header []string, left ...int) *table {
	aligns := make([]tw.Align, len(header))
	for i := range aligns {
		aligns[i] = tw.AlignRight
	}
	aligns[0] = tw.AlignLeft
	for _, i := range left {
		if i < len(aligns) {
			aligns[i] = tw.AlignLeft
		}
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: aligns}),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: aligns}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	}
	if style == StyleMarkdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	} else {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})))
	}
	t := tablewriter.NewTable(w, opts...)
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	tb := &table{t: t, style: style}
	t.Header(tb.cells(header)...)
	return tb
}

func (t *table) cells(row []string) []any {
	out := make([]any, len(row))
	for i, c := range row {
		if t.style == StyleMarkdown {
			c = strings.ReplaceAll(c, "|", `\|`)
		}
		out[i] = c
	}
	return out
}

// row appends one row.
func (t *table) row(cells ...string) {
	_ = t.t.Append(t.cells(cells)...)
}

// render writes the table.
func (t *table) render() error { return t.t.Render() }

// frameShort names a frame briefly: "pkg.Func (file.go:12)".
func frameShort(f analyzer.Frame) string {
	file := f.File
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		file = file[i+1:]
	}
	if file == "" {
		return f.Func
	}
	return fmt.Sprintf("%s (%s:%d)", f.Func, file, f.Line)
}

// stackShort describes a stack by its first frames, innermost first, joined
// with " < ": the scheduler's leading frames are skipped (stackLead), and
// the first frame of the program's own code (outside the runtime and the
// standard library) is always shown, with its file and line; without one,
// the first frame shown has them. n bounds the frames shown besides that
// one; "…" stands for the frames left out.
func stackShort(frames []analyzer.Frame, n int) string {
	return stackText(frames, n, nil)
}

// stackText is stackShort; the frames whose index (past the lead) is in
// lined also get their file and line.
func stackText(frames []analyzer.Frame, n int, lined map[int]bool) string {
	frames = frames[stackLead(frames):]
	if len(frames) == 0 {
		return "(no stack)"
	}
	u := analyzer.UserFrameIndex(frames)
	first := u
	if first < 0 {
		first = 0
	}
	name := func(i int) string {
		if i == first || lined[i] {
			return frameShort(frames[i])
		}
		return frames[i].Func
	}
	var parts []string
	for i := range frames {
		if i >= n && i != u {
			parts = append(parts, "…")
			if u > i {
				// The user's frame, past the frames shown.
				parts = append(parts, name(u))
				if u < len(frames)-1 {
					parts = append(parts, "…")
				}
			}
			break
		}
		parts = append(parts, name(i))
	}
	return strings.Join(parts, " < ")
}

// stackLead is how many leading frames of a stack are the scheduler's
// plumbing: frames of the runtime and of internal packages, and the
// runtime's entry points in other packages (sync.runtime_Semacquire,
// internal/poll.runtime_pollWait). They differ between a wait's own event
// stack and the status stack of a wait begun before the trace, so both are
// cut to the same frames: the first frame past them, or, when that is the
// program's own code, the one frame before it ("runtime.chanrecv1 <
// main.worker" says what the wait was). A stack of plumbing only is kept
// whole.
func stackLead(frames []analyzer.Frame) int {
	k := 0
	for k < len(frames) && plumbingFrame(frames[k]) {
		k++
	}
	switch {
	case k == len(frames):
		return 0
	case k > 0 && analyzer.UserFrameIndex(frames[k:k+1]) == 0:
		return k - 1
	}
	return k
}

func plumbingFrame(f analyzer.Frame) bool {
	if analyzer.IsRuntimeFunc(f.Func) || strings.Contains(f.Func, ".runtime_") {
		return true
	}
	pkg := analyzer.FuncPackage(f.Func)
	return strings.HasPrefix(pkg, "internal/")
}

// stackTexts describes stacks that are the rows of a table (each row a
// stack): rows that would read the same show the frames where their stacks
// differ, with their lines.
func stackTexts(stacks [][]analyzer.Frame, n int) []string {
	out := make([]string, len(stacks))
	for i, st := range stacks {
		out[i] = stackShort(st, n)
	}
	groups := map[string][]int{}
	for i, x := range out {
		groups[x] = append(groups[x], i)
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		// Frames (past each stack's lead) where the stacks of the group differ.
		trimmed := make([][]analyzer.Frame, len(g))
		longest := 0
		for j, i := range g {
			trimmed[j] = stacks[i][stackLead(stacks[i]):]
			longest = max(longest, len(trimmed[j]))
		}
		differ := map[int]bool{}
		last := -1
		for k := 0; k < longest; k++ {
			for j := 1; j < len(trimmed); j++ {
				a, b := frameAt(trimmed[0], k), frameAt(trimmed[j], k)
				if a != b {
					differ[k] = true
					last = k
					break
				}
			}
		}
		for _, i := range g {
			out[i] = stackText(stacks[i], max(n, last+1), differ)
		}
	}
	return out
}

func frameAt(fr []analyzer.Frame, k int) analyzer.Frame {
	if k < len(fr) {
		return fr[k]
	}
	return analyzer.Frame{}
}

// sparkline draws values in 0..1 as a row of block characters.
func sparkline(v []float64) string {
	const blocks = "▁▂▃▄▅▆▇█"
	runes := []rune(blocks)
	var b strings.Builder
	for _, x := range v {
		i := int(math.Round(x * float64(len(runes)-1)))
		i = min(max(i, 0), len(runes)-1)
		b.WriteRune(runes[i])
	}
	return b.String()
}
