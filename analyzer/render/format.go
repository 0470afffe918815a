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
// with " < ".
func stackShort(frames []analyzer.Frame, n int) string {
	frames = skipRuntimeLead(frames)
	var parts []string
	for i, f := range frames {
		if i == n {
			parts = append(parts, "…")
			break
		}
		if i == 0 {
			parts = append(parts, frameShort(f))
		} else {
			parts = append(parts, f.Func)
		}
	}
	if len(parts) == 0 {
		return "(no stack)"
	}
	return strings.Join(parts, " < ")
}

// skipRuntimeLead drops the scheduler's frames at the top of a stack
// (runtime.gopark, runtime.chanrecv, ... as a goroutine's status stack has
// them), keeping the last runtime frame before the caller's code, so a short
// stack reads "runtime.chanrecv1 < main.worker" as a blocking event's stack
// does. A stack of runtime frames only is kept whole.
func skipRuntimeLead(frames []analyzer.Frame) []analyzer.Frame {
	i := 0
	for i+1 < len(frames) && isRuntimeFrame(frames[i]) && isRuntimeFrame(frames[i+1]) {
		i++
	}
	if i+1 == len(frames) {
		return frames // nothing but runtime
	}
	return frames[i:]
}

// isRuntimeFrame reports whether f is a function of package runtime.
func isRuntimeFrame(f analyzer.Frame) bool {
	return strings.HasPrefix(f.Func, "runtime.")
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
