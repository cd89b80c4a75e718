package timeafter

import (
	"testing"

	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// run builds and runs the program in the module under testdata/dir. The
// heap figure it prints is 300,000 or so objects against a handful: the
// verdict's threshold sits far from both.
func run(t *testing.T, dir string) string { return proof.BuildAndRun(t, "testdata/"+dir) }

func TestGo122KeepsUnfiredTimers(t *testing.T) {
	proof.Contains(t, run(t, "go1.22"), "verdict: leaked")
}

func TestGo123CollectsThem(t *testing.T) {
	proof.Contains(t, run(t, "go1.23"), "verdict: collected")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the program in a module that says go 1.22")
	proof.Print(run(t, "go1.22"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: the same program in a module that says go 1.23")
	proof.Print(run(t, "go1.23"))
}
