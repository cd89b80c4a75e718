package contextnevercancelled

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

type packer func(context.Context, []pipeline.Chunk) ([]pipeline.Frame, error)

// leaks packs input with an empty chunk in it, which fails, and returns
// what goleak finds once every goroutine has settled. In a synctest bubble
// "settled" is exact (synctest.Wait) and goleak's retries cost no time.
func leaks(t *testing.T, pack packer) error {
	var leak error
	synctest.Test(t, func(t *testing.T) {
		before := goleak.IgnoreCurrent()
		chunks := []pipeline.Chunk{{Index: 0, Data: []byte("frame")}, {Index: 1}}
		if _, err := pack(context.Background(), chunks); !errors.Is(err, ErrBadChunk) {
			t.Fatalf("err = %v, want ErrBadChunk", err)
		}
		synctest.Wait()
		if leak = goleak.Find(before); leak != nil {
			fmt.Printf("goleak: %v\n", leak)
		}
	})
	return leak
}

// TestHelperBroken runs in a child: the leaked flusher outlives the
// bubble, which synctest reports once goleak has spoken.
func TestHelperBroken(t *testing.T) { proof.Child(t); leaks(t, PackBroken) }

func TestBrokenLeaksTheFlusher(t *testing.T) {
	out := proof.Run(t, "TestHelperBroken")
	proof.Contains(t, out, "goleak: found unexpected goroutines", "StartFlusher.func1", "chan receive",
		"deadlock: main bubble goroutine has exited but blocked goroutines remain")
}

func TestFixedLeaksNothing(t *testing.T) {
	if err := leaks(t, PackFixed); err != nil {
		t.Fatal(err)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the error path skips Close")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: defer Close")
	fmt.Printf("goleak: %v (no goroutine left behind)\n", leaks(t, PackFixed))
}
