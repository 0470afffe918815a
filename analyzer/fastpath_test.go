package analyzer

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer/internal/testtraces"
)

// TestFastPathMatches decodes every goroutine transition of real traces both
// ways and requires the same result.
func TestFastPathMatches(t *testing.T) {
	if fastOff.Load() {
		t.Fatal("the fast path is off: trace.Event's layout changed (see fastpath.go)")
	}
	files := append(append(testtraces.Committed(t), testtraces.Shared(t)...), testtraces.GoV1(t)...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			r, err := trace.NewReader(fh)
			if err != nil {
				t.Fatal(err)
			}
			p := newPartial()
			for i := range p.fastChecked {
				p.fastChecked[i] = fastChecks // compare here, not inside
			}
			fast := 0
			for {
				ev, err := r.ReadEvent()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if ev.Kind() == trace.EventSync {
					p.reset(0) // string and stack ids are per generation
					for i := range p.fastChecked {
						p.fastChecked[i] = fastChecks
					}
					continue
				}
				if ev.Kind() != trace.EventStateTransition {
					continue
				}
				var got, want transition
				if !p.fastTransition(&ev, &got) {
					continue
				}
				fast++
				st := ev.StateTransition()
				p.slowTransition(&ev, &st, &want)
				if got != want {
					t.Fatalf("event %v:\nfast %+v\nslow %+v", ev, got, want)
				}
			}
			if fast == 0 {
				t.Errorf("no transition took the fast path")
			}
		})
	}
	if fastOff.Load() {
		t.Errorf("a check turned the fast path off")
	}
}
