package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
)

// readPiece is how much readAll reads between two looks at ctx: small
// enough that a cancelled Pack stops reading soon, large enough that the
// look costs nothing.
const readPiece = 1 << 20

// readAll reads src to its end into one slice. It checks ctx between
// pieces of readPiece bytes, so cancelling stops the read even though
// the design wants the whole file. Every byte it keeps is counted in
// run.buffered.
func readAll(ctx context.Context, src io.Reader, run *runStats) ([]byte, error) {
	data := make([]byte, 0, sizeHint(src)+readPiece)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if cap(data)-len(data) < readPiece {
			data = grow(data)
		}
		n, err := io.ReadFull(src, data[len(data):len(data)+readPiece])
		data = data[:len(data)+n]
		run.buffered.Add(int64(n))
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return data, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading input at offset %d: %w", len(data), err)
		}
	}
}

// sizeHint returns the size of src if it is a regular file, else 0. Like
// os.ReadFile, readAll uses it to allocate the whole input once instead of
// growing into it; if the hint is wrong, readAll still grows as needed.
func sizeHint(src io.Reader) int {
	f, ok := src.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return 0
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return int(fi.Size())
}

// grow returns data in a new slice with room for about as much again:
// doubling copies the input about once in all, where growing by one
// piece at a time would copy it once per piece.
func grow(data []byte) []byte {
	bigger := make([]byte, len(data), 2*cap(data)+readPiece)
	copy(bigger, data)
	return bigger
}

// chunk is one piece of the input, owned by the goroutine that packs it.
type chunk struct {
	index int
	last  bool
	data  []byte
}

// splitChunks copies data into chunks of size bytes (the last may be
// shorter), one slice each, so that every goroutine owns its chunk. The
// copies are a second copy of the whole input, and they are all made
// before the first goroutine starts.
func splitChunks(data []byte, size int, run *runStats) []chunk {
	var chunks []chunk
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		chunks = append(chunks, chunk{
			index: len(chunks),
			last:  end == len(data),
			data:  slices.Clone(data[off:end]),
		})
		run.buffered.Add(int64(end - off))
		run.inFlight.Add(1)
	}
	return chunks
}
