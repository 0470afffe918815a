package analyzer_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
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
