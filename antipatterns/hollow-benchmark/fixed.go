package hollowbenchmark

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed is the real pack the fixed benchmark times: chunks compressed
// by workers, frames in order. A benchmark must call the code users run,
// and its test must check that what it timed produced the right output.
// (Every lesson's BenchmarkPack runs its engine on the shared workload.)
func PackFixed(data []byte, chunkSize int) []byte {
	chunks := pipeline.Split(data, chunkSize)
	frames := make([][]byte, len(chunks))
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() { frames[c.Index] = pipeline.Compress(c).Encode() })
	}
	wg.Wait()
	var out []byte
	for _, f := range frames {
		out = append(out, f...)
	}
	return out
}
