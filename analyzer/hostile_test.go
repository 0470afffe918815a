package analyzer_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/bare"
	"github.com/gotrace/gotrace/analyzer/internal/gensplit"
	"github.com/gotrace/gotrace/analyzer/tracegen"
)

// TestTruncatedEveryPercent cuts a multi-generation trace at every 1% of its
// length: each cut gives a partial report with a warning that says how much
// was lost, or (before the first generation is complete) ErrIncomplete, or
// (inside the header) a clear error; never anything else.
func TestTruncatedEveryPercent(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "traces", "multigen.trace"))
	if err != nil {
		t.Fatal(err)
	}
	full, err := analyzer.Analyze(bytes.NewReader(data), analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lostRE := regexp.MustCompile(`trace is truncated: generation (\d+) is incomplete .*analyzed the (\d+) complete generation\(s\) before it, (\d+) bytes lost \(([\d.]+)% of (\d+) bytes\)`)
	var partial, incomplete int
	for pct := 1; pct < 100; pct++ {
		cut := data[:len(data)*pct/100]
		for _, workers := range []int{1, 2} {
			r, err := analyzer.Analyze(bytes.NewReader(cut), analyzer.Options{Workers: workers})
			if err != nil {
				if !errors.Is(err, analyzer.ErrIncomplete) && !errors.Is(err, analyzer.ErrNotTrace) {
					t.Errorf("cut at %d%%: unexpected error %v", pct, err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("cut at %d%%: multi-line error %q", pct, err)
				}
				if workers == 1 {
					incomplete++
				}
				continue
			}
			if workers == 1 {
				partial++
			}
			if !r.Trace.Truncated || len(r.Warnings) != 1 {
				t.Errorf("cut at %d%%: truncated=%v warnings=%q", pct, r.Trace.Truncated, r.Warnings)
				continue
			}
			m := lostRE.FindStringSubmatch(r.Warnings[0])
			if m == nil {
				t.Errorf("cut at %d%%: warning %q does not say what was lost", pct, r.Warnings[0])
				continue
			}
			lost, _ := strconv.Atoi(m[3])
			total, _ := strconv.Atoi(m[5])
			if total != len(cut) || lost <= 0 || lost >= total || int64(lost) != r.Trace.LostBytes {
				t.Errorf("cut at %d%%: lost %d of %d (report says %d), input %d bytes", pct, lost, total, r.Trace.LostBytes, len(cut))
			}
			gens, _ := strconv.Atoi(m[2])
			if gens != r.Trace.Generations || gens >= full.Trace.Generations {
				t.Errorf("cut at %d%%: %d generations analyzed of %d", pct, gens, full.Trace.Generations)
			}
			if r.Trace.Events >= full.Trace.Events || r.Metrics["goroutines.created"] > full.Metrics["goroutines.created"] {
				t.Errorf("cut at %d%%: more than the whole trace: %d events", pct, r.Trace.Events)
			}
		}
	}
	if partial == 0 || incomplete == 0 {
		t.Errorf("%d partial reports and %d incomplete errors: the cuts do not exercise both", partial, incomplete)
	}
}

func TestLimits(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "traces", "small.trace"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts analyzer.Options
		want string
	}{
		{"events", analyzer.Options{MaxEvents: 100}, "trace has more events than the limit (100 events in one generation); raise the limit (gotrace --max-events"},
		{"generation size", analyzer.Options{MaxGenerationBytes: 1000}, "generation exceeds the size limit (1000 bytes); raise the limit (gotrace --max-generation-bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := analyzer.Analyze(bytes.NewReader(data), c.opts)
			if !errors.Is(err, analyzer.ErrLimit) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "raise the limit") {
				t.Errorf("error %v, want ErrLimit saying %q", err, c.want)
			}
		})
	}
}

// splitPieces returns a trace's header and the bytes of each generation.
func splitPieces(t testing.TB, data []byte) (hdr []byte, gens [][]byte) {
	t.Helper()
	sp, _, err := gensplit.OpenAt(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil || !p.Complete {
			t.Fatalf("piece %d: %v %v", p.Index, err, p.Err)
		}
		gens = append(gens, data[p.Offset:p.Offset+p.Size])
	}
	return data[:gensplit.HeaderSize], gens
}

func join(hdr []byte, gens ...[]byte) []byte {
	out := append([]byte{}, hdr...)
	for _, g := range gens {
		out = append(out, g...)
	}
	return out
}

