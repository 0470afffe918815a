package workloads

import (
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Kernel primitives of the oversub workload: futex wait and wake between OS
// threads, and the process's CPU time and context switches.

const haveFutex = true

const (
	futexWaitPrivate = 0 | 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	futexWakePrivate = 1 | 128 // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
)

// futexTimeout bounds a wait, so that a thread comes back to Go code now and
// then whatever happens.
var futexTimeout = syscall.NsecToTimespec(int64(10 * time.Millisecond))

// futexWait blocks the calling thread in the kernel while *addr == val (or
// until woken, interrupted or 10ms passed). It does not tell the Go
// scheduler (the goroutine keeps its P): the thread itself sleeps, as a
// thread of a 1:1 library would. It reports whether the wait was cut short
// by a signal or the timeout rather than a wake-up or a changed value.
func futexWait(addr *atomic.Uint32, val uint32) (interrupted bool) {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWaitPrivate,
		uintptr(val), uintptr(unsafe.Pointer(&futexTimeout)), 0, 0)
	return errno == syscall.EINTR || errno == syscall.ETIMEDOUT
}

// futexWake wakes the threads waiting on addr.
func futexWake(addr *atomic.Uint32) {
	syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWakePrivate, 2, 0, 0, 0)
}

// rusage is what getrusage says of the whole process.
type rusage struct {
	cpu           time.Duration // user + system
	nvcsw, nivcsw int64         // voluntary, involuntary context switches
}

func readRusage() (rusage, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return rusage{}, false
	}
	return rusage{
		cpu:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		nvcsw:  ru.Nvcsw,
		nivcsw: ru.Nivcsw,
	}, true
}
