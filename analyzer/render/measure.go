package render

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gotrace/gotrace/analyzer"
)

// MeasureValue formats a measurement's value by its unit.
func MeasureValue(v float64, unit string) string {
	switch unit {
	case "ns", "ns/op":
		return Dur(int64(v + 0.5))
	case "bytes":
		if v < 0 {
			return "-" + Bytes(uint64(-v+0.5))
		}
		return Bytes(uint64(v + 0.5))
	case "ratio":
		return Pct(v)
	case "":
		return num(v)
	}
	return num(v) + " " + unit
}

// num formats a plain number with up to four significant digits.
func num(v float64) string {
	if v < 1e15 && v > -1e15 && (v == float64(int64(v)) || v >= 100 || v <= -100) {
		return Count(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// measureTable lays out measurements: when some carry variants, one row
// per name with a column per variant (and their ratio when there are two);
// other measurements one row each. notes are the help texts.
type measureTable struct {
	header []string
	rows   [][]string
	notes  []string
}

func layoutMeasurements(ms []analyzer.Measurement) measureTable {
	var variants []string
	seenV := map[string]bool{}
	var names []string
	seenN := map[string]bool{}
	byKey := map[string]analyzer.Measurement{}
	help := map[string]string{}
	for _, m := range ms {
		if m.Variant != "" && !seenV[m.Variant] {
			seenV[m.Variant] = true
			variants = append(variants, m.Variant)
		}
		if !seenN[m.Name] {
			seenN[m.Name] = true
			names = append(names, m.Name)
		}
		byKey[m.Key()] = m // the last of a key wins
		if m.Help != "" && help[m.Name] == "" {
			help[m.Name] = m.Help
		}
	}
	var t measureTable
	if len(variants) == 0 {
		t.header = []string{"measurement", "value"}
		for _, n := range names {
			m := byKey[n]
			t.rows = append(t.rows, []string{n, MeasureValue(m.Value, m.Unit)})
		}
	} else {
		t.header = append([]string{"measurement"}, variants...)
		if len(variants) == 2 {
			t.header = append(t.header, "ratio")
		}
		for _, n := range names {
			row := []string{n}
			var vals []float64
			var have []bool
			for _, v := range variants {
				m, ok := byKey[n+"["+v+"]"]
				if !ok {
					m, ok = byKey[n]
				}
				vals = append(vals, m.Value)
				have = append(have, ok)
				cell := "-"
				if ok {
					cell = MeasureValue(m.Value, m.Unit)
				}
				row = append(row, cell)
			}
			if len(variants) == 2 {
				ratio := "-"
				if have[0] && have[1] && vals[0] != 0 {
					ratio = strconv.FormatFloat(vals[1]/vals[0], 'f', 1, 64) + "x"
				}
				row = append(row, ratio)
			}
			t.rows = append(t.rows, row)
		}
	}
	for _, n := range names {
		if h := help[n]; h != "" {
			t.notes = append(t.notes, n+": "+h)
		}
	}
	return t
}

// formatParams writes workload parameters as "k=v k=v" in name order.
func formatParams(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ")
}
