package contextnevercancelled

import (
	"context"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed is PackBroken with Close deferred as soon as the flusher
// exists, so every return ends it. Whoever starts a goroutine decides how
// it ends, on every path.
func PackFixed(ctx context.Context, chunks []pipeline.Chunk) ([]pipeline.Frame, error) {
	f := StartFlusher(ctx, func() {})
	defer f.Close()
	var frames []pipeline.Frame
	for _, c := range chunks {
		if len(c.Data) == 0 {
			return nil, ErrBadChunk
		}
		frames = append(frames, pipeline.Compress(c))
	}
	return frames, nil
}
