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
	for i, f := range r.Findings {
		b.note("%d. %s [%s, impact %s]: %s", i+1, f.Title, f.ID, Pct(f.Impact), f.Detail)
		var items []string
		for _, w := range f.Where {
			items = append(items, "at "+locationLong(w))
		}
		if len(f.Evidence) > 0 {
			items = append(items, "evidence: "+evidenceText(f.Evidence))
		}
		for _, n := range f.Next {
			items = append(items, "next: "+n)
		}
		b.list(items)
	}
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

// evidenceText lists evidence as "name value" pairs in name order, each
// value formatted by the unit its name carries.
func evidenceText(ev map[string]float64) string {
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + EvidenceValue(k, ev[k])
	}
	return strings.Join(parts, ", ")
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
