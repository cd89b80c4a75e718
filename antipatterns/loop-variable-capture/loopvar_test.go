package loopvar

import (
	"testing"

	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// run builds and runs the program in the module under testdata/dir.
func run(t *testing.T, dir string) string { return proof.BuildAndRun(t, "testdata/"+dir) }

func TestGo121SharesOneVariable(t *testing.T) {
	proof.Contains(t, run(t, "go1.21"), "frames from chunks: 2 2 2\n")
}

func TestGo122HasOnePerIteration(t *testing.T) {
	proof.Contains(t, run(t, "go1.22"), "frames from chunks: 0 1 2\n")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the program in a module that says go 1.21")
	proof.Print(run(t, "go1.21"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: the same program in a module that says go 1.22")
	proof.Print(run(t, "go1.22"))
}
