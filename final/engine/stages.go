package engine

import (
	"context"

	"golang.org/x/sync/errgroup"

	"packcourse/final/obs"
)

// docs:region pipeline

// pipeline runs the reader, the workers and the writer, and returns the
// first error any of them returned. The first error cancels ctx, which
// stops the others at their next blocking point.
func (r *run) pipeline(ctx context.Context, first *job) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return r.readStage(ctx, first) })
	for range r.workers {
		g.Go(func() error { return r.workStage(ctx) })
	}
	g.Go(func() error { return r.writeStage(ctx) })
	return g.Wait()
}

// readStage dispatches the first job, then reads and dispatches jobs until
// the last. It ends after the last chunk, on an error, or when ctx is done;
// closing both channels on the way out ends the workers and the writer.
func (r *run) readStage(ctx context.Context, first *job) error {
	defer close(r.work)
	defer close(r.order)
	for j := first; ; {
		if err := r.dispatch(ctx, j); err != nil {
			return err
		}
		if j.last {
			return nil
		}
		var err error
		if j, err = r.fill(ctx); err != nil {
			return err
		}
	}
}

// dispatch enqueues j's future in the writer's FIFO, then hands j to a
// worker: the FIFO is filled in input order before any work starts.
func (r *run) dispatch(ctx context.Context, j *job) error {
	select {
	case r.order <- j:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.enqueue(obs.WorkQueue, 1)
	select {
	case r.work <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// workStage is one worker: it transforms jobs until work is closed, ctx is
// done or a transform fails.
func (r *run) workStage(ctx context.Context) error {
	var transform func(*job) error // made at the first job: a worker that gets none allocates nothing
	for {
		var j *job
		select {
		case j = <-r.work:
			if j == nil {
				return nil // closed: the reader is done
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		if transform == nil {
			transform = r.s.transform()
		}
		if err := r.transform(ctx, transform, j); err != nil {
			return err
		}
		r.enqueue(obs.WriteQueue, 1)
		j.done <- struct{}{} // never blocks: one signal per use, and room for one
	}
}

// writeStage emits jobs in input order: it waits for the future at the
// head of the FIFO, writes it and gives the job back. It ends when the FIFO
// is closed and empty, ctx is done or a write fails.
func (r *run) writeStage(ctx context.Context) error {
	for {
		var j *job
		select {
		case j = <-r.order:
			if j == nil {
				return nil // closed and drained: every job was written
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		r.enqueue(obs.WriteQueue, -1)
		if err := r.emit(ctx, j); err != nil {
			return err
		}
		r.jobs.put(j)
	}
}

// docs:endregion pipeline
