//go:build unix

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutputToSpecialFiles: -o /dev/null or a FIFO is written in place.
// Replacing it by a rename from a temporary file (as regular files are
// written) would, for root, put a regular file where /dev/null was, and
// every later write to /dev/null would land in it.
func TestOutputToSpecialFiles(t *testing.T) {
	small := repoFile("traces", "small.trace")
	if st, err := os.Stat(os.DevNull); err != nil {
		t.Skipf("no %s here: %v", os.DevNull, err)
	} else if st.Mode()&os.ModeCharDevice == 0 {
		t.Skipf("%s is %v here before the test, not a character device: something else replaced it", os.DevNull, st.Mode())
	}
	for _, args := range [][]string{
		{"analyze", "-q", "-o", os.DevNull, small},
		{"export", "-q", "-o", os.DevNull, small},
	} {
		if code, _, errOut := gotrace(t, nil, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("after %v, %s is %v (%v), not a character device", args, os.DevNull, st.Mode(), err)
		}
	}

	fifo := filepath.Join(t.TempDir(), "report.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo) // waits for the writer
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if code, _, errOut := gotrace(t, nil, "analyze", "-q", "--format", "json", "-o", fifo, small); code != 0 {
		t.Fatalf("analyze -o FIFO: exit %d: %s", code, errOut)
	}
	if s := <-got; !strings.Contains(s, `"kind": "gotrace.report"`) && !strings.Contains(s, `"trace"`) {
		t.Errorf("the FIFO's reader got %.200q, not the JSON report", s)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("%s is %v (%v) after the write, not a FIFO", fifo, st.Mode(), err)
	}
}
