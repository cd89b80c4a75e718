package collectthenstream

import (
	"errors"
	"io"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed reads r in chunks of chunkSize bytes and writes each chunk's
// frame before reading the next, reusing one buffer: memory stays at one
// chunk whatever the input's size. (Lesson 04 keeps this bound with
// parallel workers: a bounded pool of buffers passed through channels.)
func PackFixed(r io.Reader, w io.Writer, chunkSize int) error {
	buf := make([]byte, chunkSize)
	for i := 0; ; i++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			c := pipeline.Chunk{Index: i, Data: buf[:n]}
			if _, err := w.Write(pipeline.Compress(c).Encode()); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