// TestGenerationsOutOfOrder: generations repeated, reversed or missing are
// corruption: the analysis stops at the first one out of order, says where
// and why, and counts nothing twice.
func TestGenerationsOutOfOrder(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "traces", "multigen.trace"))
	if err != nil {
		t.Fatal(err)
	}
	hdr, g := splitPieces(t, data)
	if len(g) != 3 {
		t.Fatalf("multigen.trace has %d generations, the test wants 3", len(g))
	}
	full, err := analyzer.Analyze(bytes.NewReader(data), analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		data     []byte
		analyzed int    // generations analyzed
		why      string // in the loss detail
	}{
		{"duplicated", join(hdr, g[0], g[1], g[2], g[0], g[1], g[2]), 3, "the trace goes backwards"},
		{"last repeated", join(hdr, g[0], g[1], g[2], g[2]), 3, "the trace repeats it"},
		{"reversed", join(hdr, g[2], g[1], g[0]), 1, "the trace goes backwards"},
		{"gap", join(hdr, g[0], g[2]), 1, "the trace skips generations"},
	}
	for _, c := range cases {
		for _, workers := range []int{1, 3} {
			r, err := analyzer.Analyze(bytes.NewReader(c.data), analyzer.Options{Workers: workers})
			if err != nil {
				t.Errorf("%s, %d workers: %v", c.name, workers, err)
				continue
			}
			l := r.Trace.Loss
			if r.Trace.Generations != c.analyzed || l == nil || l.Reason != analyzer.LossCorrupt || l.Generation != c.analyzed+1 || !strings.Contains(l.Detail, c.why) || !strings.Contains(l.Detail, "at offset ") {
				t.Errorf("%s, %d workers: %d generations analyzed, loss %+v; want %d and a corrupt generation %d (%s)", c.name, workers, r.Trace.Generations, l, c.analyzed, c.analyzed+1, c.why)
			}
			if c.analyzed == 3 && r.Metrics["goroutines.created"] != full.Metrics["goroutines.created"] {
				t.Errorf("%s: %v goroutines created, the trace has %v", c.name, r.Metrics["goroutines.created"], full.Metrics["goroutines.created"])
			}
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "trace is corrupt: generation") {
				t.Errorf("%s: warnings %q", c.name, r.Warnings)
			}
		}
	}
}

