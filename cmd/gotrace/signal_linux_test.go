package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// children lists the processes whose parent is pid (from /proc).
func children(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, id)
		}
	}
	return out
}

// TestSignalStopsRun sends SIGTERM and SIGINT to a real gotrace process
// running a workload that holds for 30 s: gotrace kills the workload's
// process (its own process group, which a terminal's Ctrl-C does not
// reach), removes its temporary directory and exits 143 or 130 with a
// one-line message.
func TestSignalStopsRun(t *testing.T) {
	run := []string{"run", "deadlock", "--set", "hold=30s", "-q"}
	check := []string{"check", "--run", "deadlock", "--count", "4", "--set", "hold=30s", "--max", "goroutines.leaked=0", "-q"}
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		name string
		args []string
		of   int
	}{{syscall.SIGTERM, 143, "SIGTERM", run, 1}, {syscall.SIGINT, 130, "SIGINT", run, 1}, {syscall.SIGTERM, 143, "SIGTERM", check, 4}} {
		t.Run(c.name+"/"+c.args[0], func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(os.Args[0], c.args...)
			cmd.Env = append(os.Environ(), childEnv+"=gotrace", "TMPDIR="+tmp)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			// Wait for the workload process and its trace in the run directory.
			var kids []int
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				kids = children(cmd.Process.Pid)
				runs, _ := filepath.Glob(filepath.Join(tmp, "gotrace-run-*", "run-1.trace"))
				if len(kids) > 0 && len(runs) > 0 {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if len(kids) == 0 {
				t.Fatalf("no workload process after 20s; stderr: %s", stderr.String())
			}
			pgid, err := syscall.Getpgid(kids[0])
			if err != nil || pgid == syscall.Getpgrp() || pgid != kids[0] {
				t.Errorf("workload process %d is in process group %d (%v); want one of its own", kids[0], pgid, err)
			}
			start := time.Now()
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != c.code {
				t.Fatalf("gotrace ended with %v, want exit %d; stderr: %s", err, c.code, stderr.String())
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("gotrace took %v to stop", d)
			}
			for _, k := range kids {
				if err := syscall.Kill(k, 0); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("workload process %d still exists (%v)", k, err)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
			want := "gotrace: workload deadlock (run 1 of " + strconv.Itoa(c.of) + "): stopped by " + c.name + "; the workload process was killed and the temporary files removed\n"
			if stderr.String() != want {
				t.Errorf("stderr %q, want %q", stderr.String(), want)
			}
		})
	}
}
