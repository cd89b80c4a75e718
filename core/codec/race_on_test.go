//go:build race

package codec

// raceEnabled reports whether this test binary was built with -race.
const raceEnabled = true
