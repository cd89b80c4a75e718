package unacquiredtoken

import (
	"io"

	"packcourse/antipatterns/internal/pipeline"
)

// ReadFixed is ReadBroken with the token held for each read: however many
// workers there are, at most cap(tokens) reads run at once. (Lesson 06
// governs CPU, I/O and memory this way across files; lesson 08 picks the
// I/O token count for the device.)
func ReadFixed(r io.ReaderAt, size, chunkSize, workers int, tokens IOTokens) ([]pipeline.Chunk, error) {
	return readAll(r, size, chunkSize, workers, func(off int64, buf []byte) error {
		tokens.Acquire()
		defer tokens.Release()
		_, err := r.ReadAt(buf, off)
		return err
	})
}
