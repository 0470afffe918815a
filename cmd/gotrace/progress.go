package main

import (
	"fmt"
	"io"
	"time"

	"github.com/gotrace/gotrace/analyzer/render"
)

// progressMinBytes is the input size below which no progress is shown.
const progressMinBytes = 32 << 20

// progress draws "name: 45% 120 MiB / 268 MiB, 38 MiB/s" on a terminal.
type progress struct {
	name  string
	w     io.Writer
	start time.Time
	last  time.Time
	shown bool
}

// newProgress returns a progress display for analyzer.Options.Progress, or
// nil when w is not a terminal.
func newProgress(name string, w io.Writer) *progress {
	if !isTerminal(w) {
		return nil
	}
	return &progress{name: render.Terminal(name), w: w, start: time.Now()}
}

func (p *progress) update(done, total int64) {
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	if !p.shown && (total >= 0 && total < progressMinBytes || now.Sub(p.start) < 300*time.Millisecond) {
		return
	}
	p.last = now
	p.shown = true
	rate := float64(done) / now.Sub(p.start).Seconds() / (1 << 20)
	if total > 0 {
		fmt.Fprintf(p.w, "\r%s: %3.0f%% %.0f / %.0f MiB, %.0f MiB/s ", p.name, 100*float64(done)/float64(total), float64(done)/(1<<20), float64(total)/(1<<20), rate)
	} else {
		fmt.Fprintf(p.w, "\r%s: %.0f MiB, %.0f MiB/s ", p.name, float64(done)/(1<<20), rate)
	}
}

// finish clears the display. A nil progress does nothing.
func (p *progress) finish() {
	if p != nil && p.shown {
		fmt.Fprintf(p.w, "\r\033[K")
	}
}
