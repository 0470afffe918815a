package findings

import (
	"syscall"
	"time"
)

// blockingSyscalls says whether blockingSleep makes a real blocking syscall.
const blockingSyscalls = true

// blockingSleep sleeps in the nanosleep system call, which blocks its
// thread (time.Sleep parks the goroutine instead).
func blockingSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR { // finding: syscall-threads
	}
}
