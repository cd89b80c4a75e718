package closureshared

import (
	"bytes"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// use packs a few chunks and checks the output.
func use(t *testing.T, pack func([]pipeline.Chunk) [][]byte) {
	data := pipeline.Input(8*1024, 9)
	if got := bytes.Join(pack(pipeline.Split(data, 1024)), nil); !bytes.Equal(got, pipeline.Pack(data, 1024)) {
		t.Error("output differs from the sequential reference")
	}
}

// The helpers run in a child built with the race detector. The detector
// reports two writes with no happens-before edge between them whichever
// order they ran in, so the report comes on every run, not only on
// unlucky ones.
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
	proof.Show(t, "broken: every goroutine assigns the same frame variable")
	proof.Print(proof.RunRace(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: a frame variable per goroutine")
	proof.Print(proof.RunRace(t, "TestHelperFixed"))
}
