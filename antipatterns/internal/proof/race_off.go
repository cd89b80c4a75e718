//go:build !race

package proof

// RaceEnabled reports whether this binary was built with -race.
const RaceEnabled = false
