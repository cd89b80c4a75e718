package engine

import (
	"context"

	"golang.org/x/sync/errgroup"

	"packcourse/final/obs"
)

// docs:region pipeline

// pipeline runs the reader, the workers and the writer. Only the writer
// reports a failure of the data (a read, a transform or a write): each
// job carries its own error to the writer, which reaches them in input
// order, so the error returned is the first failing chunk's, as a
// sequential run would report it. (Were the first stage to fail to cancel
// the rest, a worker failing on chunk 9 could cancel the run before
// another reported chunk 3.) The writer's error cancels ctx, which stops
// the others at their next blocking point.
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
// the last, or until a read fails: that job goes to the writer with its
// error in its place. It ends then, or when ctx is done; closing both
// channels on the way out ends the workers and the writer.
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
			if j == nil {
				return err // no job to carry it: ctx is done
			}
			j.err = err
			return r.failed(ctx, j)
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

// failed enqueues j, whose read failed, as a future already done: the
// writer reports its error once it has written every chunk before it.
func (r *run) failed(ctx context.Context, j *job) error {
	r.enqueue(obs.WriteQueue, 1)
	j.done <- struct{}{}
	select {
	case r.order <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// workStage is one worker: it transforms jobs until work is closed or ctx
// is done. A job that fails to transform carries its error to the writer;
// the worker goes on.
func (r *run) workStage(ctx context.Context) error {
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
		if err := r.transform(ctx, j); err != nil {
			return err
		}
		r.enqueue(obs.WriteQueue, 1)
		j.done <- struct{}{} // never blocks: one signal per use, and room for one
	}
}

// writeStage emits jobs in input order: it waits for the future at the
// head of the FIFO, writes it and gives the job back. It ends when the FIFO
// is closed and empty, ctx is done, or at the first job that failed to be
// read, transformed or written, whose error it returns.
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
		if j.err != nil {
			return j.err
		}
		if err := r.emit(ctx, j); err != nil {
			return err
		}
		r.jobs.put(j)
	}
}

// docs:endregion pipeline
