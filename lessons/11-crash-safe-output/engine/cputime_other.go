//go:build !linux

package engine

import "time"

// threadCPU reports that this system's per-thread CPU clock is not read
// here: encodeTimed measures wall time instead.
func threadCPU() (d time.Duration, ok bool) { return 0, false }
