package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gotrace/gotrace/analyzer/tracegen"
)

// craftedTrace returns a crafted trace of n goroutines alive at once over
// gens generations (tracegen.ManyAlive), made on first use in
// $TMPDIR/gotrace-bench.
func craftedTrace(b *testing.B, n, gens int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "gotrace-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("alive-%d-gens-%d.trace", n, gens))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	if err := tracegen.ManyAlive(f, n, gens); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkRSSvsBare measures the peak memory of gotrace analyze (one
// worker and the default) against the bare x/exp/trace reader on crafted
// traces of many goroutines alive at once: the per-goroutine cost of the
// analysis. Each run is a process of its own (getrusage).
//
//	go test ./cmd/gotrace -run '^$' -bench RSSvsBare -benchtime 1x
func BenchmarkRSSvsBare(b *testing.B) {
	for _, c := range []struct {
		name    string
		n, gens int
		workers []string
	}{
		{"alive=1M", 1_000_000, 1, []string{"1", "0"}},
		{"alive=1M/gens=3", 1_000_000, 3, []string{"1", "0"}},
		{"creates=4M", 4_000_000, 1, []string{"0"}},
	} {
		path := craftedTrace(b, c.n, c.gens)
		st, _ := os.Stat(path)
		for _, w := range c.workers {
			b.Run(c.name+"/j="+w, func(b *testing.B) {
				var g, bare proc
				for b.Loop() {
					g = child(b, "gotrace", nil, "analyze", "-q", "-j", w, "-o", os.DevNull, path)
					if g.code != 0 {
						b.Fatalf("gotrace: exit %d: %s", g.code, g.stderr)
					}
					bare = child(b, "bare", nil, path)
					if bare.code != 0 {
						b.Fatalf("bare: exit %d: %s", bare.code, bare.stderr)
					}
				}
				b.ReportMetric(float64(g.peakRSS)/(1<<20), "gotrace-MiB")
				b.ReportMetric(float64(bare.peakRSS)/(1<<20), "bare-MiB")
				b.ReportMetric(float64(g.peakRSS)/float64(bare.peakRSS), "x-bare")
				b.ReportMetric(float64(g.peakRSS-bare.peakRSS)/float64(c.n), "B/goroutine-over-bare")
				b.ReportMetric(g.wall.Seconds(), "gotrace-s")
				b.ReportMetric(bare.wall.Seconds(), "bare-s")
				b.ReportMetric(float64(st.Size())/1e6, "trace-MB")
			})
		}
	}
}
