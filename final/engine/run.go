package engine

import (
	"context"
	"errors"
	"io"
	"runtime/trace"
	"sync/atomic"

	"packcourse/final/govern"
	"packcourse/final/obs"
)

// steps is what differs between Pack and Unpack; a run moves jobs through
// them. read and write are called from one goroutine at a time, in input
// order; each worker goroutine calls its own transform.
type steps interface {
	// read fills j with the next chunk or frame, setting index and last.
	// It returns io.EOF if there is none: only before the first, since
	// the run stops reading after the last.
	read(j *job) error
	// transform returns the function one worker applies to its jobs (it
	// holds that worker's Encoder or Decoder).
	transform() func(j *job) error
	// write emits j's output and adds j to the digest; it returns the
	// number of bytes written to the destination.
	write(j *job) (int, error)
	// finish completes the container after the last job is written: Pack
	// writes the trailer, Unpack reads it and checks the digest. It returns
	// the number of bytes written to the destination.
	finish() (int, error)
	// op says what workers do, for metrics, errors and trace regions.
	op() obs.Op
	// hasOutput is false when write writes nothing (Verify).
	hasOutput() bool
}

// A run is one Pack, Unpack or Verify in flight.
type run struct {
	e       *Engine
	op      Op
	s       steps
	gov     *govern.FileGov
	m       *obs.Metrics
	workers int
	jobs    *jobPool

	// order is the writer's FIFO of futures, in input order. Its capacity
	// is the most jobs alive, so the reader never waits on it: the bound on
	// chunks in flight is the job pool, and order only keeps their order.
	order chan *job
	// work hands a job to the next idle worker. Unbuffered: the reader
	// runs at most one chunk ahead of the workers.
	work chan *job

	next   int             // index of the next chunk or frame to read; the reader's own
	queued [2]atomic.Int64 // this run's part of the metrics' queue gauges, by obs.Queue
}

func newRun(e *Engine, op Op, s steps, slot int64) *run {
	gov := e.cfg.Governor.File(e.size)
	max := e.cfg.InFlight
	return &run{
		e:       e,
		op:      op,
		s:       s,
		gov:     gov,
		m:       e.cfg.Metrics,
		workers: e.cfg.Workers,
		jobs:    newJobPool(gov, slot, max),
		order:   make(chan *job, max),
		work:    make(chan *job),
	}
}

// execute reads the first chunk, then runs the rest inline if it is the
// only one, or through the pipeline, and finishes the output.
func (r *run) execute(ctx context.Context) error {
	first, err := r.fill(ctx)
	switch {
	case errors.Is(err, io.EOF): // empty input: no frames
		err = nil
	case err != nil:
		return err
	case first.last:
		err = r.inline(ctx, first)
	default:
		err = r.pipeline(ctx, first)
	}
	if err != nil {
		return err
	}
	stage := stageWrite // Pack finishes by writing the trailer, Unpack by reading it
	if r.s.op() == obs.Decode {
		stage = stageRead
	}
	return r.e.container(ctx, r.op, stage, r.s.finish)
}

// inline transforms and writes a lone chunk in the calling goroutine: a
// small file skips the pipeline (lesson 09), not the governor.
func (r *run) inline(ctx context.Context, j *job) error {
	r.enqueue(obs.WorkQueue, 1)
	if err := r.transform(ctx, r.s.transform(), j); err != nil {
		return err
	}
	return r.emit(ctx, j)
}

// fill takes a job and reads the next chunk or frame into it, under an I/O
// token.
func (r *run) fill(ctx context.Context) (*job, error) {
	j, err := r.jobs.take(ctx)
	if err != nil {
		return nil, r.fail(stageRead, r.next, err)
	}
	err = r.io(ctx, func() (err error) {
		trace.WithRegion(ctx, stageRead, func() { err = r.s.read(j) })
		return err
	})
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, r.fail(stageRead, r.next, err)
	}
	r.next = j.index + 1
	j.readAt = r.m.Now()
	return j, nil
}

// transform encodes or decodes j under a CPU token. The chunk leaves the
// work queue when its work starts: waiting for a token is waiting too.
func (r *run) transform(ctx context.Context, f func(*job) error, j *job) error {
	if err := r.gov.AcquireCPU(ctx); err != nil {
		return err
	}
	r.enqueue(obs.WorkQueue, -1)
	r.m.QueueWait(r.m.Since(j.readAt))
	r.m.Busy(1)
	start := r.m.Now()
	var err error
	trace.WithRegion(ctx, r.stage(), func() { err = f(j) })
	took := r.m.Since(start)
	r.m.Busy(-1)
	r.gov.ReleaseCPU()
	if err != nil {
		return r.fail(r.stage(), j.index, err)
	}
	r.m.Chunk(r.s.op(), j.rawLen, took)
	return nil
}

// emit writes j under an I/O token (Verify writes nothing and needs none).
func (r *run) emit(ctx context.Context, j *job) error {
	var err error
	if r.s.hasOutput() {
		err = r.io(ctx, func() error { return r.write(ctx, j) })
	} else {
		err = r.write(ctx, j)
	}
	if err != nil {
		return r.fail(stageWrite, j.index, err)
	}
	return nil
}

func (r *run) write(ctx context.Context, j *job) error {
	start := r.m.Now()
	var n int
	var err error
	trace.WithRegion(ctx, stageWrite, func() { n, err = r.s.write(j) })
	if r.s.hasOutput() {
		r.m.Wrote(n, r.m.Since(start))
	}
	return err
}

// io runs f under an I/O token.
func (r *run) io(ctx context.Context, f func() error) error {
	if err := r.gov.AcquireIO(ctx); err != nil {
		return err
	}
	defer r.gov.ReleaseIO()
	return f()
}

// enqueue moves a queue gauge, remembering this run's part so that close
// can take back what a cancelled run left behind.
func (r *run) enqueue(q obs.Queue, delta int) {
	r.queued[q].Add(int64(delta))
	r.m.Queued(q, delta)
}

// close returns the run's bytes and its part of the queue gauges. Call it
// once the run's goroutines have all ended.
func (r *run) close() {
	r.jobs.close()
	for q := range r.queued {
		r.m.Queued(obs.Queue(q), -int(r.queued[q].Swap(0)))
	}
}

func (r *run) stage() string {
	if r.s.op() == obs.Encode {
		return stageEncode
	}
	return stageDecode
}

// fail locates err: which run, which stage, which frame.
func (r *run) fail(stage string, frame int, err error) error {
	return &Error{Op: r.op, Stage: stage, Frame: frame, Err: err}
}
