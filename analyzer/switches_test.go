package analyzer_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
)

// TestSwitchOutsMatchTransitions counts, with x/exp/trace directly, why
// goroutines stopped running in real traces (every Running -> X transition
// of a goroutine) and requires the report's switch-out counts to equal them.
func TestSwitchOutsMatchTransitions(t *testing.T) {
	committed := testtraces.Committed(t)
	files := append(committed, testtraces.Shared(t)...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, ok := countSwitchOuts(t, f)
			if !ok {
				if slices.Contains(committed, f) {
					t.Fatal("a committed trace must be a complete Go 1.22+ trace")
				}
				t.Skip("not a complete Go 1.22+ trace")
			}
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			r, err := analyzer.Analyze(fh, analyzer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := r.Switches.Out
			if got.Blocked != want.Blocked || got.Preempted != want.Preempted || got.Yielded != want.Yielded || got.Syscall != want.Syscall || got.Exited != want.Exited {
				t.Errorf("switch-outs\n got %+v\nwant %+v (x/exp transitions)", got, want)
			}
		})
	}
}

// countSwitchOuts classifies the Running -> X goroutine transitions of a
// trace. ok is false for traces x/exp cannot read to the end.
func countSwitchOuts(t *testing.T, path string) (out analyzer.SwitchOuts, ok bool) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r, err := trace.NewReader(fh)
	if err != nil {
		return out, false
	}
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			return out, true
		}
		if err != nil {
			return out, false
		}
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		from, to := st.Goroutine()
		if from != trace.GoRunning {
			continue
		}
		switch {
		case to == trace.GoWaiting && st.Reason == "preempted", to == trace.GoRunnable && st.Reason == "preempted":
			out.Preempted++
		case to == trace.GoWaiting:
			out.Blocked++
		case to == trace.GoRunnable:
			out.Yielded++
		case to == trace.GoSyscall:
			out.Syscall++
		case to == trace.GoNotExist:
			out.Exited++
		}
	}
}
