package positionalwrites

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunkSize = 1024

// file is an in-memory io.WriterAt that grows as needed. Like pwrite on a
// real file, each WriteAt is atomic, so the only thing wrong is the offsets.
type file struct {
	mu  sync.Mutex
	buf []byte
}

func (f *file) WriteAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if end := int(off) + len(p); end > len(f.buf) {
		f.buf = append(f.buf, make([]byte, end-len(f.buf))...)
	}
	return copy(f.buf[off:], p), nil
}

// Equal-length frames are the input the origin program tested with, and
// they hide the bug: every frame lands exactly where it belongs.
func TestBrokenPassesWithEqualFrames(t *testing.T) {
	data := pipeline.Equal(8*chunkSize, chunkSize)
	var f file
	if err := PackBroken(data, chunkSize, &f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.buf, pipeline.Pack(data, chunkSize)) {
		t.Fatal("with equal frames the positional writes should match the reference")
	}
}

// Real data compresses unevenly, and the same code corrupts the container.
func TestBrokenCorruptsUnequalFrames(t *testing.T) {
	data := pipeline.Input(16*chunkSize, 1)
	var f file
	if err := PackBroken(data, chunkSize, &f); err != nil {
		t.Fatal(err)
	}
	want := pipeline.Pack(data, chunkSize)
	if bytes.Equal(f.buf, want) {
		t.Fatal("positional writes of unequal frames matched the reference; the bug did not show")
	}
	// Which overlapping frame wins depends on the schedule; that the
	// input does not come back does not.
	if got, err := pipeline.Unpack(f.buf); err == nil && bytes.Equal(got, data) {
		t.Fatal("the container restored the input; the bug did not show")
	}
}

func TestFixed(t *testing.T) {
	for _, data := range [][]byte{pipeline.Equal(8*chunkSize, chunkSize), pipeline.Input(16*chunkSize, 1)} {
		var out bytes.Buffer
		if err := PackFixed(data, chunkSize, &out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), pipeline.Pack(data, chunkSize)) {
			t.Fatal("output differs from the sequential reference")
		}
		if got, err := pipeline.Unpack(out.Bytes()); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("round trip failed: %v", err)
		}
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: frame i written at i * len(frame i)")
	data := pipeline.Input(16*chunkSize, 1)
	var f file
	PackBroken(data, chunkSize, &f)
	want := pipeline.Pack(data, chunkSize)
	fmt.Printf("container: %d bytes, the sequential reference: %d bytes\n", len(f.buf), len(want))
	_, err := pipeline.Unpack(f.buf)
	fmt.Printf("unpack: %v\n", err)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: frames written in order, each after the last")
	data := pipeline.Input(16*chunkSize, 1)
	var out bytes.Buffer
	PackFixed(data, chunkSize, &out)
	got, err := pipeline.Unpack(out.Bytes())
	fmt.Printf("container: %d bytes, identical to the reference: %v\n", out.Len(), bytes.Equal(out.Bytes(), pipeline.Pack(data, chunkSize)))
	fmt.Printf("unpack: err=%v, %d bytes restored, equal to the input: %v\n", err, len(got), bytes.Equal(got, data))
}