// TestCorruptBatchHeaders: a batch header that cannot be right is a corrupt
// trace (exit 2 in the CLI), not a truncated one (exit 3).
func TestCorruptBatchHeaders(t *testing.T) {
	small, err := os.ReadFile(filepath.Join("..", "testdata", "traces", "small.trace"))
	if err != nil {
		t.Fatal(err)
	}
	hdr := small[:gensplit.HeaderSize]
	batch := func(gen, size uint64) []byte {
		b := []byte{1}
		for _, v := range []uint64{gen, 1, 100, size} {
			b = binary.AppendUvarint(b, v)
		}
		return b
	}
	cases := map[string][]byte{
		"size 2^62":           join(hdr, batch(1, 1<<62)),
		"generation 0":        join(hdr, batch(0, 10), make([]byte, 10)),
		"second header at 16": join(hdr, small),
	}
	for name, data := range cases {
		_, err := analyzer.Analyze(bytes.NewReader(data), analyzer.Options{})
		if !errors.Is(err, analyzer.ErrCorrupt) || errors.Is(err, analyzer.ErrIncomplete) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

// flipInGeneration returns data with the first event of generation i's
// first event batch replaced by another (valid) event type: the generation cannot be
// parsed, its neighbours are intact.
func flipInGeneration(t *testing.T, data []byte, i int) []byte {
	t.Helper()
	sp, _, err := gensplit.OpenAt(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := sp.Next()
		if err != nil {
			t.Fatalf("no generation %d", i)
		}
		if p.Index != i {
			continue
		}
		off := p.Offset
		for off < p.Offset+p.Size {
			var vals [4]uint64
			n := 1
			for k := range vals {
				v, m := binary.Uvarint(data[off+int64(n):])
				vals[k], n = v, n+m
			}
			body := off + int64(n)
			if vals[1] != ^uint64(0) && data[body] != 50 { // not a structural batch
				out := append([]byte{}, data...)
				out[body] = 17 // a GoDestroy where the P's status should be: the parser fails
				return out
			}
			off = body + int64(vals[3])
		}
		t.Fatalf("generation %d has no event batch", i)
	}
}

// TestCorruptMiddleGeneration: one generation of six that cannot be read
// stops the analysis there, and the report says what was lost: which
// generation, how many bytes, the complete generations after it.
func TestCorruptMiddleGeneration(t *testing.T) {
	var b bytes.Buffer
	if err := tracegen.TinyGenerations(&b, 6); err != nil {
		t.Fatal(err)
	}
	data := flipInGeneration(t, b.Bytes(), 1)
	path := filepath.Join(t.TempDir(), "flipped.trace")
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 3} {
		r, err := analyzer.AnalyzeFile(path, analyzer.Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		l := r.Trace.Loss
		if r.Trace.Generations != 1 || l == nil || l.Reason != analyzer.LossCorrupt || l.Generation != 2 || l.CompleteAfter != 4 || !l.BytesKnown || l.Share < 0.7 || !r.Trace.Truncated {
			t.Errorf("%d workers: %d generations, loss %+v", workers, r.Trace.Generations, l)
		}
		if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "4 complete generation(s) after it were not analyzed") {
			t.Errorf("%d workers: warnings %q", workers, r.Warnings)
		}
	}
}

// TestWorkersBounded: an absurd worker count is clamped to MaxWorkers: the
// analysis starts no more goroutines than that, and gives the same report.
func TestWorkersBounded(t *testing.T) {
	path := filepath.Join("..", "testdata", "traces", "multigen.trace")
	want, err := analyzer.AnalyzeFile(path, analyzer.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	peak := 0
	r, err := analyzer.AnalyzeFile(path, analyzer.Options{Workers: 20_000, Progress: func(done, total int64) {
		peak = max(peak, runtime.NumGoroutine())
	}})
	if err != nil {
		t.Fatal(err)
	}
	if peak-before > analyzer.MaxWorkers+8 {
		t.Errorf("%d goroutines during the analysis, %d before; want at most MaxWorkers (%d) more", peak, before, analyzer.MaxWorkers)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(r)
	if !bytes.Equal(a, b) {
		t.Error("the report differs from the sequential one")
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestTinyGenerationsCost: what a generation costs beyond its events is
// bounded, on every path: each generation of a few events allocates
// little more than the bare reader spends on it (which reads them all with
// one reader, where gotrace opens one per generation), whatever the number
// of workers. The cost per generation is the difference between traces of
// 2,000 and 12,000 generations, over 10,000: start-up costs (a partial per
// job in flight, more or fewer with the workers' timing) cancel out, and
// what does not is spread over 10,000. Buffers and worker start-up once cost megabytes per
// generation, and a timeline that doubled its lanes at each reuse ran out
// of memory.
func TestTinyGenerationsCost(t *testing.T) {
	if raceEnabled {
		t.Skip("counts bytes allocated, which the race detector's instrumentation changes")
	}
	paths := map[int]string{}
	const few, many = 2000, 12000
	for _, gens := range []int{few, many} {
		paths[gens] = filepath.Join(t.TempDir(), "tiny.trace")
		f, err := os.Create(paths[gens])
		if err != nil {
			t.Fatal(err)
		}
		if err := tracegen.TinyGenerations(f, gens); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	perGen := func(run func(path string)) uint64 {
		a, b := allocated(func() { run(paths[few]) }), allocated(func() { run(paths[many]) })
		if b < a {
			return 0
		}
		return (b - a) / (many - few)
	}
	bareCost := perGen(func(path string) {
		f, _ := os.Open(path)
		defer f.Close()
		if _, err := bare.Count(f); err != nil {
			t.Fatal(err)
		}
	})
	for _, workers := range []int{1, 2, 8} {
		cost := perGen(func(path string) {
			r, err := analyzer.AnalyzeFile(path, analyzer.Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if r.Trace.Generations < few {
				t.Fatalf("%d generations analyzed", r.Trace.Generations)
			}
		})
		t.Logf("%d workers: %d bytes allocated per generation; bare reader %d", workers, cost, bareCost)
		// A reader per generation (x/exp/trace's tables, ~3 KiB) and the
		// tracker's records: at most 6 KiB more than the bare loop.
		if cost > bareCost+6<<10 {
			t.Errorf("%d workers: %d bytes allocated per generation, bare reader %d: want at most 6 KiB more", workers, cost, bareCost)
		}
	}
}
