//go:build !unix

package engine_test

import "time"

// cpuTime is unknown here: cpu-MB/s is not reported.
func cpuTime() (time.Duration, bool) { return 0, false }
