package analyzer_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

// fuzzSeeds are committed traces, their truncations and bit flips, and the
// Go distribution's own parser fuzz corpus.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "traces", "*.trace"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
		for _, frac := range []int{1, 5, 20, 50, 90, 99} {
			seeds = append(seeds, b[:len(b)*frac/100])
		}
		for _, at := range []int{16, 17, 40, len(b) / 3, len(b) / 2} {
			flipped := append([]byte{}, b...)
			flipped[at] ^= 0x5a
			seeds = append(seeds, flipped)
		}
	}
	corpus, _ := filepath.Glob(filepath.Join(analyzer.GoRoot(), "src", "internal", "trace", "testdata", "fuzz", "FuzzReader", "*"))
	for _, f := range corpus {
		if b, ok := readCorpusFile(f); ok {
			seeds = append(seeds, b)
		}
	}
	crashers, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzAnalyze", "*"))
	for _, f := range crashers {
		if b, ok := readCorpusFile(f); ok {
			seeds = append(seeds, b)
		}
	}
	seeds = append(seeds, nil, []byte("go 1.22 trace\x00\x00\x00"), []byte("go 1.26 trace\x00\x00\x00\x01"))
	// Generations out of order: duplicated, reversed, one missing.
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "traces", "multigen.trace")); err == nil {
		hdr, g := splitPieces(t, b)
		seeds = append(seeds, join(hdr, append(g, g...)...), join(hdr, g[2], g[1], g[0]), join(hdr, g[0], g[2]))
	}
	return seeds
}

// genPrefix walks the batch headers of a Go 1.22+ trace on its own, not
// with the splitter under test, and returns how many generations from the
// start have numbers that go up by one (-1 for other inputs): the most
// any analysis may cover.
func genPrefix(data []byte) int {
	if len(data) < 16 || !bytes.HasPrefix(data, []byte("go 1.2")) {
		return -1
	}
	ver, err := strconv.Atoi(string(data[5:7]))
	if err != nil || ver < 22 {
		return -1
	}
	gens, cur, off := 0, uint64(0), 16
	for off < len(data) {
		n := off + 1
		switch data[off] {
		case 52: // end of generation
			off++
			continue
		case 1:
		case 49: // experimental batch
			n++
		default:
			return gens
		}
		var vals [4]uint64
		for i := range vals {
			if n >= len(data) {
				return gens
			}
			v, m := binary.Uvarint(data[n:])
			if m <= 0 {
				return gens
			}
			vals[i], n = v, n+m
		}
		if gen := vals[0]; gen != cur {
			if cur != 0 && gen != cur+1 {
				return gens
			}
			cur = gen
			gens++
		}
		off = n + int(min(vals[3], 1<<20))
	}
	return gens
}

// readCorpusFile decodes a "go test fuzz v1" file holding one []byte.
func readCorpusFile(path string) ([]byte, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || sc.Text() != "go test fuzz v1" || !sc.Scan() {
		return nil, false
	}
	line := sc.Text()
	if !strings.HasPrefix(line, "[]byte(") || !strings.HasSuffix(line, ")") {
		return nil, false
	}
	s, err := strconv.Unquote(line[len("[]byte(") : len(line)-1])
	if err != nil {
		return nil, false
	}
	return []byte(s), true
}

// checkAnalysis holds one input to the rules for any bytes: an error is a
// one-line *analyzer.Error of a known kind and never an internal error; a
// report is sane; sequential and parallel analysis agree.
func checkAnalysis(t *testing.T, data []byte) {
	t.Helper()
	var first []byte
	for _, workers := range []int{1, 3} {
		start := time.Now()
		r, err := analyzer.Analyze(bytes.NewReader(data), analyzer.Options{Workers: workers, MaxEvents: 1 << 20})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("analysis of %d bytes took %v", len(data), d)
		}
		if err != nil {
			var ae *analyzer.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error is %T, not *analyzer.Error: %v", err, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, "internal error in ") || strings.Contains(msg, "[running]") {
				t.Fatalf("bad error message: %q", msg)
			}
			kinds := []error{analyzer.ErrNotTrace, analyzer.ErrCorrupt, analyzer.ErrIncomplete, analyzer.ErrLimit, analyzer.ErrUnreadable}
			known := false
			for _, k := range kinds {
				known = known || errors.Is(err, k)
			}
			if !known {
				t.Fatalf("error of unknown kind: %v", err)
			}
			// The parser's detail in parentheses may vary from run to run
			// on corrupt input (x/exp/trace walks a map to find a bad
			// entry); what is wrong may not.
			if first == nil {
				first = []byte("error: " + stripDetail(msg))
			} else if string(first) != "error: "+stripDetail(msg) {
				t.Fatalf("workers=%d: %v; workers=1: %.200s", workers, err, first)
			}
			continue
		}
		for k, v := range r.Metrics {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("metric %s = %v", k, v)
			}
		}
		// No generation out of order is accepted.
		if max := genPrefix(data); max >= 0 && r.Trace.Generations > max {
			t.Fatalf("%d generations analyzed; the input's numbers go up by one for the first %d only", r.Trace.Generations, max)
		}
		for _, w := range r.Warnings {
			if strings.Contains(w, "internal error in ") {
				t.Fatalf("warning reports an internal error: %s", w)
			}
		}
		for i, w := range r.Warnings {
			r.Warnings[i] = stripDetail(w)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("report does not marshal: %v", err)
		}
		if first == nil {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Fatalf("workers=%d report differs from workers=1", workers)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang would stall the fuzzer silently: bound each input, and on
		// timeout show where every goroutine is.
		done := make(chan struct{})
		go func() {
			defer close(done)
			checkAnalysis(t, data)
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			var buf bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&buf, 2)
			t.Fatalf("analysis of %d bytes did not finish in 20s; goroutines:\n%s", len(data), buf.String())
		}
	})
}

// stripDetail cuts a message at its first parenthesis.
func stripDetail(s string) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		return s[:i]
	}
	return s
}
