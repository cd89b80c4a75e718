package collectthenstream

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunkSize = 1024

// meter sits on both ends of a pack: it counts the input bytes read and,
// at each frame written, how many of them are not yet in a written frame.
// That is the memory a pack holds for input it has read but not finished.
type meter struct {
	r       io.Reader
	read    int // input bytes read so far
	done    int // input bytes whose frames are written
	peak    int // most input bytes held at once
	sizes   []int
	written bytes.Buffer
}

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.read += n
	return n, err
}

// Write takes one frame; sizes says how many input bytes each frame holds.
func (m *meter) Write(p []byte) (int, error) {
	m.peak = max(m.peak, m.read-m.done)
	m.done += m.sizes[0]
	m.sizes = m.sizes[1:]
	return m.written.Write(p)
}

type packer func(io.Reader, io.Writer, int) error

// held packs size bytes and returns the most input bytes held at once.
func held(t *testing.T, pack packer, size int) int {
	t.Helper()
	data := pipeline.Input(size, 3)
	m := &meter{r: bytes.NewReader(data)}
	for _, c := range pipeline.Split(data, chunkSize) {
		m.sizes = append(m.sizes, len(c.Data))
	}
	if err := pack(m, m, chunkSize); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.written.Bytes(), pipeline.Pack(data, chunkSize)) {
		t.Fatal("output differs from the sequential reference")
	}
	return m.peak
}

func TestBrokenHoldsTheWholeInput(t *testing.T) {
	for _, size := range []int{8 * chunkSize, 64 * chunkSize} {
		if got := held(t, PackBroken, size); got != size {
			t.Errorf("%d-byte input: at most %d bytes held, want all %d (the bug)", size, got, size)
		}
	}
}

func TestFixedHoldsOneChunk(t *testing.T) {
	for _, size := range []int{8 * chunkSize, 64 * chunkSize} {
		if got := held(t, PackFixed, size); got > chunkSize {
			t.Errorf("%d-byte input: %d bytes held at once, want at most one chunk (%d)", size, got, chunkSize)
		}
	}
}

func show(t *testing.T, pack packer) {
	for _, size := range []int{8 * chunkSize, 64 * chunkSize} {
		fmt.Printf("input %7d bytes: at most %7d input bytes held before their frames were written\n", size, held(t, pack, size))
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: every chunk collected before the first frame is written")
	show(t, PackBroken)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: each chunk's frame written before the next read")
	show(t, PackFixed)
}
