package condchannel

import (
	"time"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed takes the buffers in index order, before starting each chunk's
// goroutine: the chunk the writer needs next always holds a buffer, so the
// writer always gets a frame it can write and give back. (Lesson 04's
// reader takes a pool buffer per chunk in input order for this reason.)
func PackFixed(chunks []pipeline.Chunk, p *Pool, delay ReadDelay) []pipeline.Frame {
	results := make(chan pipeline.Frame)
	go func() {
		for _, c := range chunks {
			p.Get()
			go func() {
				time.Sleep(delay(c.Index)) // reading the chunk
				results <- pipeline.Compress(c)
			}()
		}
	}()
	return writeInOrder(results, len(chunks), p)
}
