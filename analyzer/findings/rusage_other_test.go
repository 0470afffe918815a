//go:build !unix

package findings

import "time"

func childrenCPU() (time.Duration, bool) { return 0, false }

func loadAverage() (float64, bool) { return 0, false }
