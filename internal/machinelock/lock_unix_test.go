//go:build unix

package machinelock

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// taken reports whether another open file description cannot lock the file
// now: what another test process would find.
func taken(t *testing.T) bool {
	t.Helper()
	f, err := os.OpenFile(lockFile(), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

func TestHold(t *testing.T) {
	// Not the shared file: other test processes may hold that one now.
	file := filepath.Join(t.TempDir(), "lock")
	lockFile = func() string { return file }
	t.Run("outer", func(t *testing.T) {
		Hold(t)
		if !taken(t) {
			t.Fatal("the lock is free while held")
		}
		t.Run("nested", func(t *testing.T) {
			Hold(t) // must not wait for the outer hold
			if !taken(t) {
				t.Fatal("the lock is free while held twice")
			}
		})
		if !taken(t) {
			t.Fatal("the inner hold's end released the outer")
		}
	})
	if taken(t) {
		t.Fatal("the lock is still held after the test ended")
	}

	// Another process holding the lock past maxWait: Hold gives up and the
	// test runs without it, rather than waiting for ever.
	other, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { maxWait = d }(maxWait)
	maxWait = 100 * time.Millisecond
	t.Run("held elsewhere", func(t *testing.T) {
		start := time.Now()
		Hold(t)
		if d := time.Since(start); d < maxWait || d > 10*maxWait {
			t.Errorf("Hold returned after %v, want about %v", d, maxWait)
		}
		if holds != 0 || held != nil {
			t.Errorf("Hold counts itself a holder (holds %d) of a lock it did not get", holds)
		}
	})
	// Released, it is taken at once.
	syscall.Flock(int(other.Fd()), syscall.LOCK_UN)
	t.Run("released", func(t *testing.T) {
		Hold(t)
		if holds != 1 || !taken(t) {
			t.Errorf("holds %d, taken %v after the other process let go", holds, taken(t))
		}
	})
}
