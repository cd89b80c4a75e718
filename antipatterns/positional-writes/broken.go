// Package positionalwrites shows the frame layout the course's origin
// program shipped: each worker wrote its frame at index * frameLen with a
// positional write. That is right only when every frame has the same
// length; compressed frames do not, so frames overlap and leave gaps.
package positionalwrites

import (
	"io"
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackBroken compresses the chunks in parallel and writes frame i at offset
// i * len(frame i), as if every frame were as long as the one being
// written. out is any io.WriterAt (a file in production).
func PackBroken(data []byte, chunkSize int, out io.WriterAt) error {
	chunks := pipeline.Split(data, chunkSize)
	var wg sync.WaitGroup
	errs := make([]error, len(chunks))
	for _, c := range chunks {
		wg.Go(func() {
			frame := pipeline.Compress(c).Encode()
			// The mistake: the offset assumes all frames are this long.
			_, errs[c.Index] = out.WriteAt(frame, int64(c.Index*len(frame)))
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
