package sendnoreceiver

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

type within func(pipeline.Chunk, time.Duration, Compressor) (pipeline.Frame, error)

// leaks times out a compression that takes two (fake) seconds after one,
// lets the compression finish, and returns what goleak finds. In the
// bubble, the fake clock makes "times out" certain, and goleak's retries,
// which sleep, cost no real time.
func leaks(t *testing.T, compressWithin within) error {
	var leak error
	synctest.Test(t, func(t *testing.T) {
		before := goleak.IgnoreCurrent()
		slow := func(c pipeline.Chunk) pipeline.Frame {
			time.Sleep(2 * time.Second)
			return pipeline.Compress(c)
		}
		if _, err := compressWithin(pipeline.Chunk{Data: []byte("chunk")}, time.Second, slow); !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		time.Sleep(3 * time.Second) // the compression is done by now
		synctest.Wait()
		leak = goleak.Find(before)
		if leak != nil {
			fmt.Printf("goleak: %v\n", leak)
		}
	})
	return leak
}

// TestHelperBroken runs in a child: the leaked goroutine outlives the
// bubble, which synctest reports as a deadlock once goleak has spoken.
func TestHelperBroken(t *testing.T) {
	proof.Child(t)
	leaks(t, CompressWithinBroken)
}

func TestBrokenLeaksTheSender(t *testing.T) {
	out := proof.Run(t, "TestHelperBroken")
	proof.Contains(t, out, "goleak: found unexpected goroutines", "CompressWithinBroken.func1", "chan send",
		"deadlock: main bubble goroutine has exited but blocked goroutines remain")
}

func TestFixedLeaksNothing(t *testing.T) {
	if err := leaks(t, CompressWithinFixed); err != nil {
		t.Fatal(err)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the result is sent on an unbuffered channel")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: the result channel has room for the result")
	fmt.Printf("goleak: %v (no goroutine left behind)\n", leaks(t, CompressWithinFixed))
}
