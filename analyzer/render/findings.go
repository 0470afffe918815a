package render

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// findings lays out the report's findings: a table ranking them, then each
// with its explanation, code locations, evidence and where to look next.
func (b *docBuilder) findings() {
	r := b.r
	b.section("findings", "Findings", "Findings")
	if len(r.Findings) == 0 {
		b.note("No findings: nothing in this trace crossed the thresholds of gotrace's rules (README.md, Findings).")
		return
	}
	t := newDocTable([]string{"#", "impact", "finding", "id", "where"}, 2, 3, 4).codeCols(3, 4)
	for i, f := range r.Findings {
		where := "-"
		if len(f.Where) > 0 {
			where = locationShort(f.Where[0])
		}
		t.row(strconv.Itoa(i+1), Pct(f.Impact), f.Title, f.ID, where)
	}
	b.table(t)
	for i := range r.Findings {
		f := &r.Findings[i]
		df := &docFinding{rank: i + 1, f: f}
		for _, w := range f.Where {
			df.where = append(df.where, locationLong(w))
		}
		keys := make([]string, 0, len(f.Evidence))
		for k := range f.Evidence {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			df.evidence = append(df.evidence, [2]string{k, EvidenceValue(k, f.Evidence[k])})
		}
		b.cur.blocks = append(b.cur.blocks, docBlock{finding: df})
	}
}

// docFinding is one finding laid out: the text formats write it as a
// paragraph and a list, HTML as a card.
type docFinding struct {
	rank     int
	f        *analyzer.Finding
	where    []string    // locationLong of each
	evidence [][2]string // name, formatted value; by name
}

// heading is the finding's first line.
func (d *docFinding) heading() string {
	return fmt.Sprintf("%d. %s [%s, impact %s]", d.rank, d.f.Title, d.f.ID, Pct(d.f.Impact))
}

// items are the finding's list: locations, evidence, where to look next.
func (d *docFinding) items() []string {
	var items []string
	for _, w := range d.where {
		items = append(items, "at "+w)
	}
	if len(d.evidence) > 0 {
		parts := make([]string, len(d.evidence))
		for i, e := range d.evidence {
			parts[i] = e[0] + " " + e[1]
		}
		items = append(items, "evidence: "+strings.Join(parts, ", "))
	}
	for _, n := range d.f.Next {
		items = append(items, "next: "+n)
	}
	return items
}

// locationShort names a code location as "func (file.go:12)".
func locationShort(l analyzer.Location) string {
	return frameShort(analyzer.Frame{Func: l.Function, File: l.File, Line: l.Line})
}

// locationLong adds what the code called and the time spent there.
func locationLong(l analyzer.Location) string {
	s := locationShort(l)
	if l.Via != "" {
		s += " in " + l.Via
	}
	var parts []string
	if l.Count > 0 {
		parts = append(parts, Count(l.Count)+"×")
	}
	if l.TotalNS > 0 {
		parts = append(parts, Dur(l.TotalNS))
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}

// EvidenceValue formats a metric or evidence value by the unit its name
// carries: _ns durations, _bytes sizes, per_sec rates, utilizations and
// shares as percentages, other numbers as counts.
func EvidenceValue(name string, v float64) string {
	base := path.Ext(name) // the last dotted component, with its dot
	switch {
	case strings.HasSuffix(name, "_ns"):
		return Dur(int64(math.Round(v)))
	case strings.HasSuffix(name, "_bytes"):
		return Bytes(uint64(max(v, 0)))
	case strings.HasSuffix(name, "per_sec"):
		return Rate(v)
	case strings.Contains(base, "utilization"), strings.Contains(base, "share"), strings.HasSuffix(name, ".impact"):
		return Pct(v)
	}
	return num(v)
}

// blockedDetail says what the summary's blocked time holds and its biggest
// cause.
func blockedDetail(r *analyzer.Report) string {
	u := &r.Goroutines.UserTime
	var open int64
	for _, g := range r.Leaks.Groups {
		open += g.TotalBlockedNS
	}
	s := fmt.Sprintf("user goroutines, %s still blocked at the end", Dur(open))
	if u.Blocked > 0 && len(u.BlockedBy) > 0 {
		k := topKeys(u.BlockedBy, 1)
		s += fmt.Sprintf("; most on %s (%s)", blockClassName(k), Pct(float64(u.BlockedBy[k])/float64(u.Blocked)))
	}
	return s
}

// blockClassName reads a StateTimes.BlockedBy key as words.
func blockClassName(k string) string {
	switch k {
	case "chan":
		return "channel operations"
	case "sync":
		return "sync primitives"
	case "network":
		return "network I/O"
	case "sleep":
		return "sleep and timers"
	case "gc":
		return "the GC"
	case "system":
		return "runtime waits"
	case "unknown":
		return "waits begun before the trace"
	}
	return k
}

// topOtherSTW names the reason of most of the non-GC pauses.
func topOtherSTW(r *analyzer.Report) string {
	for _, s := range r.GC.STWByReason { // most time first
		if s.Kind == analyzer.STWOther {
			return fmt.Sprintf("%q", s.Reason)
		}
	}
	return "unknown"
}

// countOrDash shows n when the rows it sums are all shown, else "-": the
// alive count of a collapsed row is known only for the groups listed.
func countOrDash(n, listed, all int64) string {
	if listed != all {
		return "-"
	}
	return Count(n)
}
