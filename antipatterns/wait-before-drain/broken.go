// Package waitbeforedrain shows a mixed deadlock of a channel and a
// WaitGroup: the goroutine that should receive the results first waits for
// the senders to finish, and they cannot finish until someone receives.
//
// Modelled on cockroachdb/cockroach#1055: Stopper.Stop waited on a
// WaitGroup for tasks that were themselves blocked, so neither side ever
// went on.
package waitbeforedrain

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackBroken compresses every chunk in its own goroutine and collects the
// frames from one channel.
func PackBroken(chunks []pipeline.Chunk) []pipeline.Frame {
	results := make(chan pipeline.Frame)
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() { results <- pipeline.Compress(c) })
	}
	wg.Wait() // The mistake: the senders wait for a receiver that waits for them.
	close(results)
	return collect(results, len(chunks))
}

// collect puts the frames received in index order.
func collect(results <-chan pipeline.Frame, n int) []pipeline.Frame {
	frames := make([]pipeline.Frame, n)
	for f := range results {
		frames[f.Index] = f
	}
	return frames
}
