package waitbeforedrain

import (
	"fmt"
	"testing"

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
	proof.Contains(t, out, "deadlock: all goroutines in bubble are blocked", "sync.WaitGroup.Wait", "chan send")
}

func TestFixedCompletes(t *testing.T) { pack(t, PackFixed) }

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: Wait before anyone receives")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: receive while a goroutine waits and closes")
	fmt.Printf("packed %d bytes, identical to the sequential reference\n", len(pack(t, PackFixed)))
}
