package render

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
)

// htmlChartKinds are the charts every report has, by data-chart name, with
// the classes of the elements that carry its data.
var htmlChartKinds = map[string][]string{
	"putil":    {"bar-user"},
	"alive":    {"line-alive", "area-alive-max"},
	"switches": {"bar-switch"},
	"latency":  {"bar-hist"},
	"lifetime": {"bar-hist"},
	"states":   {"bar-running"},
}

var (
	htmlGenOnce   sync.Once
	htmlGenReport *analyzer.Report
	htmlGenErr    error
)

// htmlGeneratedReport traces a small workload in this process (goroutines
// that start and end, channel ping-pong, sleeps, a GC, a task with a log, a
// goroutine still blocked at the end) and analyzes it. It is made once.
func htmlGeneratedReport(t *testing.T) *analyzer.Report {
	t.Helper()
	htmlGenOnce.Do(func() {
		var buf bytes.Buffer
		if err := trace.Start(&buf); err != nil {
			htmlGenErr = fmt.Errorf("runtime/trace.Start: %w", err)
			return
		}
		stuck := make(chan struct{})
		htmlWorkload(stuck)
		trace.Stop()
		close(stuck)
		htmlGenReport, htmlGenErr = analyzer.Analyze(&buf, analyzer.Options{Name: "generated-by-html_test.trace"})
	})
	if htmlGenErr != nil {
		t.Fatal(htmlGenErr)
	}
	return htmlGenReport
}

func htmlWorkload(stuck chan struct{}) {
	ctx, task := trace.NewTask(context.Background(), "html-test")
	trace.Log(ctx, "phase", "start")
	go func() { <-stuck }() // blocked at the end
	var wg sync.WaitGroup
	var sink [][]byte
	var mu sync.Mutex
	for round := 0; round < 6; round++ {
		ping, pong := make(chan int), make(chan int)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range ping {
				pong <- v + 1
			}
			close(pong)
		}()
		for i := 0; i < 300; i++ {
			ping <- i
			<-pong
		}
		close(ping)
		for i := 0; i < 2*runtime.GOMAXPROCS(0); i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				x := 0
				for j := 0; j < 200_000*(i%3+1); j++ {
					x += j * j
				}
				b := make([]byte, 64<<10+x%7)
				mu.Lock()
				sink = append(sink, b)
				mu.Unlock()
				time.Sleep(time.Duration(i%4) * time.Millisecond)
			}(i)
		}
		wg.Wait()
		if round == 3 {
			runtime.GC()
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = sink
	trace.Log(ctx, "phase", "end")
	task.End()
}

// htmlSharedReport analyzes the encoding/json test trace CI keeps beside the
// checkout, or returns nil when it is absent.
func htmlSharedReport(t *testing.T) *analyzer.Report {
	t.Helper()
	dir, ok := testtraces.SharedDir()
	path := filepath.Join(dir, "go1.25-test-encoding-json.trace")
	if _, err := os.Stat(path); !ok || err != nil {
		t.Logf("optional shared trace %s is absent; not tested", path)
		return nil
	}
	r, err := analyzer.AnalyzeFile(path, analyzer.Options{Name: "go1.25-test-encoding-json.trace"})
	if err != nil {
		t.Fatalf("AnalyzeFile(%s): %v", path, err)
	}
	return r
}

func htmlRender(t *testing.T, reports ...*analyzer.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, analyzer.NewReportSet(reports, "")); err != nil {
		t.Fatalf("HTML: %v", err)
	}
	return buf.String()
}

