package waitinloop

import (
	"bytes"
	"fmt"
	"testing"
	"testing/synctest"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunkSize = 1024

// pack packs in a synctest bubble, so a deadlock is reported, not
// waited out.
func pack(t *testing.T, packer func([]pipeline.Chunk) []pipeline.Frame) []byte {
	return proof.PackInBubble(t, chunkSize, packer)
}

// TestHelperBroken runs in a child: a deadlocked bubble panics.
func TestHelperBroken(t *testing.T) { proof.Child(t); pack(t, PackBroken) }

func TestBrokenDeadlocks(t *testing.T) {
	out := proof.Run(t, "TestHelperBroken")
	proof.Contains(t, out, "deadlock: all goroutines in bubble are blocked", "sync.WaitGroup.Wait", "PackBroken")
}

func TestFixedCompletes(t *testing.T) { pack(t, PackFixed) }

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: Wait inside the loop")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: Wait after the loop")
	fmt.Printf("packed %d bytes, identical to the sequential reference\n", len(pack(t, PackFixed)))
}

// With one chunk the broken version works, which is how the bug shipped.
func TestBrokenWorksWithOneChunk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := pipeline.Chunk{Index: 0, Data: []byte("one chunk")}
		if got := PackBroken([]pipeline.Chunk{c}); !bytes.Equal(got[0].Body, pipeline.Compress(c).Body) {
			t.Fatal("one chunk packed wrong")
		}
	})
}
