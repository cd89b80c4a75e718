//go:build race

package engine_test

// raceEnabled reports whether this test binary was built with -race.
const raceEnabled = true
