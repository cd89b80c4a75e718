package positionalwrites

import (
	"io"
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed compresses the chunks in parallel, then writes the frames in
// index order through one writer: each frame starts where the one before it
// ended, whatever the lengths. (Lesson 03 does this with a single ordered
// writer goroutine; an index of recorded offsets would do as well.)
func PackFixed(data []byte, chunkSize int, out io.Writer) error {
	chunks := pipeline.Split(data, chunkSize)
	frames := make([][]byte, len(chunks))
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() { frames[c.Index] = pipeline.Compress(c).Encode() })
	}
	wg.Wait()
	for _, f := range frames {
		if _, err := out.Write(f); err != nil {
			return err
		}
	}
	return nil
}
