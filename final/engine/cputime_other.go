//go:build !linux

package engine

import "time"

// threadCPU reports that no per-thread CPU clock is read on this system:
// an Adaptive Pack measures wall time instead.
func threadCPU() (d time.Duration, ok bool) { return 0, false }
