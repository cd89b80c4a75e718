package busyselect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"testing/synctest"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunkSize = 1024

type writer func(context.Context, <-chan pipeline.Frame, io.Writer, func()) error

// allowed is how many idle passes the test lets a writer make before it
// parks it. A writer that blocks makes none; a spinning one makes them in
// a few milliseconds and would go on for ever.
const allowed = 10_000

// idlePasses starts the writer in a synctest bubble with nothing to write
// yet and waits until every goroutine in the bubble is blocked. The
// test's idle hook counts passes and parks the writer on its allowed-th,
// because a goroutine that never blocks would keep synctest.Wait waiting
// for ever. Then the frames are sent and the container checked.
func idlePasses(t *testing.T, write writer) int {
	data := pipeline.Input(4*chunkSize, 71)
	var passes int
	synctest.Test(t, func(t *testing.T) {
		resume := make(chan struct{})
		count := 0
		idle := func() {
			count++
			if count == allowed {
				<-resume
			}
		}
		frames := make(chan pipeline.Frame, 4)
		var out bytes.Buffer
		done := make(chan error)
		go func() { done <- write(context.Background(), frames, &out, idle) }()

		synctest.Wait() // the writer is blocked: in select (fixed) or parked by the hook (broken)
		passes = count
		close(resume)

		for _, c := range pipeline.Split(data, chunkSize) {
			frames <- pipeline.Compress(c)
		}
		close(frames)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), pipeline.Pack(data, chunkSize)) {
			t.Fatal("output differs from the sequential reference")
		}
	})
	return passes
}

func TestBrokenSpinsWhileWaiting(t *testing.T) {
	if got := idlePasses(t, WriteBroken); got != allowed {
		t.Fatalf("%d idle passes before any frame, want %d: the test's limit, reached by spinning", got, allowed)
	}
}

func TestFixedBlocksWhileWaiting(t *testing.T) {
	if got := idlePasses(t, WriteFixed); got != 0 {
		t.Fatalf("%d idle passes before any frame, want 0", got)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: select with an empty default in the writer's loop")
	fmt.Printf("passes through the loop with nothing to do, before any frame: %d (the test stopped it there)\n", idlePasses(t, WriteBroken))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: no default; select blocks")
	fmt.Printf("passes through the loop with nothing to do, before any frame: %d (blocked in select until a frame came)\n", idlePasses(t, WriteFixed))
}
