//go:build !linux

package workloads

import "time"

// The syscall workload needs raw blocking pipes and nanosleep; this port
// does not provide them.

const haveBlockingSyscalls = false

func blockingPipe() (r, w int, err error)     { return -1, -1, errNoBlockingSyscalls }
func readFD(fd int, buf []byte) (int, error)  { return 0, errNoBlockingSyscalls }
func writeFD(fd int, buf []byte) (int, error) { return 0, errNoBlockingSyscalls }
func closeFD(fd int) error                    { return errNoBlockingSyscalls }
func nanosleep(d time.Duration) error         { return errNoBlockingSyscalls }
