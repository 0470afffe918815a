//go:build unix

package machinelock

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
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
}
