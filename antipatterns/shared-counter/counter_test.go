package sharedcounter

import (
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// use packs a few chunks and checks the count when it happens to be
// wrong (lost additions are possible, not certain: the race detector is
// the certain check).
func use(t *testing.T, pack func([]pipeline.Chunk) ([][]byte, int)) {
	data := pipeline.Input(8*1024, 10)
	if _, total := pack(pipeline.Split(data, 1024)); total != len(pipeline.Pack(data, 1024)) {
		t.Errorf("counted %d bytes, wrote %d", total, len(pipeline.Pack(data, 1024)))
	}
}

// The helpers run in a child built with the race detector, which reports
// unsynchronised accesses whichever order they ran in: every run.
func TestHelperBroken(t *testing.T) { proof.Child(t); use(t, PackBroken) }
func TestHelperFixed(t *testing.T)  { proof.Child(t); use(t, PackFixed) }

func TestBrokenRaces(t *testing.T) {
	out := proof.RunRace(t, "TestHelperBroken")
	proof.Contains(t, out, "WARNING: DATA RACE", "PackBroken.func1")
}

func TestFixedDoesNotRace(t *testing.T) {
	out := proof.RunRace(t, "TestHelperFixed")
	proof.Contains(t, out, "--- PASS: TestHelperFixed")
	proof.Lacks(t, out, "DATA RACE")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: total += n from every worker")
	proof.Print(proof.RunRace(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: an atomic counter")
	proof.Print(proof.RunRace(t, "TestHelperFixed"))
}
