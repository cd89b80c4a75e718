package ababa

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

type stage func(*Governor, context.Context) error

// race runs the two stages at once in a synctest bubble. Each stops at a
// gate after its first token; when both are parked (or blocked), the gate
// opens. synctest.Wait then returns only once every goroutine is finished
// or durably blocked, so "not finished" means "deadlocked", on every run.
// The context is then cancelled so that even deadlocked stages return and
// the bubble ends cleanly. It reports how many stages finished.
func race(t *testing.T, a, b stage) (finished int64) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		g := NewGovernor()
		gate := make(chan struct{})
		g.between = func() { <-gate }
		var done atomic.Int64
		for _, s := range []stage{a, b} {
			go func() {
				if s(g, ctx) == nil {
					done.Add(1)
				}
			}()
		}
		synctest.Wait() // both stages parked at the gate, or blocked on a token
		close(gate)
		synctest.Wait() // both finished, or blocked for good
		finished = done.Load()
		cancel()
	})
	return finished
}

func TestBrokenDeadlocks(t *testing.T) {
	if got := race(t, (*Governor).CompressAndWriteBroken, (*Governor).ReadAndCompressBroken); got != 0 {
		t.Fatalf("%d of 2 stages finished; in opposite orders both should be stuck", got)
	}
}

func TestFixedFinishes(t *testing.T) {
	if got := race(t, (*Governor).CompressAndWriteFixed, (*Governor).ReadAndCompressFixed); got != 2 {
		t.Fatalf("%d of 2 stages finished, want both", got)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: CPU then I/O in one stage, I/O then CPU in the other")
	fmt.Printf("stages finished: %d of 2 (each holds the token the other waits for)\n",
		race(t, (*Governor).CompressAndWriteBroken, (*Governor).ReadAndCompressBroken))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: I/O token first, everywhere")
	fmt.Printf("stages finished: %d of 2\n", race(t, (*Governor).CompressAndWriteFixed, (*Governor).ReadAndCompressFixed))
}
