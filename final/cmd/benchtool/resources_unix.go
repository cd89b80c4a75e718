//go:build unix

package main

import (
	"syscall"
	"time"
)

// resources is what the process has consumed so far.
type resources struct {
	cpu, sys time.Duration
	faults   int64 // minor page faults: a page touched for the first time
}

func readUsage() resources {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return resources{}
	}
	user, sys := time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
	return resources{cpu: user + sys, sys: sys, faults: int64(ru.Minflt)}
}
