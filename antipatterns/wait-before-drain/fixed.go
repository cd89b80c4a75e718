package waitbeforedrain

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed receives while the senders run: a separate goroutine waits for
// them and then closes the channel, which ends the receiving loop. (This
// is the Go blog's pipeline pattern, and lesson 03's.)
func PackFixed(chunks []pipeline.Chunk) []pipeline.Frame {
	results := make(chan pipeline.Frame)
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() { results <- pipeline.Compress(c) })
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	return collect(results, len(chunks))
}
