package workloads

import (
	"syscall"
	"time"
)

// Blocking system calls for the syscall workload. They go through package
// syscall (not os), so they block the calling thread in the kernel instead
// of parking the goroutine in the netpoller.

const haveBlockingSyscalls = true

// blockingPipe returns a pipe in blocking mode: a read blocks its thread in
// the kernel until something is written.
func blockingPipe() (r, w int, err error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return -1, -1, err
	}
	return p[0], p[1], nil
}

func readFD(fd int, buf []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, buf)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

func writeFD(fd int, buf []byte) (int, error) {
	for {
		n, err := syscall.Write(fd, buf)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

func closeFD(fd int) error { return syscall.Close(fd) }

// nanosleep sleeps in the kernel (a blocking syscall), unlike time.Sleep,
// which parks the goroutine on a runtime timer.
func nanosleep(d time.Duration) error {
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	for {
		var rem syscall.Timespec
		err := syscall.Nanosleep(&ts, &rem)
		if err != syscall.EINTR {
			return err
		}
		ts = rem
	}
}
