// Package peritem shows unbounded goroutines, one per chunk: the loop
// starts a goroutine for every chunk of the input, so the number of
// goroutines, and the chunks, buffers and compressor state they hold, grows
// with the file. A 10 GB file in 1 MB chunks is ten thousand goroutines
// reading at once, each holding its chunk.
//
// Modelled on googleapis/google-cloud-go#1318: the Pub/Sub subscriber
// started a goroutine for every message outstanding, and a backlog of
// small messages ran the process out of memory.
package peritem

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// A Reader returns chunk i's bytes; reading takes time.
type Reader func(i int) []byte

// PackBroken reads and compresses n chunks concurrently.
func PackBroken(n int, read Reader) []pipeline.Frame {
	frames := make([]pipeline.Frame, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { // The mistake: one goroutine per chunk, however many chunks.
			frames[i] = pipeline.Compress(pipeline.Chunk{Index: i, Data: read(i)})
		})
	}
	wg.Wait()
	return frames
}
