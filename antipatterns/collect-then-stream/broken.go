// Package collectthenstream shows the "streaming" pack the course's origin
// program shipped: it read the input chunk by chunk, but collected every
// chunk into a slice before compressing any, so the whole file sat in
// memory (and then again as frames) however the reads were cut.
package collectthenstream

import (
	"errors"
	"io"

	"packcourse/antipatterns/internal/pipeline"
)

// PackBroken reads r in chunks of chunkSize bytes and writes their frames
// to w, but only after reading all of r.
func PackBroken(r io.Reader, w io.Writer, chunkSize int) error {
	var chunks []pipeline.Chunk
	for i := 0; ; i++ {
		buf := make([]byte, chunkSize)
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			// The mistake: every chunk is kept until the input ends.
			chunks = append(chunks, pipeline.Chunk{Index: i, Data: buf[:n]})
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	for _, c := range chunks {
		if _, err := w.Write(pipeline.Compress(c).Encode()); err != nil {
			return err
		}
	}
	return nil
}