// htmlCopy deep-copies a report through its JSON form.
func htmlCopy(t *testing.T, r *analyzer.Report) *analyzer.Report {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var c analyzer.Report
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

var htmlVoid = map[string]bool{"meta": true, "br": true, "hr": true, "img": true, "input": true, "link": true, "wbr": true, "col": true, "source": true}

var htmlTagRE = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>`)

// htmlCheckWellFormed checks that every element of the page is closed in
// order (void elements aside, SVG elements may self-close) and that no
// stray "<" or ">" is left in text.
func htmlCheckWellFormed(page string) error {
	body := page
	if !strings.HasPrefix(body, "<!DOCTYPE html>\n") {
		return errors.New("no <!DOCTYPE html> at the start")
	}
	body = strings.TrimPrefix(body, "<!DOCTYPE html>\n")
	// The style sheet is text; it holds no tags.
	if i, j := strings.Index(body, "<style>"), strings.Index(body, "</style>"); i >= 0 && j > i {
		if strings.ContainsAny(body[i+len("<style>"):j], "<") {
			return errors.New("'<' inside <style>")
		}
		body = body[:i+len("<style>")] + body[j:]
	}
	var stack []string
	last := 0
	for _, m := range htmlTagRE.FindAllStringSubmatchIndex(body, -1) {
		if text := body[last:m[0]]; strings.ContainsAny(text, "<>") {
			return fmt.Errorf("unescaped < or > in text %q", text)
		}
		last = m[1]
		closing := body[m[2]:m[3]] == "/"
		name := strings.ToLower(body[m[4]:m[5]])
		attrs := body[m[6]:m[7]]
		switch {
		case closing:
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return fmt.Errorf("</%s> closes %v", name, stack)
			}
			stack = stack[:len(stack)-1]
		case htmlVoid[name] || strings.HasSuffix(attrs, "/"):
		default:
			stack = append(stack, name)
		}
	}
	if text := body[last:]; strings.TrimSpace(text) != "" {
		return fmt.Errorf("text after the last tag: %q", text)
	}
	if len(stack) != 0 {
		return fmt.Errorf("unclosed elements %v", stack)
	}
	return nil
}

// htmlFigure returns the <figure> of the chart named kind in the report
// with id rid.
func htmlFigure(page, rid, kind string) (string, error) {
	start := strings.Index(page, `id="`+rid+`-chart-`+kind+`"`)
	if start < 0 {
		return "", fmt.Errorf("no chart %s-chart-%s", rid, kind)
	}
	start = strings.LastIndex(page[:start], "<figure")
	end := strings.Index(page[start:], "</figure>")
	if start < 0 || end < 0 {
		return "", fmt.Errorf("chart %s-chart-%s is not a whole <figure>", rid, kind)
	}
	return page[start : start+end+len("</figure>")], nil
}

// svgElem is any SVG element, for encoding/xml.
type svgElem struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []svgElem  `xml:",any"`
}

func (e *svgElem) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (e *svgElem) walk(f func(*svgElem)) {
	f(e)
	for i := range e.Kids {
		e.Kids[i].walk(f)
	}
}

// svgParse parses the chart's <svg class="svg"> with encoding/xml.
func svgParse(figure string) (*svgElem, error) {
	i := strings.Index(figure, `<svg xmlns="http://www.w3.org/2000/svg" class="svg"`)
	if i < 0 {
		return nil, errors.New("no chart <svg>")
	}
	j := strings.LastIndex(figure, "</svg>")
	var root svgElem
	if err := xml.Unmarshal([]byte(figure[i:j+len("</svg>")]), &root); err != nil {
		return nil, fmt.Errorf("SVG does not parse as XML: %v", err)
	}
	return &root, nil
}

// svgDataElems counts elements of the given class with something to show:
// a rect with a positive area, a path with a drawing.
func svgDataElems(root *svgElem, class string) int {
	n := 0
	root.walk(func(e *svgElem) {
		if !strings.Contains(" "+e.attr("class")+" ", " "+class+" ") {
			return
		}
		switch e.XMLName.Local {
		case "rect":
			var w, h float64
			fmt.Sscan(e.attr("width"), &w)
			fmt.Sscan(e.attr("height"), &h)
			if w > 0 && h > 0 {
				n++
			}
		case "path":
			if len(e.attr("d")) > 4 {
				n++
			}
		}
	})
	return n
}

// htmlCheckCharts checks that every chart of report rid is drawn with data.
func htmlCheckCharts(t *testing.T, page, rid string) {
	t.Helper()
	for kind, classes := range htmlChartKinds {
		fig, err := htmlFigure(page, rid, kind)
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(fig, "<figcaption>") || !strings.Contains(fig, "<h4>") {
			t.Errorf("chart %s has no title or caption", kind)
		}
		root, err := svgParse(fig)
		if err != nil {
			t.Errorf("chart %s: %v", kind, err)
			continue
		}
		if root.attr("viewBox") == "" {
			t.Errorf("chart %s: no viewBox", kind)
		}
		for _, c := range classes {
			if n := svgDataElems(root, c); n == 0 {
				t.Errorf("chart %s: no %s element with data", kind, c)
			}
		}
		var texts int
		root.walk(func(e *svgElem) {
			if e.XMLName.Local == "text" && strings.TrimSpace(e.Text) != "" {
				texts++
			}
		})
		if texts < 3 {
			t.Errorf("chart %s: %d labels, want axes labelled", kind, texts)
		}
	}
}

// htmlCheckSelfContained checks that the page refers to nothing outside it:
// no element that loads something, no link but to an anchor of the page, no
// address but the SVG namespace.
func htmlCheckSelfContained(t *testing.T, page string) {
	t.Helper()
	rest := strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, bad := range []string{"http://", "https://", "<script", "<link", "<img", "<iframe", "<object", "<embed", "url(", "@import"} {
		if i := strings.Index(strings.ToLower(rest), bad); i >= 0 {
			t.Errorf("page refers outside itself: %q near %q", bad, rest[max(0, i-60):min(len(rest), i+60)])
		}
	}
	for _, m := range htmlTagRE.FindAllStringSubmatch(rest, -1) {
		for _, a := range htmlAttrRE.FindAllStringSubmatch(m[3], -1) {
			switch name := strings.ToLower(a[1]); {
			case name == "href" && !strings.HasPrefix(a[2], "#"):
				t.Errorf("link out of the page: %s", m[0])
			case name == "src" || name == "srcset" || name == "action" || name == "poster" || name == "style" || strings.HasPrefix(name, "on"):
				t.Errorf("attribute %s in %s", name, m[0])
			}
		}
	}
}

var htmlAttrRE = regexp.MustCompile(`\s([a-zA-Z:-]+)="([^"]*)"`)

