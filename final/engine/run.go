package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/trace"
	"sync/atomic"

	"packcourse/core/codec"
	"packcourse/final/govern"
	"packcourse/final/obs"
)

// steps is what differs between Pack and Unpack; a run calls them in
// order. read and write are called from one goroutine at a time, in input
// order; each worker calls the coder it was given.
type steps interface {
	// session makes the container's session, deriving its keys: for Pack
	// from the options, for Unpack from the options and the header.
	session() error
	// header writes (Pack) or reads (Unpack) the container's header and
	// returns the bytes written.
	header() (int, error)
	// chunkSize and coderBytes size the run's jobs and coders; they are
	// known once the session is made.
	chunkSize() int
	coderBytes() int64
	// read fills j with the next chunk or frame, setting index and last.
	// It returns io.EOF if there is none: only before the first, since
	// the run stops reading after the last.
	read(j *job) error
	// newCoder returns a function that encodes or decodes jobs, holding
	// its own Encoder or Decoder: one worker at a time may use it; and a
	// function that gives the coder's state back for reuse once it is done.
	newCoder() (apply func(j *job) error, release func())
	// write emits j's output and adds j to the digest; it returns the
	// number of bytes written to the destination.
	write(j *job) (int, error)
	// trailer completes the container after the last job is written: Pack
	// writes it, Unpack reads it and checks the digest. It returns the
	// number of bytes written to the destination.
	trailer() (int, error)
	// hasOutput is false when write writes nothing (Verify).
	hasOutput() bool
}

