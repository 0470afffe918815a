package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	if newProgress("x", &bytes.Buffer{}) != nil {
		t.Errorf("progress shown on a writer that is not a terminal")
	}
	var buf bytes.Buffer
	p := &progress{name: "big.trace", w: &buf, start: time.Now().Add(-2 * time.Second)}
	p.update(1<<20, 10<<20) // small input: below the threshold, nothing
	p.update(50<<20, 100<<20)
	out := buf.String()
	if !strings.Contains(out, "big.trace:  50% 50 / 100 MiB, 25 MiB/s") {
		t.Errorf("progress line %q", out)
	}
	p.update(60<<20, 100<<20) // within 100ms of the last: not redrawn
	if buf.String() != out {
		t.Errorf("redrawn too often: %q", buf.String())
	}
	p.finish()
	if !strings.HasSuffix(buf.String(), "\r\033[K") {
		t.Errorf("finish does not clear the line: %q", buf.String())
	}
	var nilp *progress
	nilp.finish() // no display: nothing to do, no panic
}
