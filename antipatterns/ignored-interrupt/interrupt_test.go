package ignoredinterrupt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunkSize = 1024

// endless is an input that never ends, like a pipe from a slow producer,
// and that interrupts this process (Ctrl-C) while the third chunk is read.
type endless struct {
	reads int
	data  []byte
}

func (e *endless) Read(p []byte) (int, error) {
	e.reads++
	if e.reads == 3 {
		self, _ := os.FindProcess(os.Getpid())
		if err := self.Signal(os.Interrupt); err != nil {
			return 0, err
		}
	}
	if len(e.data) == 0 {
		e.data = pipeline.Input(chunkSize, uint64(e.reads))
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

// TestHelperPackBroken runs the broken pack in a child, which the interrupt
// kills: Ctrl-C would kill the test run itself.
func TestHelperPackBroken(t *testing.T) {
	proof.Child(t)
	err := PackFileBroken(&endless{}, os.Getenv("ANTIPATTERN_OUT"), chunkSize)
	t.Fatalf("PackFileBroken returned (%v): the interrupt should have ended the process", err)
}

// brokenRun interrupts the broken pack and returns what the child printed
// and what it left at the output path.
func brokenRun(t *testing.T) (out string, left []byte, leftErr error) {
	path := filepath.Join(t.TempDir(), "out.pack")
	out = proof.Run(t, "TestHelperPackBroken", "ANTIPATTERN_OUT="+path)
	left, leftErr = os.ReadFile(path)
	return out, left, leftErr
}

func TestBrokenLeavesATruncatedContainer(t *testing.T) {
	out, left, err := brokenRun(t)
	proof.Lacks(t, out, "PackFileBroken returned")
	proof.Contains(t, out, "signal: interrupt")
	if err != nil {
		t.Fatalf("nothing left at the output path (%v); the broken pack should leave a partial file", err)
	}
	// The frames before the interrupt are all there and unpack: nothing
	// tells this truncated container from a finished one.
	got, err := pipeline.Unpack(left)
	if err != nil || len(got) == 0 {
		t.Fatalf("the partial file should hold whole frames: %d bytes, unpack: %v", len(left), err)
	}
}

func fixedRun(t *testing.T) (path string, err error) {
	dir := t.TempDir()
	path = filepath.Join(dir, "out.pack")
	err = PackFileFixed(&endless{}, path, chunkSize)
	return path, err
}

func TestFixedStopsAndLeavesNothing(t *testing.T) {
	path, err := fixedRun(t)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("PackFileFixed = %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Fatalf("left %d files behind, want none: %v", len(entries), entries)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: Ctrl-C kills the pack mid-write")
	out, left, err := brokenRun(t)
	proof.Print(out)
	got, uerr := pipeline.Unpack(left)
	fmt.Printf("\nleft at out.pack: %d bytes (read error: %v); unpacks without error: %v, to %d bytes of an endless input\n", len(left), err, uerr == nil, len(got))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: Ctrl-C cancels the pack, the partial output is removed")
	path, err := fixedRun(t)
	_, statErr := os.Stat(path)
	entries, _ := os.ReadDir(filepath.Dir(path))
	fmt.Printf("PackFileFixed returned: %v\nout.pack: %v\nfiles left in the output directory: %d\n", err, statErr, len(entries))
}
