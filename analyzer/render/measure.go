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
	case "bytes/s":
		if v < 0 {
			return "-" + Bytes(uint64(-v+0.5)) + "/s"
		}
		return Bytes(uint64(v+0.5)) + "/s"
	case "":
		return num(v)
	}
	if what, ok := strings.CutSuffix(unit, "/s"); ok {
		// A rate: "13.2k jobs/s", "467k goroutines/s", "100k/s".
		r := strings.TrimSuffix(Rate(math.Abs(v)), "/s")
		if v < 0 {
			r = "-" + r
		}
		if what = strings.TrimSpace(what); what == "" {
			return r + "/s"
		}
		return r + " " + what + "/s"
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

// measureTable is a table of measurements and their help texts.
type measureTable struct {
	header []string
	rows   [][]string
	notes  []string
}

// layoutMeasurements lays out measurements in up to two tables: the names
// measured in variants get one row each with a column per variant (and
// their ratio when there are two variants); the others a row each with
// their value.
func layoutMeasurements(ms []analyzer.Measurement) []measureTable {
	var variants, varNames, plainNames []string
	seenV := map[string]bool{}
	seenN := map[string]bool{}
	hasVariant := map[string]bool{}
	byKey := map[string]analyzer.Measurement{}
	help := map[string]string{}
	for _, m := range ms {
		if m.Variant != "" {
			hasVariant[m.Name] = true
			if !seenV[m.Variant] {
				seenV[m.Variant] = true
				variants = append(variants, m.Variant)
			}
		}
		byKey[m.Key()] = m // the last of a key wins
		if m.Help != "" && help[m.Name] == "" {
			help[m.Name] = m.Help
		}
	}
	for _, m := range ms {
		if seenN[m.Name] {
			continue
		}
		seenN[m.Name] = true
		if hasVariant[m.Name] {
			varNames = append(varNames, m.Name)
		} else {
			plainNames = append(plainNames, m.Name)
		}
	}
	var out []measureTable
	if len(varNames) > 0 {
		t := measureTable{header: append([]string{"measurement"}, variants...)}
		if len(variants) == 2 {
			t.header = append(t.header, "ratio")
		}
		for _, n := range varNames {
			row := []string{n}
			var vals []float64
			var have []bool
			for _, v := range variants {
				m, ok := byKey[n+"["+v+"]"]
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
			if h := help[n]; h != "" {
				t.notes = append(t.notes, n+": "+h)
			}
		}
		out = append(out, t)
	}
	if len(plainNames) > 0 {
		t := measureTable{header: []string{"measurement", "value"}}
		for _, n := range plainNames {
			m := byKey[n]
			t.rows = append(t.rows, []string{n, MeasureValue(m.Value, m.Unit)})
			if h := help[n]; h != "" {
				t.notes = append(t.notes, n+": "+h)
			}
		}
		out = append(out, t)
	}
	return out
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