func htmlCheckUniqueIDs(t *testing.T, page string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if seen[m[1]] {
			t.Errorf("id %q used twice", m[1])
		}
		seen[m[1]] = true
	}
}

func TestHTMLReport(t *testing.T) {
	reports := map[string]*analyzer.Report{"generated": htmlGeneratedReport(t)}
	if r := htmlSharedReport(t); r != nil {
		reports["go1.25-test-encoding-json"] = r
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			page := htmlRender(t, r)
			if err := htmlCheckWellFormed(page); err != nil {
				t.Fatalf("page is not well formed: %v", err)
			}
			htmlCheckSelfContained(t, page)
			htmlCheckUniqueIDs(t, page)
			htmlCheckCharts(t, page, "r1")
			for _, want := range []string{
				`<meta charset="utf-8">`,
				"Content-Security-Policy",
				"prefers-color-scheme:dark",
				r.Source.Name,
				"GOMAXPROCS", Dur(r.Trace.DurationNS), Count(r.Trace.Events),
				"time from trace start", "switches/s", "goroutines", "duration (power-of-two buckets)",
				"Summary", "Processors", "Goroutine switches", "Scheduler latency", "Blocking", "Syscalls", "Garbage collection", "Leaked goroutines",
			} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, g := range r.Goroutines.Groups {
				if !strings.Contains(page, svgEsc(g.Name)) {
					t.Errorf("page lacks goroutine group %q", g.Name)
				}
			}
			if regexp.MustCompile(`\b(NaN|[-+]?Inf)\b`).MatchString(page) {
				t.Error("page holds NaN or Inf")
			}
		})
	}
}

// htmlBetween returns the text of page from the first from to the next to.
func htmlBetween(page, from, to string) (string, bool) {
	i := strings.Index(page, from)
	if i < 0 {
		return "", false
	}
	j := strings.Index(page[i:], to)
	if j < 0 {
		return "", false
	}
	return page[i : i+j], true
}

func TestHTMLFindingsFirst(t *testing.T) {
	r := htmlCopy(t, htmlGeneratedReport(t))
	r.Findings = []analyzer.Finding{
		{ID: "goroutine-leak", Title: "Goroutine leak: 1 goroutine blocked at the end", Impact: 0.8, Detail: "1 user goroutine was blocked.",
			Evidence: map[string]float64{"goroutines.leaked": 1, "leak.blocked_ns": 2e9}, Where: []analyzer.Location{{Function: "main.wait", File: "/src/w.go", Line: 12, Via: "runtime.chanrecv1", Count: 1, TotalNS: 2e9}},
			Next: []string{"the LEAKED GOROUTINES section"}},
		{ID: "gc-pressure", Title: "GC pressure", Impact: 0.2, Detail: "GC took 20%.", Evidence: map[string]float64{"gc.cycles": 9}},
	}
	page := htmlRender(t, r)
	if err := htmlCheckWellFormed(page); err != nil {
		t.Fatalf("page is not well formed: %v", err)
	}
	f, s := strings.Index(page, `id="r1-findings"`), strings.Index(page, `id="r1-summary"`)
	if f < 0 || s < 0 || f > s {
		t.Fatalf("findings section at %d, summary at %d: the findings must come first", f, s)
	}
	card, ok := htmlBetween(page, `data-finding="goroutine-leak"`, "</article>")
	if !ok {
		t.Fatal("no card for the leak")
	}
	for _, want := range []string{"Goroutine leak", "impact 80.0%", `width="80.0"`, "main.wait (w.go:12) in runtime.chanrecv1: 1×, 2.00s", "leak.blocked_ns", "2.00s", "LEAKED GOROUTINES"} {
		if !strings.Contains(card, want) {
			t.Errorf("leak card lacks %q:\n%s", want, card)
		}
	}
	if strings.Index(page, `data-finding="goroutine-leak"`) > strings.Index(page, `data-finding="gc-pressure"`) {
		t.Error("findings are not in the report's order (most impact first)")
	}
}

