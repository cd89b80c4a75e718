package engine

import (
	"context"
	"sync/atomic"
	"time"

	"packcourse/core/format"
	"packcourse/final/govern"
)

// A job carries one chunk through a run: the reader fills it, a worker
// transforms it, the writer emits it. Whoever holds the job owns its
// buffers; it changes hands only through channels, so nothing is copied
// and nothing is locked.
type job struct {
	index  int
	last   bool          // no chunk or frame follows this one
	in     []byte        // pack: the raw chunk; unpack: the frame's body
	out    []byte        // pack: the frame; unpack: the raw chunk
	frame  format.Frame  // unpack: the frame read (its Body is in)
	sum    [32]byte      // SHA-256 of the raw chunk, for the digest
	rawLen int           // length of the raw chunk
	readAt time.Time     // when the reader finished with it (zero without metrics)
	done   chan struct{} // the job's future: a worker sends once when out is ready
}

func newJob() *job {
	// done holds one signal, so the worker never waits for the writer.
	return &job{done: make(chan struct{}, 1)}
}

// jobPool hands out a run's jobs. A job is charged to the governor from
// its creation until it is dropped, so what the budget counts is what the
// run has allocated; at most max jobs exist at once.
type jobPool struct {
	gov   *govern.FileGov
	slot  int64     // bytes charged per job
	max   int       // most jobs alive at once
	free  chan *job // jobs ready for reuse; capacity max, so giving one back never blocks
	alive atomic.Int64
}

func newJobPool(gov *govern.FileGov, slot int64, max int) *jobPool {
	return &jobPool{gov: gov, slot: slot, max: max, free: make(chan *job, max)}
}

// docs:region job-pool

// take returns a job for the reader: a free one; else a new one if the run
// has none yet (waiting for the bytes) or if the budget has room at once;
// else the next one the writer gives back. A run with jobs in flight never
// queues for bytes: its own jobs will come back, and queueing could hold
// back other files behind a request it does not need. Only the reader
// calls take.
func (p *jobPool) take(ctx context.Context) (*job, error) {
	select {
	case j := <-p.free:
		return j, nil
	default:
	}
	switch n := p.alive.Load(); {
	case n == 0:
		if err := p.gov.AcquireBytes(ctx, p.slot); err != nil {
			return nil, err
		}
		p.alive.Add(1)
		return newJob(), nil
	case n < int64(p.max) && p.gov.TryAcquireBytes(p.slot):
		p.alive.Add(1)
		return newJob(), nil
	}
	select {
	case j := <-p.free:
		return j, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put gives a written job back. If another file is waiting for bytes and
// this run has other jobs, the job is dropped and its bytes returned
// instead: a run keeps at least one job, so the reader's wait in take
// always ends. Only the writer calls put.
func (p *jobPool) put(j *job) {
	if p.alive.Load() > 1 && p.gov.Contended() {
		p.alive.Add(-1)
		p.gov.ReleaseBytes(p.slot) // the buffers are left to the garbage collector
		return
	}
	p.free <- j // never blocks: free has room for every job alive
}

// docs:endregion job-pool

// close returns the bytes of every job still alive. Call it once the run's
// goroutines have all ended.
func (p *jobPool) close() {
	p.gov.ReleaseBytes(p.alive.Swap(0) * p.slot)
}
