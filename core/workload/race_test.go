//go:build race

package workload_test

// raceEnabled reports whether the race detector is on. It slows
// compress/flate and byte-at-a-time reads by ten times or more, so the
// slowest tests, which have no goroutines to check anyway, use smaller
// inputs under it.
const raceEnabled = true
