// Package sharedcounter shows the plainest data race, an unguarded counter:
// workers add to one int without synchronisation. Additions are lost, and
// the race detector reports it on the first run that executes two of them.
//
// Modelled on kubernetes/kubernetes#77796: the watch cache's dispatching
// flag was written and read by two goroutines with no lock between them.
package sharedcounter

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackBroken compresses the chunks in parallel and returns the frames and
// the total bytes written, counted by the workers.
func PackBroken(chunks []pipeline.Chunk) ([][]byte, int) {
	frames := make([][]byte, len(chunks))
	total := 0
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			frames[c.Index] = pipeline.Compress(c).Encode()
			total += len(frames[c.Index]) // The mistake: a read-modify-write from every worker.
		})
	}
	wg.Wait()
	return frames, total
}
