//go:build race

package engine_test

// raceEnabled says the race detector is on, which changes what sync.Pool
// keeps.
const raceEnabled = true
