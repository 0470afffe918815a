package bare_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/bare"
)

// Both readers see every event gotrace analyzes, on one generation and on
// several.
func TestCountsAgree(t *testing.T) {
	for _, name := range []string{"small.trace", "multigen.trace"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "..", "testdata", "traces", name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := analyzer.AnalyzeFile(path, analyzer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := rep.Trace.Events
			if want < 1000 {
				t.Fatalf("%s has %d events; the test needs a real trace", name, want)
			}
			n, err := bare.Count(bytes.NewReader(data))
			if err != nil || n != want {
				t.Errorf("Count = %d, %v; want %d", n, err, want)
			}
			for _, w := range []int{1, 2, 4} {
				n, err := bare.CountParallel(bytes.NewReader(data), int64(len(data)), w)
				if err != nil || n != want {
					t.Errorf("CountParallel(%d workers) = %d, %v; want %d", w, n, err, want)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	junk := []byte("go 1.23 trace\x00\x00\x00this is not a trace at all")
	if _, err := bare.Count(bytes.NewReader(junk)); err == nil {
		t.Error("Count accepted junk")
	}
	_, err := bare.CountParallel(bytes.NewReader(junk), int64(len(junk)), 2)
	if err == nil || strings.Contains(err.Error(), "panic") {
		t.Errorf("CountParallel on junk: %v, want an error", err)
	}
}
