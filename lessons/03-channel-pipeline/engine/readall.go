package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
)

// readPiece is how much readAll reads between two looks at ctx, as in
// lesson 02.
const readPiece = 1 << 20

// readAll reads src to its end into one slice, as lessons 01 and 02 do. It
// checks ctx between pieces, so a cancelled run stops reading even from a
// source that never ends.
func readAll(ctx context.Context, src io.Reader) ([]byte, error) {
	var data []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data = slices.Grow(data, readPiece)
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