func TestHTMLEscapes(t *testing.T) {
	r := htmlCopy(t, htmlGeneratedReport(t))
	const evil = `main.<script>alert("x")</script>.func1&'`
	const evilEsc = `main.&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;.func1&amp;&#39;`
	r.Source.Name = "</title><script>alert(1)</script>.trace"
	r.Warnings = append(r.Warnings, "<b>warning</b>")
	if len(r.Goroutines.Groups) == 0 {
		t.Fatal("no goroutine groups")
	}
	r.Goroutines.Groups[0].Name = evil
	r.Goroutines.Groups = append(r.Goroutines.Groups, analyzer.GoroutineGroup{
		Name: "bad\x00utf8\xff\x01]]><!--", Count: 1, Time: analyzer.StateTimes{Exec: 1000, Blocked: 500, BlockedBy: map[string]int64{"<chan>": 500}},
	})
	r.Latency.WorstGroups = append(r.Latency.WorstGroups, analyzer.GroupLatency{Name: evil, Count: 1})
	r.Blocking.ByReason = append(r.Blocking.ByReason, analyzer.BlockReason{Reason: "<iframe>", Count: 1,
		Top: []analyzer.StackTime{{Stack: []analyzer.Frame{{Func: evil, File: "/x/<a>.go", Line: 1}}}}})
	r.Leaks.Groups = append(r.Leaks.Groups, analyzer.LeakGroup{Reason: "chan receive", Start: evil, Count: 1, Suspected: true,
		Diagnosis: `<img src=x onerror="alert(1)">`, Stack: []analyzer.Frame{{Func: evil}}})
	r.Annotations.Logs = append(r.Annotations.Logs, analyzer.LogLine{Category: "<style>", Message: `</td></tr></table><script>alert(2)</script>`})
	r.Annotations.LogCount++
	r.Findings = append(r.Findings, analyzer.Finding{ID: "lock-contention", Title: evil, Impact: 0.5, Detail: evil,
		Evidence: map[string]float64{"<x>_ns": 5}, Where: []analyzer.Location{{Function: evil, File: "/x/<a>.go", Line: 3, Via: evil}}, Next: []string{evil}})

	page := htmlRender(t, r)
	if err := htmlCheckWellFormed(page); err != nil {
		t.Fatalf("page is not well formed: %v", err)
	}
	htmlCheckSelfContained(t, page)
	for _, bad := range []string{"<script", "<b>", "<iframe", "onerror=\"", "\x00", "\x01", "\xff", "]]><!--"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds unescaped %q", bad)
		}
	}
	if !strings.Contains(page, evilEsc) {
		t.Errorf("page lacks the escaped group name %s", evilEsc)
	}
	if card, ok := htmlBetween(page, `data-finding="lock-contention"`, "</article>"); !ok || strings.Count(card, evilEsc) < 4 {
		t.Errorf("the finding's card lacks its escaped title, detail, location or next: %q", card)
	}
	// The name is in the SVG of the state chart, which must still parse.
	fig, err := htmlFigure(page, "r1", "states")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fig, "&lt;script&gt;") {
		t.Error("state chart lacks the escaped group name")
	}
	if _, err := svgParse(fig); err != nil {
		t.Errorf("state chart: %v", err)
	}
	htmlCheckCharts(t, page, "r1")
}

