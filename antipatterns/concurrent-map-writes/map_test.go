package concurrentmap

import (
	"fmt"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// chunks are many and tiny, so the writers spend their time in the map.
func chunks() []pipeline.Chunk { return pipeline.Split(pipeline.Input(256*16, 13), 16) }

// TestHelperBroken runs in a child, because the fatal error cannot be
// recovered. The map's check is best effort: one round may slip through,
// so the child repeats until the runtime catches it, which on two threads
// takes a few rounds at most. The parent kills a child that runs for a
// minute, which has not happened.
func TestHelperBroken(t *testing.T) {
	proof.Child(t)
	for {
		SizesBroken(chunks())
	}
}

// TestHelperFixed runs the fixed twin for many rounds in a child, the same
// way.
func TestHelperFixed(t *testing.T) {
	proof.Child(t)
	for range 200 {
		if got := len(SizesFixed(chunks())); got != 256 {
			t.Fatalf("%d sizes, want 256", got)
		}
	}
}

func TestBrokenCrashes(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperBroken")
	proof.Contains(t, out, "fatal error: concurrent map writes", "SizesBroken.func1")
}

func TestFixedSurvives(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperFixed")
	proof.Contains(t, out, "--- PASS: TestHelperFixed")
	proof.Lacks(t, out, "fatal error", "DATA RACE")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: workers write one map with no lock")
	out := proof.RunPlain(t, "TestHelperBroken")
	// The goroutine dump after the message is long; the first lines say it.
	lines := 0
	for i, r := range out {
		if r == '\n' {
			if lines++; lines == 25 {
				out = out[:i] + "\n..."
				break
			}
		}
	}
	proof.Print(out)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: a mutex around every write")
	proof.Print(proof.RunPlain(t, "TestHelperFixed"))
	fmt.Println()
}
