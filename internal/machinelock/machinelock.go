// Package machinelock lets the tests that measure the machine run one at a
// time across the test binaries `go test ./...` runs side by side.
//
// A test that asserts what a workload's timing shows (a share within 5
// points, no false-positive finding, the same code passing a regression
// gate) fails when another package's test loads the CPUs beside it. Such a
// test calls Hold first: it waits (at most maxWait) until no other test
// process holds the lock, and keeps it until the test ends. Tests that hold
// it should be the few that need it; everything else still runs in
// parallel.
package machinelock

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// lockFile is the lock file, in the temporary directory all test processes
// of a user share. (A variable: the package's test uses its own.)
var lockFile = func() string { return filepath.Join(os.TempDir(), "gotrace-tests-measure.lock") }

var (
	mu    sync.Mutex
	holds int      // tests of this process holding the lock
	held  *os.File // the locked file while holds > 0
)

// maxWait bounds how long Hold waits for another process to release the
// lock: a test process that hangs holding it, or a long run beside this
// one, must not stall every other test. (A variable: the package's test
// shortens it.) With -short, which asks for a quick run, the wait is at
// most shortWait.
var maxWait = 20 * time.Second

const shortWait = 2 * time.Second

// Hold takes the lock for the rest of t (and its subtests), waiting up to
// maxWait (shortWait with -short) for another test process to release it.
// Holds of one process nest (a subtest of a holder, or parallel tests,
// share it). Where the lock cannot be had (no file locks on this system, an
// unwritable temporary directory, another process holding it past the
// wait) Hold logs why and returns: the test runs unserialized.
func Hold(t testing.TB) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if holds == 0 {
		f, err := os.OpenFile(lockFile(), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			t.Logf("machinelock: %v; running without it", err)
			return
		}
		wait := maxWait
		if testing.Short() {
			wait = min(wait, shortWait)
		}
		for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
			ok, err := tryLock(f)
			if err == nil && !ok && time.Now().Before(deadline) {
				continue
			}
			if err == nil && !ok {
				err = fmt.Errorf("another test process held it for %v", wait)
			}
			if err != nil {
				f.Close()
				t.Logf("machinelock: %v; running without it", err)
				return
			}
			break
		}
		held = f
	}
	holds++
	t.Cleanup(release)
}

// release drops one hold, and the file lock with the last.
func release() {
	mu.Lock()
	defer mu.Unlock()
	if holds--; holds == 0 && held != nil {
		unlock(held)
		held.Close()
		held = nil
	}
}
