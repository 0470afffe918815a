//go:build !linux

package findings

import "time"

const blockingSyscalls = false

func blockingSleep(d time.Duration) { time.Sleep(d) }
