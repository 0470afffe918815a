package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/check"
	"github.com/gotrace/gotrace/analyzer/sweep"
)

const sweepEvil = `<script>alert("s")</script>`

// testSweep is a sweep of two values, three runs each, with a measurement
// in two variants (one missing at the second value), a plain one and a
// metric; the variant name comes from "the trace" and is hostile.
func testSweep() *sweep.Sweep {
	mk := func(th, gr, tput, sps float64) *analyzer.Report {
		ms := []analyzer.Measurement{{Name: "switch_ns", Variant: "threads", Value: th, Unit: "ns", Help: "ns per switch"}}
		if gr > 0 {
			ms = append(ms, analyzer.Measurement{Name: "switch_ns", Variant: sweepEvil, Value: gr, Unit: "ns"})
		}
		ms = append(ms, analyzer.Measurement{Name: "handoffs_per_sec", Value: tput, Unit: "/s"})
		r := &analyzer.Report{Measurements: ms, Metrics: map[string]float64{"switches.per_sec": sps, "procs.utilization": 0.5}}
		for _, m := range ms {
			r.Metrics[m.MetricName()] = m.Value
		}
		return r
	}
	env := analyzer.Env{Workload: "oversub", GoVersion: "go1.26.8", NumCPU: 2, GOOS: "linux", GOARCH: "amd64", Params: map[string]string{"pairs": "1", "duration": "300ms"}}
	entries := []sweep.Entry{
		{Value: "1", Given: "0.5x", Env: env, Reports: []*analyzer.Report{mk(3000, 300, 1e5, 2000), mk(3500, 320, 1.1e5, 2100), mk(4000, 310, 0.9e5, 1900)}},
		{Value: "8", Given: "4x", Env: env, Reports: []*analyzer.Report{mk(7000, 0, 5e4, 900), mk(7100, 0, 5.1e4, 950), mk(6900, 0, 4.9e4, 1000)}},
	}
	return sweep.New("oversub", "pairs", env, entries, []string{"switches.per_sec"})
}

func TestSweepText(t *testing.T) {
	var buf bytes.Buffer
	if err := SweepText(&buf, testSweep()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"gotrace sweep: oversub over pairs (2 values)",
		"other parameters: duration=300ms",
		"│ pairs ", "1 (0.5x)", "8 (4x)",
		"switch_ns [threads]", "3.50µs", "7.00µs", // medians of each value
		"switch_ns [" + sweepEvil + "]", "310ns",
		"handoffs_per_sec", "100k/s", // a rate, humanised
		"switches.per_sec", "2.00k/s", "950/s",
		"Each cell is the median of 3 runs",
		"- switch_ns: ns per switch",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	// The variant measured at one value only shows "-" at the other.
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, sweepEvil) && !strings.Contains(l, " - ") {
			t.Errorf("missing point not shown as -: %s", l)
		}
	}
	if strings.Contains(out, "procs.utilization") {
		t.Errorf("a metric not chosen is in the table")
	}

	buf.Reset()
	if err := SweepMarkdown(&buf, testSweep()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"## gotrace sweep: oversub over pairs (2 values)", "| pairs ", "| switch\\_ns [threads]", "3.50µs"} {
		if !strings.Contains(md, want) && !strings.Contains(md, strings.ReplaceAll(want, `\_`, "_")) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestSweepHTML(t *testing.T) {
	s := testSweep()
	var buf bytes.Buffer
	if err := SweepHTML(&buf, s); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if err := htmlCheckWellFormed(page); err != nil {
		t.Fatalf("page is not well formed: %v", err)
	}
	htmlCheckSelfContained(t, page)
	if strings.Contains(page, "<script") {
		t.Error("page holds an unescaped <script>")
	}
	// A chart per measurement (variants together) and per metric.
	groups := s.Groups()
	figs := strings.Split(page, `data-chart="sweep"`)[1:]
	if len(figs) != len(groups) || len(groups) != 3 {
		t.Fatalf("%d charts, want %d", len(figs), len(groups))
	}
	for i, g := range groups {
		fig := figs[i][:strings.Index(figs[i], "</figure>")]
		root, err := svgParse(fig)
		if err != nil {
			t.Fatalf("chart %d: %v", i, err)
		}
		if n := svgDataElems(root, "sline"); n != len(g) {
			t.Errorf("chart %d: %d lines drawn, want one per series (%d)", i, n, len(g))
		}
		var dots, points int
		root.walk(func(e *svgElem) {
			if e.XMLName.Local == "circle" && strings.Contains(e.attr("class"), "sdot") {
				dots++
			}
		})
		for _, sr := range g {
			for _, p := range sr.Points {
				if p.N > 0 {
					points++
				}
			}
		}
		if dots != points {
			t.Errorf("chart %d: %d points drawn, want %d", i, dots, points)
		}
		if !strings.Contains(fig, ">1 (0.5x)<") || !strings.Contains(fig, ">8 (4x)<") {
			t.Errorf("chart %d: the values are not on the x axis", i)
		}
	}
}

func TestSweepCheckText(t *testing.T) {
	base := check.FromSweep(testSweep(), "base.json")
	res, err := check.CompareSweep(base, base, check.Options{Exact: true, Metrics: []string{"switches.per_sec"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := SweepCheckText(&buf, res); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"gotrace check over pairs: PASS: no regression at any of 2 values",
		"pairs=1 (0.5x): PASS: no regression; 1 metric compared",
		"pairs=8 (4x): PASS",
		"baseline: 3 samples (workload oversub, go1.26.8, 2 CPUs, linux/amd64); current: 3 samples",
		"switches.per_sec",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := SweepCheckMarkdown(&buf, res); err != nil {
		t.Fatal(err)
	}
	if md := buf.String(); !strings.Contains(md, "## gotrace check over pairs: ✅ pass") || !strings.Contains(md, "## pairs=8 (4x): PASS") {
		t.Errorf("markdown:\n%s", md)
	}
	buf.Reset()
	if err := SweepCheckHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if err := htmlCheckWellFormed(page); err != nil {
		t.Fatalf("page is not well formed: %v", err)
	}
	htmlCheckSelfContained(t, page)
	if n := strings.Count(page, `<article class="report">`); n != 2 {
		t.Errorf("%d value sections, want 2", n)
	}
}
