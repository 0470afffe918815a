//go:build !linux

package workloads

import (
	"sync/atomic"
	"time"
)

// The oversub workload needs Linux futexes; this port does not provide them.

const haveFutex = false

func futexWait(addr *atomic.Uint32, val uint32) bool { return false }
func futexWake(addr *atomic.Uint32)                  {}

type rusage struct {
	cpu           time.Duration
	nvcsw, nivcsw int64
}

func readRusage() (rusage, bool) { return rusage{}, false }
