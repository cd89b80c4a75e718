// Package memstat reads the process's peak resident memory, the figure a
// user sees, so demos and benchmarks can report it next to throughput.
package memstat

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"runtime/debug"
	"strconv"
)

// ErrUnsupported is returned where /proc is not available (not Linux).
var ErrUnsupported = errors.New("peak RSS is only available on Linux")

// PeakRSS returns the process's peak resident set size in bytes (VmHWM).
func PeakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, ErrUnsupported
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("VmHWM:")) {
			continue
		}
		fields := bytes.Fields(line[len("VmHWM:"):])
		if len(fields) != 2 || string(fields[1]) != "kB" {
			break
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			break
		}
		return kb << 10, nil
	}
	return 0, ErrUnsupported
}

// ResetPeakRSS returns freed memory to the operating system and resets the
// peak to the current RSS, so the next PeakRSS measures only what follows.
func ResetPeakRSS() error {
	debug.FreeOSMemory()
	// Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return ErrUnsupported
	}
	return nil
}
