package closetwice

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const n, chunkSize = 6, 1024

var data = pipeline.Input(n*chunkSize, 31)

// pack runs a pack in a synctest bubble with a disk on which the chunks
// in bad fail. Every read takes a millisecond of fake time, so every
// goroutine has checked for an abort before any read fails: all the bad
// chunks fail, on every run.
func pack(t *testing.T, packer func(int, Reader) ([]pipeline.Frame, error), bad ...int) ([]pipeline.Frame, error) {
	chunks := pipeline.Split(data, chunkSize)
	read := func(i int) ([]byte, error) {
		time.Sleep(time.Millisecond)
		for _, b := range bad {
			if i == b {
				return nil, fmt.Errorf("chunk %d: %w", i, ErrRead)
			}
		}
		return chunks[i].Data, nil
	}
	var (
		frames []pipeline.Frame
		err    error
	)
	synctest.Test(t, func(t *testing.T) { frames, err = packer(n, read) })
	return frames, err
}

// TestHelperBroken runs in a child: the second close panics in a worker
// goroutine, which ends the process.
func TestHelperBroken(t *testing.T) {
	proof.Child(t)
	_, err := pack(t, PackBroken, 1, 4)
	fmt.Printf("no panic; PackBroken returned %v\n", err)
}

func TestBrokenPanicsOnTheSecondFailure(t *testing.T) {
	out := proof.Run(t, "TestHelperBroken")
	proof.Contains(t, out, "panic: close of closed channel", "PackBroken.func1")
}

// TestBrokenPassesWithOneFailure is why the bug ships: with one failing
// chunk, or none, the broken version works.
func TestBrokenPassesWithOneFailure(t *testing.T) {
	if _, err := pack(t, PackBroken, 2); !errors.Is(err, ErrRead) {
		t.Fatalf("err = %v, want ErrRead", err)
	}
	checkFrames(t, PackBroken)
}

func TestFixedReportsTheFailure(t *testing.T) {
	if _, err := pack(t, PackFixed, 1, 4); !errors.Is(err, ErrRead) {
		t.Fatalf("err = %v, want ErrRead", err)
	}
	checkFrames(t, PackFixed)
}

// checkFrames checks that a pack with no failure writes the reference.
func checkFrames(t *testing.T, packer func(int, Reader) ([]pipeline.Frame, error)) {
	t.Helper()
	frames, err := pack(t, packer)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, f := range frames {
		out = append(out, f.Encode()...)
	}
	if !bytes.Equal(out, pipeline.Pack(data, chunkSize)) {
		t.Fatal("output differs from the sequential reference")
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: each failing worker closes the abort channel (chunks 1 and 4 fail)")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: each failing worker calls cancel, which is idempotent (chunks 1 and 4 fail)")
	_, err := pack(t, PackFixed, 1, 4)
	fmt.Printf("PackFixed returned: %v (no panic)\n", err)
}
