package closebyreceiver

import (
	"errors"
	"fmt"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// failFirst fails on the first frame. Whatever the schedule, the producer
// then either is blocked sending frame 1 or is about to: closing the
// channel makes that send panic on every run.
func failFirst(pipeline.Frame) error { return ErrWrite }

func chunks() []pipeline.Chunk { return pipeline.Split(pipeline.Input(4*1024, 11), 1024) }

// TestHelperBroken runs in a child: a panic in a goroutine ends the
// process, which the test process must survive.
func TestHelperBroken(t *testing.T) {
	proof.Child(t)
	PackBroken(chunks(), failFirst)
	// Wait for the producer's next send, whose panic ends the process.
	select {}
}

func TestBrokenPanics(t *testing.T) {
	out := proof.Run(t, "TestHelperBroken")
	proof.Contains(t, out, "panic: send on closed channel", "PackBroken.func1")
}

func TestFixedStopsTheProducer(t *testing.T) {
	if err := PackFixed(chunks(), failFirst); !errors.Is(err, ErrWrite) {
		t.Fatalf("err = %v, want ErrWrite", err)
	}
	var n int
	count := func(pipeline.Frame) error { n++; return nil }
	if err := PackFixed(chunks(), count); err != nil || n != 4 {
		t.Fatalf("without failures: err %v, %d frames written, want 4", err, n)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the writer closes the frames channel")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: only the sender closes; stop goes the other way")
	fmt.Printf("PackFixed returned: %v (the producer stopped and closed its channel; no panic)\n", PackFixed(chunks(), failFirst))
}
