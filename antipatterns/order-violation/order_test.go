package orderviolation

import (
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// use packs a few chunks and reports the container's size when it is
// short (it may or may not be, depending on the schedule: the race
// detector is the certain check).
func use(t *testing.T, pack func([]pipeline.Chunk) []byte) {
	data := pipeline.Input(8*1024, 10)
	if got, want := len(pack(pipeline.Split(data, 1024))), len(pipeline.Pack(data, 1024)); got != want {
		t.Errorf("container of %d bytes, want %d", got, want)
	}
}

// The helpers run in a child built with the race detector, which reports
// unsynchronised accesses whichever order they ran in: every run.
func TestHelperBroken(t *testing.T) { proof.Child(t); use(t, PackBroken) }
func TestHelperFixed(t *testing.T)  { proof.Child(t); use(t, PackFixed) }

func TestBrokenRaces(t *testing.T) {
	out := proof.RunRace(t, "TestHelperBroken")
	proof.Contains(t, out, "WARNING: DATA RACE", "PackBroken()")
}

func TestFixedDoesNotRace(t *testing.T) {
	out := proof.RunRace(t, "TestHelperFixed")
	proof.Contains(t, out, "--- PASS: TestHelperFixed")
	proof.Lacks(t, out, "DATA RACE")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the container is read before the copier is done")
	proof.Print(proof.RunRace(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: wait for the copier, then read")
	proof.Print(proof.RunRace(t, "TestHelperFixed"))
}
