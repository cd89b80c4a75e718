package tfatal

import (
	"testing"

	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

func TestVetCatchesBroken(t *testing.T) {
	out, err := proof.GoOnce("testdata/broken", "vet", ".")
	if err == nil {
		t.Fatalf("go vet passed the broken test:\n%s", out)
	}
	proof.Contains(t, out, "call to (*testing.T).Fatalf from a non-test goroutine")
}

func TestBrokenRunsOnPastFatal(t *testing.T) {
	out, _ := proof.GoOnce("testdata/broken", "test", "-vet=off", "-v", "-count=1", ".")
	proof.Contains(t, out, "frame 1 is empty", "still running after t.Fatal", "--- FAIL: TestFrames")
}

func TestVetPassesFixed(t *testing.T) {
	if out, err := proof.GoOnce("testdata/fixed", "vet", "."); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
}

func TestFixedStopsAtFatal(t *testing.T) {
	out, _ := proof.GoOnce("testdata/fixed", "test", "-v", "-count=1", ".")
	proof.Contains(t, out, "frame 1 is empty", "--- FAIL: TestFrames")
	proof.Lacks(t, out, "not reached")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: t.Fatalf from a goroutine (go vet, then go test)")
	out, _ := proof.GoOnce("testdata/broken", "vet", ".")
	proof.Print("$ go vet .\n" + out)
	out, _ = proof.GoOnce("testdata/broken", "test", "-vet=off", "-v", "-count=1", ".")
	proof.Print("$ go test -vet=off -v .\n" + out)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: goroutines report, the test goroutine fails (go vet, then go test)")
	out, _ := proof.GoOnce("testdata/fixed", "vet", ".")
	proof.Print("$ go vet .\n" + out)
	out, _ = proof.GoOnce("testdata/fixed", "test", "-v", "-count=1", ".")
	proof.Print("$ go test -v .\n" + out)
}
