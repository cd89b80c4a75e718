package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// readPiece is how much readAll reads between two looks at ctx, as in
// lesson 02.
const readPiece = 1 << 20

// readAll reads src to its end into one slice, as lessons 01 and 02 do. It
// checks ctx between pieces, so a cancelled run stops reading even from a
// source that never ends.
func readAll(ctx context.Context, src io.Reader) ([]byte, error) {
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
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return data, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading input at offset %d: %w", len(data), err)
		}
	}
}

// sizeHint returns the size of src if it is a regular file, else 0, so
// readAll can allocate the whole input once, as os.ReadFile does.
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

// grow returns data in a new slice with room for about as much again, so
// the input is copied about once in all.
func grow(data []byte) []byte {
	bigger := make([]byte, len(data), 2*cap(data)+readPiece)
	copy(bigger, data)
	return bigger
}
