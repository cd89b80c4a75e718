// Package pipeline is the small vocabulary every antipattern is written in:
// an input split into chunks, each chunk compressed into a frame, frames
// written one after another into a container. It is deliberately tiny (a
// length-prefixed DEFLATE frame, no header or trailer) so that each
// antipattern's broken.go and fixed.go hold only the concurrency that is
// being taught.
package pipeline

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
)

// A Chunk is one piece of the input, numbered from 0 in input order.
type Chunk struct {
	Index int
	Data  []byte
}

// A Frame is one compressed chunk: the chunk's index and its DEFLATE body.
// Frames of different chunks have different lengths.
type Frame struct {
	Index int
	Body  []byte
}

// Split cuts data into chunks of size bytes (the last may be shorter). The
// chunks share data's memory.
func Split(data []byte, size int) []Chunk {
	var chunks []Chunk
	for i := 0; len(data) > 0; i++ {
		n := min(size, len(data))
		chunks = append(chunks, Chunk{Index: i, Data: data[:n:n]})
		data = data[n:]
	}
	return chunks
}

// Compress turns a chunk into its frame. It is a pure function of the
// chunk, so any number of goroutines may call it at once.
func Compress(c Chunk) Frame {
	var body bytes.Buffer
	w := compressors.Get().(*flate.Writer)
	defer compressors.Put(w)
	w.Reset(&body)
	w.Write(c.Data) // a bytes.Buffer never fails
	w.Close()
	return Frame{Index: c.Index, Body: body.Bytes()}
}

// compressors keeps DEFLATE writers for reuse: each holds about a
// megabyte of state, too much to allocate per chunk.
var compressors = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid
	return w
}}

// Encode returns the frame as it appears in a container: its body's length
// as 4 big-endian bytes, then the body.
func (f Frame) Encode() []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(f.Body)))
	return append(out, f.Body...)
}

// Pack is the sequential reference: every chunk compressed and its frame
// appended in index order. Every fixed twin's output must equal it.
func Pack(data []byte, chunkSize int) []byte {
	var out []byte
	for _, c := range Split(data, chunkSize) {
		out = append(out, Compress(c).Encode()...)
	}
	return out
}

// ErrCorrupt reports a container that does not parse as frames.
var ErrCorrupt = errors.New("corrupt container")

// Unpack restores the input from a container, frame by frame.
func Unpack(container []byte) ([]byte, error) {
	var out bytes.Buffer
	for len(container) > 0 {
		if len(container) < 4 {
			return nil, fmt.Errorf("%w: %d stray bytes at the end", ErrCorrupt, len(container))
		}
		n := int(binary.BigEndian.Uint32(container))
		container = container[4:]
		if n > len(container) {
			return nil, fmt.Errorf("%w: frame of %d bytes, %d left", ErrCorrupt, n, len(container))
		}
		r := flate.NewReader(bytes.NewReader(container[:n]))
		if _, err := io.Copy(&out, r); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		container = container[n:]
	}
	return out.Bytes(), nil
}

// Input returns n bytes of test input whose chunks compress differently:
// runs of one repeated byte (tiny frames) alternate with random bytes
// (frames as long as the chunk), so frame lengths are never all equal. The
// same seed gives the same bytes.
func Input(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]byte, n)
	for i := 0; i < n; {
		run := min(1+rng.IntN(3000), n-i)
		if rng.IntN(2) == 0 {
			b := byte(rng.IntN(256))
			for j := range run {
				out[i+j] = b
			}
		} else {
			for j := range run {
				out[i+j] = byte(rng.Uint32())
			}
		}
		i += run
	}
	return out
}

// Equal returns the input of n bytes whose chunks of size bytes all
// compress to frames of the same length: every chunk is the same bytes.
// This is the kind of input that hides bugs which depend on frame length.
func Equal(n, size int) []byte {
	chunk := Input(size, 7)
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, chunk[:min(size, n-len(out))]...)
	}
	return out
}
