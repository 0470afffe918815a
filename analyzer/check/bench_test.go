package check

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
)

// BenchmarkLoadBoth compares loading two traces one after the other with
// loading them at once (LoadBoth), as `gotrace diff` and `check` do. Set
// GOTRACE_BENCH_TRACE to a large trace to measure it on that (both sides
// the same file); the default is the committed pair of small traces, one
// generation each.
func BenchmarkLoadBoth(b *testing.B) {
	a := filepath.Join("..", "..", "testdata", "traces", "diff-base.trace")
	c := filepath.Join("..", "..", "testdata", "traces", "diff-current.trace")
	if p := os.Getenv("GOTRACE_BENCH_TRACE"); p != "" {
		a, c = p, p
	}
	opts := analyzer.Options{Top: -1}
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			if _, err := Load([]string{a}, opts); err != nil {
				b.Fatal(err)
			}
			if _, err := Load([]string{c}, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("both", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := LoadBoth([]string{a}, []string{c}, opts, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one", func(b *testing.B) {
		for b.Loop() {
			if _, err := Load([]string{c}, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
