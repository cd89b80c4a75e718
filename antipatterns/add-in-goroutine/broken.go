// Package addingoroutine shows WaitGroup.Add inside the goroutine: misuse
// that does not block but returns too early: Add is called inside the
// goroutine, after work that takes time, so Wait can see a zero counter and
// return before the goroutines have even counted themselves. Frames go
// missing.
//
// Modelled on cockroachdb/cockroach#4407: Stopper.Stop's Wait raced with
// the Add of a task starting at the same moment, which the race detector
// reported inside sync.WaitGroup.
//
// go vet's waitgroup check catches the simplest form, wg.Add(1) as the
// first statement of a go func literal; here the Add comes after reading
// the chunk, which vet does not look for.
package addingoroutine

import (
	"sync"
	"time"

	"packcourse/antipatterns/internal/pipeline"
)

// Reader returns a chunk's bytes; reading takes time.
type Reader func(i int) pipeline.Chunk

// PackBroken reads and compresses n chunks, one goroutine each, and
// returns the frames collected when the WaitGroup says all are done.
func PackBroken(n int, read Reader) []pipeline.Frame {
	var (
		mu     sync.Mutex
		frames []pipeline.Frame
		wg     sync.WaitGroup
	)
	for i := range n {
		go func() {
			c := read(i)
			wg.Add(1) // The mistake: counted only once the goroutine gets here.
			defer wg.Done()
			f := pipeline.Compress(c)
			mu.Lock()
			frames = append(frames, f)
			mu.Unlock()
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return append([]pipeline.Frame(nil), frames...)
}

// slowRead is the Reader the tests use: a millisecond per chunk.
func slowRead(data []byte, size int) Reader {
	return func(i int) pipeline.Chunk {
		time.Sleep(time.Millisecond)
		return pipeline.Split(data, size)[i]
	}
}