// A run is one Pack, Unpack or Verify in flight. It owns everything the
// file uses: its one FileGov, from which every step takes its tokens and
// bytes, its jobs and its workers' coders.
type run struct {
	op       Op
	s        steps
	kdf      int64 // bytes a passphrase's key derivation holds; 0 without one
	gov      *govern.FileGov
	m        *obs.Metrics
	workers  int
	inFlight int

	// The run's jobs and its workers' coders. The first of each is made
	// from the bytes the run waits for (see reserve); the rest only from
	// bytes free at once.
	jobs   *budgetPool[*job]
	coders *budgetPool[*coder]

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

func newRun(e *Engine, op Op, s steps, o codec.Options) *run {
	return &run{
		op:       op,
		s:        s,
		kdf:      o.KDFBytes(),
		gov:      e.cfg.Governor.File(e.size),
		m:        e.cfg.Metrics,
		workers:  e.cfg.Workers,
		inFlight: e.cfg.InFlight,
		order:    make(chan *job, e.cfg.InFlight),
		work:     make(chan *job),
	}
}

// execute is the run's life, step by step: start (keys and header), body
// (every chunk), trailer.
func (r *run) execute(ctx context.Context) error {
	if err := r.start(ctx); err != nil {
		return err
	}
	if err := r.body(ctx); err != nil {
		return err
	}
	return r.container(ctx, r.s.trailer)
}

// start derives the keys and writes or reads the header, in the order each
// needs: Pack derives first, since the header it writes carries the salt;
// Unpack reads first, since the header says how the keys were made.
func (r *run) start(ctx context.Context) error {
	if r.op == Pack {
		if err := r.deriveKeys(ctx); err != nil {
			return err
		}
		return r.container(ctx, r.s.header)
	}
	if err := r.container(ctx, r.s.header); err != nil {
		return err
	}
	if err := r.deriveKeys(ctx); err != nil {
		return r.fail(stageRead, -1, err)
	}
	return nil
}

// deriveKeys makes the session. With a passphrase that is Argon2id: tens
// of milliseconds of one core and codec.KDFMemory bytes, on purpose. So it
// is governed like a chunk: it takes those bytes first, then a CPU token,
// and gives both back before the run takes its own. A thousand small files
// opened at once then derive a few keys at a time, within the budget.
func (r *run) deriveKeys(ctx context.Context) error {
	if r.kdf == 0 {
		return r.s.session() // a key file: HKDF only, nothing to govern
	}
	bytes, err := r.gov.AcquireBytes(ctx, r.kdf)
	if err != nil {
		return fmt.Errorf("deriving the key from the passphrase: %w", err)
	}
	defer bytes.Release()
	if err := r.gov.AcquireCPU(ctx); err != nil {
		return err
	}
	defer r.gov.ReleaseCPU()
	return r.s.session()
}

// body moves every chunk from the source to the destination: a lone chunk
// in the calling goroutine, more through the pipeline.
func (r *run) body(ctx context.Context) error {
	if err := r.reserve(ctx); err != nil {
		return err
	}
	first, err := r.fill(ctx)
	switch {
	case errors.Is(err, io.EOF): // empty input: no frames
		return nil
	case err != nil:
		return err
	case first.last:
		return r.inline(ctx, first)
	}
	return r.pipeline(ctx, first)
}

// reserve waits for the bytes of one job and one coder, the least the run
// can work with. It is the only time a run waits for memory, and it holds
// none then; later jobs and coders are made only from bytes free at once
// (see budgetPool), so runs sharing a governor never deadlock on memory.
func (r *run) reserve(ctx context.Context) error {
	slot, coderCost := jobBytes(r.s.chunkSize()), r.s.coderBytes()
	base, err := r.gov.AcquireBytes(ctx, slot+coderCost)
	if err != nil {
		return r.fail(stageRead, 0, err)
	}
	jobBase, coderBase := base.Split(slot)
	r.jobs = newBudgetPool(r.gov, jobBase, r.inFlight, newJobs(r.op, r.s.chunkSize()))
	r.coders = newBudgetPool(r.gov, coderBase, r.workers, newCoder(r.s))
	return nil
}

// inline transforms and writes a lone chunk in the calling goroutine: a
// small file skips the pipeline (lesson 09), not the governor.
func (r *run) inline(ctx context.Context, j *job) error {
	r.enqueue(obs.WorkQueue, 1)
	if err := r.transform(ctx, j); err != nil {
		return err
	}
	if j.err != nil {
		return j.err
	}
	return r.emit(ctx, j)
}

// fill takes a job and reads the next chunk or frame into it, under an I/O
// token. A read that fails returns the job too, with the error located, so
// that the reader can put the failure in its place in the output order.
func (r *run) fill(ctx context.Context) (*job, error) {
	j, err := r.jobs.take(ctx)
	if err != nil {
		return nil, err
	}
	err = r.io(ctx, func() (err error) {
		trace.WithRegion(ctx, stageRead, func() { err = r.s.read(j) })
		return err
	})
	switch {
	case errors.Is(err, io.EOF):
		return nil, err
	case err != nil:
		return j, r.fail(stageRead, r.next, err)
	}
	r.next = j.index + 1
	j.readAt = r.m.Now()
	return j, nil
}

// transform encodes or decodes j with a coder, under a CPU token. The
// chunk leaves the work queue when its work starts: waiting for a token is
// waiting too. A failure of the codec is j's: it goes into j.err, for the
// writer to report in input order. transform itself fails only when ctx
// ends while it waits.
func (r *run) transform(ctx context.Context, j *job) error {
	c, err := r.coders.take(ctx)
	if err != nil {
		return err
	}
	defer r.coders.put(c)
	if err := r.gov.AcquireCPU(ctx); err != nil {
		return err
	}
	r.enqueue(obs.WorkQueue, -1)
	r.m.QueueWait(r.m.Since(j.readAt))
	r.m.Busy(1)
	start := r.m.Now()
	trace.WithRegion(ctx, r.op.work(), func() { err = c.apply(j) })
	took := r.m.Since(start)
	r.m.Busy(-1)
	r.gov.ReleaseCPU()
	if err != nil {
		j.err = r.fail(r.op.work(), j.index, err)
		return nil
	}
	r.m.Chunk(r.op.work(), j.rawLen, took)
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

// container reads or writes the container's header or trailer with f,
// under an I/O token, and counts the bytes f says it wrote.
func (r *run) container(ctx context.Context, f func() (int, error)) error {
	start := r.m.Now()
	var n int
	err := r.io(ctx, func() (err error) {
		n, err = f()
		return err
	})
	if n > 0 {
		r.m.Wrote(n, r.m.Since(start))
	}
	if err != nil {
		return r.fail(r.op.containerStage(), -1, err)
	}
	return nil
}

// io runs f under an I/O token: one read or one write, and nothing else.
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
	if r.jobs != nil {
		r.jobs.close()
		r.coders.close()
	}
	for q := range r.queued {
		r.m.Queued(obs.Queue(q), -int(r.queued[q].Swap(0)))
	}
}

// fail locates err: which run, which stage, which frame.
func (r *run) fail(stage string, frame int, err error) error {
	return &Error{Op: r.op, Stage: stage, Frame: frame, Err: err}
}
