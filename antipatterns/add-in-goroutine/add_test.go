package addingoroutine

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const n, chunkSize = 8, 1024

// frames packs n chunks whose reads take a millisecond of the bubble's
// fake clock. The clock moves only when every goroutine is blocked, so the
// broken Wait runs before any goroutine has reached its Add, on every run.
// A fake second then lets the stragglers finish, so the bubble ends clean.
func frames(t *testing.T, pack func(int, Reader) []pipeline.Frame) int {
	data := pipeline.Input(n*chunkSize, 12)
	var got int
	synctest.Test(t, func(t *testing.T) {
		got = len(pack(n, slowRead(data, chunkSize)))
		time.Sleep(time.Second)
		synctest.Wait()
	})
	return got
}

func TestBrokenReturnsEarly(t *testing.T) {
	if got := frames(t, PackBroken); got != 0 {
		t.Fatalf("%d of %d frames when Wait returned; want 0: Wait ran before any Add", got, n)
	}
}

func TestFixedWaitsForAll(t *testing.T) {
	if got := frames(t, PackFixed); got != n {
		t.Fatalf("%d of %d frames", got, n)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: wg.Add inside the goroutine, after the read")
	fmt.Printf("frames when Wait returned: %d of %d\n", frames(t, PackBroken), n)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: wg.Go counts each goroutine before it starts")
	fmt.Printf("frames when Wait returned: %d of %d\n", frames(t, PackFixed), n)
}
