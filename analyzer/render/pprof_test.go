package render_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/render"
)

// pprofMetric is the report metric each exported profile must sum to.
var pprofMetric = map[string]string{
	"sched":   "sched.wait.completed_ns",
	"sync":    "block.sync.completed_ns",
	"syscall": "syscalls.completed_ns",
	"net":     "block.net.completed_ns",
}

// pprofTrace records a short trace in which goroutines wait on a channel, a
// mutex, loopback TCP reads and blocking pipe reads, and waits for a P.
func pprofTrace(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("cannot start tracing (is the test itself traced?): %v", err)
	}
	err := pprofWorkload(60 * time.Millisecond)
	trace.Stop()
	if err != nil {
		t.Fatalf("workload: %v", err)
	}
	return buf.Bytes()
}

func pprofWorkload(d time.Duration) error {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	report := func(err error) {
		if err != nil && !errors.Is(err, io.EOF) {
			errc <- err
		}
	}

	// Channel and mutex.
	ch := make(chan int)
	var mu sync.Mutex
	wg.Add(3)
	go func() {
		defer wg.Done()
		defer close(ch)
		for time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			ch <- 1
		}
	}()
	for range 2 {
		go func() {
			defer wg.Done()
			for range ch {
				mu.Lock()
				time.Sleep(200 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}

	// Network.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	wg.Add(2)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			report(err)
			return
		}
		defer c.Close()
		b := make([]byte, 16)
		for {
			if _, err := c.Read(b); err != nil {
				report(err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			report(err)
			return
		}
		defer c.Close()
		for time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			if _, err := c.Write([]byte("x")); err != nil {
				report(err)
				return
			}
		}
	}()

	// Syscalls: Fd puts the pipe in blocking mode, so reads block in read(2).
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	pr.Fd()
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer pr.Close()
		b := make([]byte, 16)
		for {
			if _, err := pr.Read(b); err != nil {
				report(err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		defer pw.Close()
		for time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			if _, err := pw.Write([]byte("x")); err != nil {
				report(err)
				return
			}
		}
	}()

	// Short-lived goroutines queue for a P.
	for time.Now().Before(deadline) {
		var short sync.WaitGroup
		for range 20 {
			short.Add(1)
			go func() {
				defer short.Done()
				for t0 := time.Now(); time.Since(t0) < 10*time.Microsecond; {
				}
			}()
		}
		short.Wait()
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func analyzeTrace(t *testing.T, data []byte) *analyzer.Report {
	t.Helper()
	r, err := analyzer.Analyze(bytes.NewReader(data), analyzer.Options{Name: "pprof-test.trace"})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	if r.Profiles == nil {
		t.Fatal("report has no profiles")
	}
	return r
}

func parseFile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// profileFrames returns a sample's stack as report frames, innermost first.
func profileFrames(s *profile.Sample) []analyzer.Frame {
	var fr []analyzer.Frame
	for _, l := range s.Location {
		for _, ln := range l.Line {
			fr = append(fr, analyzer.Frame{Func: ln.Function.Name, File: ln.Function.Filename, Line: int(ln.Line)})
		}
	}
	return fr
}

// checkShape checks what every exported profile must be: go tool trace's
// sample and period types, unique ids and addresses, no duplicate functions or
// locations, and exactly the report's stacks and values.
func checkShape(t *testing.T, p *profile.Profile, r *analyzer.Report, kind string) {
	t.Helper()
	if err := p.CheckValid(); err != nil {
		t.Errorf("%s: invalid profile: %v", kind, err)
	}
	if len(p.SampleType) != 2 ||
		p.SampleType[0].Type != "contentions" || p.SampleType[0].Unit != "count" ||
		p.SampleType[1].Type != "delay" || p.SampleType[1].Unit != "nanoseconds" {
		t.Errorf("%s: sample types %v, want [contentions/count delay/nanoseconds]", kind, p.SampleType)
	}
	if p.PeriodType == nil || p.PeriodType.Type != "trace" || p.PeriodType.Unit != "count" || p.Period != 1 {
		t.Errorf("%s: period %v %d, want trace/count 1", kind, p.PeriodType, p.Period)
	}
	if p.TimeNanos != 0 || p.DurationNanos != r.Trace.DurationNS {
		t.Errorf("%s: time %d duration %d, want no wall time and the trace's duration %d", kind, p.TimeNanos, p.DurationNanos, r.Trace.DurationNS)
	}
	if len(p.Mapping) != 1 || !p.Mapping[0].HasFunctions || !p.Mapping[0].HasLineNumbers {
		t.Errorf("%s: want one mapping marked symbolized, have %v", kind, p.Mapping)
	}
	comments := strings.Join(p.Comments, "\n")
	if !strings.Contains(comments, r.Source.Name) || !strings.Contains(comments, kind) {
		t.Errorf("%s: comments %q do not name the trace %q and the profile", kind, comments, r.Source.Name)
	}

	type fkey struct{ name, file string }
	funcs := map[fkey]bool{}
	fids := map[uint64]bool{}
	for _, f := range p.Function {
		k := fkey{f.Name, f.Filename}
		if funcs[k] || fids[f.ID] {
			t.Errorf("%s: function %v (id %d) appears twice", kind, k, f.ID)
		}
		funcs[k], fids[f.ID] = true, true
	}
	locs := map[analyzer.Frame]bool{}
	lids := map[uint64]bool{}
	addrs := map[uint64]bool{}
	for _, l := range p.Location {
		if len(l.Line) != 1 {
			t.Fatalf("%s: location %d has %d lines, want 1", kind, l.ID, len(l.Line))
		}
		f := analyzer.Frame{Func: l.Line[0].Function.Name, File: l.Line[0].Function.Filename, Line: int(l.Line[0].Line)}
		if locs[f] || lids[l.ID] || addrs[l.Address] || l.Address == 0 {
			t.Errorf("%s: location %v (id %d, address %#x) is duplicated or has no address", kind, f, l.ID, l.Address)
		}
		locs[f], lids[l.ID], addrs[l.Address] = true, true, true
	}

	want := r.Profiles.Of(kind)
	if len(p.Sample) != len(want) {
		t.Fatalf("%s: %d samples, want one per stack: %d", kind, len(p.Sample), len(want))
	}
	var total int64
	for i, s := range p.Sample {
		w := want[i]
		if s.Value[0] != w.Count || s.Value[1] != w.TotalNS {
			t.Errorf("%s: sample %d values %v, want [%d %d]", kind, i, s.Value, w.Count, w.TotalNS)
		}
		if got := profileFrames(s); !slices.Equal(got, w.Stack) && !(len(got) == 0 && len(w.Stack) == 0) {
			t.Errorf("%s: sample %d stack\n%v\nwant\n%v", kind, i, got, w.Stack)
		}
		total += s.Value[1]
	}
	if m := int64(r.Metrics[pprofMetric[kind]]); total != m {
		t.Errorf("%s: profile sums %d ns, %s = %d", kind, total, pprofMetric[kind], m)
	}
}

func TestWritePprof(t *testing.T) {
	r := analyzeTrace(t, pprofTrace(t))
	dir := filepath.Join(t.TempDir(), "new", "dir") // created by WritePprof
	paths, err := render.WritePprof(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range render.PprofKinds {
		want = append(want, filepath.Join(dir, k+".pb.gz"))
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("WritePprof wrote %v, want %v", paths, want)
	}
	for i, kind := range render.PprofKinds {
		p := parseFile(t, paths[i])
		checkShape(t, p, r, kind)
		t.Logf("%s: %d samples, %d locations, %d functions, %s (%s = %.0f)",
			kind, len(p.Sample), len(p.Location), len(p.Function), paths[i], pprofMetric[kind], r.Metrics[pprofMetric[kind]])
		if kind != "sched" && len(p.Sample) == 0 {
			t.Errorf("%s: no samples; the workload blocks in this way", kind)
		}
	}
	// The exported sched profile keeps the wait before each goroutine's
	// first run: it holds more than go tool trace's clipped total.
	if c, a := r.Metrics["sched.wait.completed_ns"], r.Metrics["sched.wait.after_first_run_ns"]; !(c > a) {
		t.Errorf("sched.wait.completed_ns %.0f should exceed after_first_run_ns %.0f", c, a)
	}
}

// TestPprofSynthetic checks deduplication and stack order on a report made by
// hand: shared frames become one location, one function serves several lines,
// and a stackless sample stays.
func TestPprofSynthetic(t *testing.T) {
	main := analyzer.Frame{Func: "main.main", File: "/src/main.go", Line: 10}
	work := func(line int) analyzer.Frame {
		return analyzer.Frame{Func: "main.work", File: "/src/main.go", Line: line}
	}
	lock := analyzer.Frame{Func: "sync.(*Mutex).Lock", File: "/go/src/sync/mutex.go", Line: 90}
	r := &analyzer.Report{
		Source: analyzer.Source{Name: "synthetic.trace"},
		Trace:  analyzer.TraceInfo{StartNS: 1000, EndNS: 5000, DurationNS: 4000},
		Metrics: map[string]float64{
			"sched.wait.completed_ns": 0,
			"block.sync.completed_ns": 700,
			"syscalls.completed_ns":   0,
			"block.net.completed_ns":  0,
		},
		Profiles: &analyzer.Profiles{Sync: []analyzer.StackTime{
			{Stack: []analyzer.Frame{lock, work(20), main}, Count: 3, TotalNS: 400},
			{Stack: []analyzer.Frame{lock, work(25), main}, Count: 2, TotalNS: 200},
			{Stack: nil, Count: 1, TotalNS: 100},
		}},
	}
	for _, kind := range render.PprofKinds {
		p, err := render.PprofProfile(r, kind)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.Write(&buf); err != nil {
			t.Fatal(err)
		}
		p, err = profile.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		checkShape(t, p, r, kind)
		if kind == "sync" {
			if len(p.Location) != 4 || len(p.Function) != 3 {
				t.Errorf("sync: %d locations and %d functions, want 4 and 3", len(p.Location), len(p.Function))
			}
			if p.Sample[0].Location[0].Line[0].Function.Name != lock.Func {
				t.Errorf("sync: first sample's leaf is %s, want %s", p.Sample[0].Location[0].Line[0].Function.Name, lock.Func)
			}
		}
	}
	if _, err := render.PprofProfile(r, "cpu"); err == nil {
		t.Error("PprofProfile(cpu): no error")
	}
	if _, err := render.WritePprof(t.TempDir(), nil); err == nil {
		t.Error("WritePprof(nil report): no error")
	}
	// A report without profiles still gives four valid, empty profiles.
	empty := &analyzer.Report{Source: analyzer.Source{Name: "empty.trace"}}
	paths, err := render.WritePprof(t.TempDir(), empty)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if p := parseFile(t, path); len(p.Sample) != 0 {
			t.Errorf("%s: %d samples from an empty report", path, len(p.Sample))
		}
	}
}

// TestPprofDeterministic: the same report gives byte-identical files, and so
// does analyzing the same trace again.
func TestPprofDeterministic(t *testing.T) {
	data := pprofTrace(t)
	r1 := analyzeTrace(t, data)
	r2 := analyzeTrace(t, data)
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	var files [][]string
	for i, r := range []*analyzer.Report{r1, r1, r2} {
		paths, err := render.WritePprof(dirs[i], r)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, paths)
	}
	for k := range render.PprofKinds {
		a, err := os.ReadFile(files[0][k])
		if err != nil {
			t.Fatal(err)
		}
		for _, other := range files[1:] {
			b, err := os.ReadFile(other[k])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s and %s differ", files[0][k], other[k])
			}
		}
	}
}

// TestPprofGoTool: `go tool pprof -top` reads every file.
func TestPprofGoTool(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go command not found: %v", err)
	}
	r := analyzeTrace(t, pprofTrace(t))
	paths, err := render.WritePprof(t.TempDir(), r)
	if err != nil {
		t.Fatal(err)
	}
	for i, path := range paths {
		kind := render.PprofKinds[i]
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, gocmd, "tool", "pprof", "-top", path)
		cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("go tool pprof -top %s: %v\n%s", path, err, out)
			continue
		}
		s := string(out)
		if strings.Contains(s, "not available") || strings.Contains(s, "ymbolizat") {
			t.Errorf("go tool pprof -top %s: complains about symbols:\n%s", path, s)
		}
		if !strings.Contains(s, "Type: delay") {
			t.Errorf("go tool pprof -top %s: no \"Type: delay\" line:\n%s", path, s)
		}
		// The heaviest stack's leaf function is listed.
		if st := r.Profiles.Of(kind); len(st) > 0 && len(st[0].Stack) > 0 {
			if leaf := st[0].Stack[0].Func; !strings.Contains(s, leaf) {
				t.Errorf("go tool pprof -top %s: heaviest leaf %s not listed:\n%s", path, leaf, s)
			}
		}
		if testing.Verbose() {
			lines := strings.SplitN(s, "\n", 9)
			t.Logf("go tool pprof -top %s:\n%s", filepath.Base(path), strings.Join(lines[:min(len(lines), 8)], "\n"))
		}
	}
}
