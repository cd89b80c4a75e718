// Package errgroupnoctx shows an errgroup without its context: a zero
// errgroup.Group collects the first error, and that is all. Nothing tells
// the other tasks, so after a chunk fails every remaining chunk is still
// read and compressed, only for Wait to return the error at the end.
//
// Modelled on cosmos/relayer#612, which moved the relayer's errgroups to
// errgroup.WithContext so that one failed query cancels the others
// instead of the whole group waiting on them.
package errgroupnoctx

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"

	"packcourse/antipatterns/internal/pipeline"
)

// ErrRead reports a chunk that could not be read.
var ErrRead = errors.New("read failed")

// A Reader returns chunk i's bytes. It gives up when ctx is done.
type Reader func(ctx context.Context, i int) ([]byte, error)

// PackBroken reads and compresses n chunks, at most workers at a time, and
// returns the first error.
func PackBroken(ctx context.Context, n, workers int, read Reader) ([]pipeline.Frame, error) {
	frames := make([]pipeline.Frame, n)
	var g errgroup.Group // The mistake: no WithContext, so the first error cancels nothing.
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error {
			data, err := read(ctx, i)
			if err != nil {
				return err
			}
			frames[i] = pipeline.Compress(pipeline.Chunk{Index: i, Data: data})
			return nil
		})
	}
	return frames, g.Wait()
}