func TestHTMLNoData(t *testing.T) {
	for name, set := range map[string]*analyzer.ReportSet{
		"nil":     nil,
		"empty":   {},
		"zero":    analyzer.NewReportSet([]*analyzer.Report{{}}, ""),
		"nil-one": {Reports: []*analyzer.Report{nil}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := HTML(&buf, set); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			if err := htmlCheckWellFormed(page); err != nil {
				t.Fatalf("page is not well formed: %v", err)
			}
			if name != "zero" {
				return
			}
			for kind := range htmlChartKinds {
				fig, err := htmlFigure(page, "r1", kind)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(fig, "<svg xmlns") || !strings.Contains(fig, `class="nodata"`) {
					t.Errorf("chart %s of an empty report: want a no-data note, got %s", kind, fig)
				}
			}
		})
	}

	// A report without lifetimes still draws its other charts.
	r := htmlCopy(t, htmlGeneratedReport(t))
	r.Goroutines.Lifetime = analyzer.Dist{}
	page := htmlRender(t, r)
	fig, err := htmlFigure(page, "r1", "lifetime")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fig, `class="nodata"`) || strings.Contains(fig, "<svg xmlns") {
		t.Errorf("lifetime chart without lifetimes: want a no-data note, got %s", fig)
	}
	if _, err := htmlFigure(page, "r1", "latency"); err != nil || !strings.Contains(page, "bar-hist") {
		t.Error("latency chart missing when only lifetimes are empty")
	}
}

func TestHTMLSeveral(t *testing.T) {
	a := htmlGeneratedReport(t)
	b := htmlCopy(t, a)
	b.Source.Name = "second.trace"
	set := analyzer.NewReportSet([]*analyzer.Report{a, b}, "")
	set.Env.Workload = "pingpong"
	set.Env.Params = map[string]string{"n": "10", "b": "<x>"}
	var buf bytes.Buffer
	if err := HTML(&buf, set); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if err := htmlCheckWellFormed(page); err != nil {
		t.Fatalf("page is not well formed: %v", err)
	}
	htmlCheckUniqueIDs(t, page)
	htmlCheckCharts(t, page, "r1")
	htmlCheckCharts(t, page, "r2")
	for _, want := range []string{`id="compare"`, `href="#r1"`, `href="#r2"`, "second.trace", "workload pingpong (b=&lt;x&gt; n=10)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestHTMLWriteError(t *testing.T) {
	err := HTML(htmlFailWriter{}, analyzer.NewReportSet([]*analyzer.Report{htmlGeneratedReport(t)}, ""))
	if err == nil {
		t.Fatal("HTML to a failing writer: no error")
	}
}

type htmlFailWriter struct{}

func (htmlFailWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestSVGTicks(t *testing.T) {
	for _, c := range []struct {
		span float64
		n    int
		want float64
	}{{505e6, 10, 100e6}, {1, 5, 0.2}, {1, 4, 0.5}, {22, 4, 10}, {7, 4, 2}, {1000, 5, 200}} {
		if got := svgNiceStep(c.span, c.n); got != c.want {
			t.Errorf("svgNiceStep(%g, %d) = %g, want %g", c.span, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		v, step, max float64
		want         string
	}{
		{0, 50e6, 505e6, "0"}, {100e6, 50e6, 505e6, "100ms"}, {1.2e6, 200e3, 1.3e6, "1.2ms"},
		{1.5e9, 500e6, 2.5e9, "1.5s"}, {500, 100, 900, "500ns"}, {3e3, 1e3, 9e3, "3µs"},
	} {
		if got := svgDurTick(c.v, c.step, c.max); got != c.want {
			t.Errorf("svgDurTick(%g, %g, %g) = %q, want %q", c.v, c.step, c.max, got, c.want)
		}
	}
	for _, c := range []struct {
		v, step, max float64
		want         string
	}{{0, 5, 20, "0"}, {15, 5, 20, "15"}, {1500, 500, 2000, "1500"}, {20000, 10000, 40000, "20k"}, {15000, 5000, 20000, "15k"},
		{2.5e6, 5e5, 3e6, "2.5M"}, {4e6, 2e6, 6e6, "4M"}, {0.5, 0.25, 1, "0.50"}} {
		if got := svgCountTick(c.v, c.step, c.max); got != c.want {
			t.Errorf("svgCountTick(%g, %g, %g) = %q, want %q", c.v, c.step, c.max, got, c.want)
		}
	}
	if got := htmlClean("a\x00b\xffc\td\u0085"); got != "a\uFFFDb\uFFFDc\td\uFFFD" {
		t.Errorf("htmlClean = %q", got)
	}
	if got := svgShorten("net/http.(*Transport).startDialConnForLocked.func1", 20); got != "…ConnForLocked.func1" {
		t.Errorf("svgShorten = %q", got)
	}
}
