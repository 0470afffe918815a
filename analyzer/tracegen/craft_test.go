package tracegen_test

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer/tracegen"
)

// readAll reads a trace with x/exp/trace and counts events by kind, syncs
// and goroutine creations.
func readAll(t *testing.T, data []byte) (syncs, creates int, kinds map[trace.EventKind]int, logs []string) {
	t.Helper()
	tr, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	kinds = map[trace.EventKind]int{}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("x/exp/trace: %v", err)
		}
		kinds[ev.Kind()]++
		switch ev.Kind() {
		case trace.EventSync:
			syncs++
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind == trace.ResourceGoroutine {
				if from, _ := st.Goroutine(); from == trace.GoNotExist {
					creates++
				}
			}
		case trace.EventLog:
			logs = append(logs, ev.Log().Message)
		}
	}
}

func TestCraftedTracesParse(t *testing.T) {
	var b bytes.Buffer
	if err := tracegen.ManyAlive(&b, 20000, 3); err != nil {
		t.Fatal(err)
	}
	syncs, creates, kinds, _ := readAll(t, b.Bytes())
	// A sync opens each generation and one closes the trace.
	if syncs != 4 || creates != 20000 {
		t.Errorf("ManyAlive(20000, 3): %d syncs, %d creations, want 4 and 20000 (kinds %v)", syncs, creates, kinds)
	}
	// Creations ~7.5 bytes each, re-announcements ~16.
	if per := float64(b.Len()) / 20000; per < 30 || per > 50 {
		t.Errorf("ManyAlive(20000, 3): %.1f bytes per goroutine", per)
	}

	b.Reset()
	if err := tracegen.TinyGenerations(&b, 1000); err != nil {
		t.Fatal(err)
	}
	syncs, creates, _, _ = readAll(t, b.Bytes())
	if syncs != 1001 || creates != 1000 {
		t.Errorf("TinyGenerations(1000): %d syncs, %d creations", syncs, creates)
	}
	if per := b.Len() / 1000; per > 150 {
		t.Errorf("TinyGenerations: %d bytes per generation, want about 100", per)
	}

	b.Reset()
	hostile := []string{"plain", "\x1b[2J\x07bell\r\x08\x00nul\u202e"}
	if err := tracegen.Strings(&b, hostile...); err != nil {
		t.Fatal(err)
	}
	_, creates, kinds, logs := readAll(t, b.Bytes())
	if creates != 2 || kinds[trace.EventTaskBegin] != 2 || kinds[trace.EventRegionBegin] != 2 || len(logs) != 2 || logs[1] != hostile[1] {
		t.Errorf("Strings: %d creations, kinds %v, logs %q", creates, kinds, logs)
	}
}
