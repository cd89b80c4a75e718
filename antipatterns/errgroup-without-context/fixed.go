package errgroupnoctx

import (
	"context"

	"golang.org/x/sync/errgroup"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed derives the group's context with errgroup.WithContext: the
// first task to return an error cancels gctx. Every task checks gctx
// before it starts (Go still runs each function it is given) and passes
// it to the read, so the read in flight stops too.
func PackFixed(ctx context.Context, n, workers int, read Reader) ([]pipeline.Frame, error) {
	frames := make([]pipeline.Frame, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err // another chunk failed: do not start this one
			}
			data, err := read(gctx, i)
			if err != nil {
				return err
			}
			frames[i] = pipeline.Compress(pipeline.Chunk{Index: i, Data: data})
			return nil
		})
	}
	return frames, g.Wait()
}
