package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer/tracegen"
)

// The memory rows of the hostile-input table, scaled down to run in a test:
// each runs gotrace in a process of its own and holds its peak resident
// memory (getrusage) to a stated bound. baseRSS is what the test binary
// needs for a small trace; the bounds are stated above it.

const mb = 1 << 20

// baseRSS measures the child's peak memory on a small trace.
func baseRSS(t *testing.T) int64 {
	t.Helper()
	p := child(t, "gotrace", nil, "analyze", "-q", "-o", os.DevNull, repoFile("traces", "small.trace"))
	if p.code != 0 || p.peakRSS == 0 {
		t.Skipf("no peak RSS for a child process here (exit %d: %s)", p.code, p.stderr)
	}
	return p.peakRSS
}

// gzipJunk writes gens generations of size bytes of junk (tracegen.Junk),
// gzip-compressed, to a file.
func gzipJunk(t *testing.T, gens int, size int64, plausible bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bomb.trace.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err := tracegen.Junk(zw, gens, size, plausible); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMemoryGzipBomb: a small gzip file that inflates to three large
// generations. Junk of zeros is refused at its first batch; junk that
// looks like batches is read one generation at a time, each in no more
// memory than the parser itself needs (about 2.3 times the generation for
// x/exp/trace, which the bare reader's figure shows).
func TestMemoryGzipBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 300 MB")
	}
	base := baseRSS(t)
	const gen = 96 * mb
	zeros := gzipJunk(t, 3, gen, false)
	p := child(t, "gotrace", nil, "analyze", "-q", "-o", os.DevNull, zeros)
	t.Logf("zeros: exit %d, peak %s (base %s): %s", p.code, mib(p.peakRSS), mib(base), strings.TrimSpace(p.stderr))
	if p.code != exitUsage || !strings.Contains(p.stderr, "corrupt trace") || !strings.Contains(p.stderr, "not an event") {
		t.Errorf("zeros: exit %d, %q; want 2 and a corrupt batch", p.code, p.stderr)
	}
	if p.peakRSS > base+16*mb {
		t.Errorf("zeros: peak %s; want within 16 MiB of the base %s", mib(p.peakRSS), mib(base))
	}

	plausible := gzipJunk(t, 3, gen, true)
	p = child(t, "gotrace", nil, "analyze", "-q", "--max-generation-bytes", strconv.Itoa(128*mb), "-o", os.DevNull, plausible)
	f, err := os.Open(plausible)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b := child(t, "bare", zr, "-")
	t.Logf("plausible: exit %d, peak %s; bare reader %s: %s", p.code, mib(p.peakRSS), mib(b.peakRSS), strings.TrimSpace(p.stderr))
	if p.code != exitUsage || !strings.Contains(p.stderr, "corrupt trace") {
		t.Errorf("plausible: exit %d, %q; want 2, corrupt", p.code, p.stderr)
	}
	// One generation at a time, in what the parser needs: 2.5x its size.
	if limit := base + 5*gen/2; p.peakRSS > limit {
		t.Errorf("plausible: peak %s; want at most %s (one generation of %s, 2.5x, above the base)", mib(p.peakRSS), mib(limit), mib(gen))
	}
}

// TestMemoryPipeCap: a generation larger than the cap, from a pipe, is
// refused once the cap is reached: gotrace stops reading there and never
// holds the generation in memory.
func TestMemoryPipeCap(t *testing.T) {
	if testing.Short() {
		t.Skip("pipes 300 MB")
	}
	base := baseRSS(t)
	const limit, gen = 192 * mb, 320 * mb
	pr, pw := io.Pipe()
	cw := &countWriter{w: pw}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(tracegen.Junk(cw, 1, gen, true))
	}()
	p := child(t, "gotrace", pr, "analyze", "-q", "--max-generation-bytes", strconv.Itoa(limit), "-o", os.DevNull, "-")
	pr.Close()
	<-done
	written := cw.n
	t.Logf("exit %d, peak %s (base %s), %s written before gotrace stopped reading: %s", p.code, mib(p.peakRSS), mib(base), mib(written), strings.TrimSpace(p.stderr))
	if p.code != exitUsage || !strings.Contains(p.stderr, "generation exceeds the size limit") {
		t.Errorf("exit %d, %q; want 2, generation exceeds the size limit", p.code, p.stderr)
	}
	if p.peakRSS > base+64*mb {
		t.Errorf("peak %s; want within 64 MiB of the base %s (the cap is %s)", mib(p.peakRSS), mib(base), mib(limit))
	}
	// What the pipe took: the cap, one batch and the pipe's buffers.
	if written > limit+4*mb {
		t.Errorf("%s written to the pipe; gotrace should stop reading at the cap %s", mib(written), mib(limit))
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// TestMemoryOldFormatCap: an old-format trace (one generation, parsed
// whole) larger than --max-generation-bytes is refused before it is read,
// from a file and from a pipe.
func TestMemoryOldFormatCap(t *testing.T) {
	base := baseRSS(t)
	path := filepath.Join(t.TempDir(), "old.trace")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("go 1.21 trace\x00\x00\x00")
	if err := f.Truncate(2e9); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for _, c := range []struct {
		name  string
		stdin io.Reader
		arg   string
	}{{"file", nil, path}, {"pipe", io.LimitReader(in, 64*mb), "-"}} {
		p := child(t, "gotrace", c.stdin, "analyze", "-q", "--max-generation-bytes", "1000", "-o", os.DevNull, c.arg)
		t.Logf("%s: exit %d, peak %s, %s", c.name, p.code, mib(p.peakRSS), strings.TrimSpace(p.stderr))
		if p.code != exitUsage || !strings.Contains(p.stderr, "generation exceeds the size limit (1000 bytes; in this format the whole trace is one generation)") {
			t.Errorf("%s: exit %d, %q", c.name, p.code, p.stderr)
		}
		if p.peakRSS > base+16*mb {
			t.Errorf("%s: peak %s; want within 16 MiB of the base %s", c.name, mib(p.peakRSS), mib(base))
		}
	}
}
