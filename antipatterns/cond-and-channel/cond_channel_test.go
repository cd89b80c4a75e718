package condchannel

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

type packer func([]pipeline.Chunk, *Pool, ReadDelay) []pipeline.Frame

// pack packs three chunks through a one-buffer pool, chunk 0 being the
// slowest to read. In a synctest bubble the fake clock makes chunk 2 ask
// for the buffer first on every run, and a sync.Cond wait and a channel
// receive are durable blocks, so a deadlock is reported, not waited out.
func pack(t *testing.T, packer packer) []pipeline.Frame {
	var frames []pipeline.Frame
	synctest.Test(t, func(t *testing.T) {
		chunks := pipeline.Split(pipeline.Input(3*1024, 8), 1024)
		slowFirst := func(i int) time.Duration { return time.Duration(3-i) * time.Millisecond }
		frames = packer(chunks, NewPool(1), slowFirst)
	})
	for i, f := range frames {
		if f.Index != i {
			t.Fatalf("frame %d has index %d", i, f.Index)
		}
	}
	return frames
}

// TestHelperBroken runs in a child: a deadlocked bubble panics.
func TestHelperBroken(t *testing.T) { proof.Child(t); pack(t, PackBroken) }

func TestBrokenDeadlocks(t *testing.T) {
	out := proof.Run(t, "TestHelperBroken")
	proof.Contains(t, out, "deadlock: all goroutines in bubble are blocked", "sync.Cond.Wait", "writeInOrder", "chan receive")
}

func TestFixedCompletes(t *testing.T) {
	if got := len(pack(t, PackFixed)); got != 3 {
		t.Fatalf("%d frames, want 3", got)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: buffers go to whichever chunk asks first")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: buffers taken in index order")
	fmt.Printf("%d frames written in order through a one-buffer pool\n", len(pack(t, PackFixed)))
}
