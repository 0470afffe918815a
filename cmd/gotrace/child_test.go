package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer/bare"
)

// childEnv makes the test binary run as gotrace ("gotrace") or as the bare
// x/exp/trace reader ("bare") instead of running tests (TestMain).
const childEnv = "GOTRACE_TEST_CHILD"

// bareChild reads the trace file args[0] ('-': standard input) with the
// bare x/exp/trace loop and prints the number of events.
func bareChild(args []string) int {
	var r io.Reader = os.Stdin
	if len(args) > 0 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer f.Close()
		r = f
	}
	n, err := bare.Count(bufio.NewReaderSize(r, 1<<16))
	fmt.Println(n, "events")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// proc is a finished child process.
type proc struct {
	code           int
	stdout, stderr string
	peakRSS        int64 // bytes
	wall           time.Duration
}

// child runs the test binary as gotrace (or the bare reader, as="bare") in
// a process of its own, with stdin, and returns what it did and its peak
// resident memory (getrusage of the child).
func child(t testing.TB, as string, stdin io.Reader, args ...string) proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"="+as)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	p := proc{wall: time.Since(start), stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		p.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %s: %v", as, strings.Join(args, " "), err)
	}
	p.peakRSS = peakRSS(cmd.ProcessState)
	return p
}

// mib formats bytes as MiB.
func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
