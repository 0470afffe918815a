package analyzer_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/bare"
	"github.com/gotrace/gotrace/analyzer/tracegen"
)

var benchSizes = flag.String("benchsizes", "8MB", "comma-separated trace sizes for the benchmarks (e.g. 8MB,100MB,500MB); traces are generated once into $TMPDIR/gotrace-bench")

// benchTrace returns the path of a generated trace of about size bytes,
// making it on first use. Large traces are never committed.
var benchTraceMu sync.Mutex

func benchTrace(b *testing.B, size string) string {
	b.Helper()
	benchTraceMu.Lock()
	defer benchTraceMu.Unlock()
	n, err := parseBenchSize(size)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(os.TempDir(), "gotrace-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("mix-%s-rate8MB-gomaxprocs%d.trace", size, runtime.GOMAXPROCS(0)))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	if _, err := tracegen.GenerateFile(context.Background(), tmp, n, 0); err != nil {
		b.Fatalf("generating %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func parseBenchSize(s string) (int64, error) {
	var v float64
	var unit string
	if _, err := fmt.Sscanf(s, "%g%s", &v, &unit); err != nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	switch unit {
	case "KB":
		return int64(v * 1e3), nil
	case "MB":
		return int64(v * 1e6), nil
	case "GB":
		return int64(v * 1e9), nil
	}
	return 0, fmt.Errorf("bad size unit in %q (KB, MB, GB)", s)
}

func splitSizes() []string {
	var out []string
	for _, s := range bytes.Split([]byte(*benchSizes), []byte(",")) {
		if len(s) > 0 {
			out = append(out, string(s))
		}
	}
	return out
}

// countEvents counts a trace's events (sync markers excluded) with a bare
// reader.
func countEvents(b *testing.B, path string) int64 {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n, err := bare.Count(f)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func report(b *testing.B, bytes, events int64) {
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(bytes)/1e6/secs, "MB/s")
	b.ReportMetric(float64(events)/secs, "events/s")
	b.SetBytes(0)
}

// BenchmarkAnalyze compares, on the same generated traces, a bare x/exp/trace
// ReadEvent loop with the full analysis, sequential and on all cores.
//
//	go test ./analyzer -run '^$' -bench Analyze -benchsizes 100MB,500MB -benchtime 3x
func BenchmarkAnalyze(b *testing.B) {
	for _, size := range splitSizes() {
		path := benchTrace(b, size)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		events := countEvents(b, path)
		b.Run("size="+size+"/bare", func(b *testing.B) {
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				if n := countEvents(b, path); n != events {
					b.Fatalf("read %d events, want %d", n, events)
				}
			}
			runtime.ReadMemStats(&after)
			report(b, st.Size(), events)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/float64(events), "allocs/event")
		})
		// The ceiling of any analysis on generations decoded at once: the
		// decoders alone, one per CPU, with nothing done with the events.
		b.Run(fmt.Sprintf("size=%s/bare-parallel", size), func(b *testing.B) {
			for b.Loop() {
				if n := decodeParallel(b, path, runtime.GOMAXPROCS(0)); n != events {
					b.Fatalf("read %d events, want %d", n, events)
				}
			}
			report(b, st.Size(), events)
		})
		for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("size=%s/workers=%d", size, w), func(b *testing.B) {
				b.ReportAllocs()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for b.Loop() {
					if _, err := analyzer.AnalyzeFile(path, analyzer.Options{Workers: w}); err != nil {
						b.Fatal(err)
					}
				}
				runtime.ReadMemStats(&after)
				report(b, st.Size(), events)
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/float64(events), "allocs/event")
			})
		}
	}
}

// decodeParallel counts a trace's events with a reader per generation,
// workers at once.
func decodeParallel(b *testing.B, path string, workers int) int64 {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	n, err := bare.CountParallel(f, st.Size(), workers)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkTinyGenerations measures what a generation costs beyond its
// events: a crafted trace of 10,000 generations of about 100 bytes each,
// read by the bare loop and analyzed with one worker and with all. The
// budget: analysis with all workers no slower than 1.25x one worker.
//
//	go test ./analyzer -run '^$' -bench TinyGenerations -count 5
func BenchmarkTinyGenerations(b *testing.B) {
	const gens = 10_000
	path := filepath.Join(b.TempDir(), "tiny.trace")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := tracegen.TinyGenerations(f, gens); err != nil {
		b.Fatal(err)
	}
	f.Close()
	perGen := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/gens, "ns/generation")
	}
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			countEvents(b, path)
		}
		perGen(b)
	})
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := analyzer.AnalyzeFile(path, analyzer.Options{Workers: w})
				if err != nil {
					b.Fatal(err)
				}
				if r.Trace.Generations != gens {
					b.Fatalf("%d generations analyzed, want %d", r.Trace.Generations, gens)
				}
			}
			perGen(b)
		})
	}
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkExport compares, on the same generated traces, the Perfetto
// export with the analysis it extends, on all cores: the export's budget is
// 1.5x the analysis' CPU time (cpu-ns/op, user and system, where the
// platform reports it; ns/op is wall time, in which a sequential export
// pays for all of its work on the tracking goroutine).
//
//	go test ./analyzer -run '^$' -bench 'Export$' -benchsizes 100MB -benchtime 3x
func BenchmarkExport(b *testing.B) {
	for _, size := range splitSizes() {
		path := benchTrace(b, size)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		events := countEvents(b, path)
		b.Run("size="+size+"/analyze", func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if _, err := analyzer.AnalyzeFile(path, analyzer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			report(b, st.Size(), events)
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
		b.Run("size="+size+"/export", func(b *testing.B) {
			var w countingWriter
			cpu := cpuTime()
			for b.Loop() {
				w.n = 0
				if _, err := analyzer.ExportFile(path, &w, analyzer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			report(b, st.Size(), events)
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(w.n)/float64(st.Size()), "out/in")
			b.ReportMetric(float64(w.n)/float64(events), "B/event")
		})
	}
}
