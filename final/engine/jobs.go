package engine

import (
	"context"
	"sync"
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
	off    int64         // pack: where the chunk starts in the input
	readAt time.Time     // when the reader finished with it (zero without metrics)
	err    error         // why reading or transforming it failed, for the writer to report in order
	done   chan struct{} // the job's future: sent once when out (or err) is ready
	bytes  govern.Grant  // what its buffers are charged
	spares spareKey      // where in and out go back to when the job is dropped
}

// newJobs returns the function that makes a run's jobs. Each starts with
// the buffers of a job an earlier run dropped, if there are any of the
// same kind: a run would otherwise allocate (and the kernel fault in) a
// chunk and a frame buffer per job, which for a small file costs more
// than packing it, and for a large one is megabytes of fresh memory per
// run. Pack reads into a chunk-sized buffer; unpack's buffers grow as the
// frame's bytes arrive (see unpackSteps.read), so they start empty.
func newJobs(op Op, chunkSize int) func() *job {
	k := spareKey{size: chunkSize, pack: op == Pack}
	return func() *job {
		// done holds one signal, so the worker never waits for the writer.
		return &job{done: make(chan struct{}, 1), spares: k, in: k.take(false), out: k.take(true)}
	}
}

func (j *job) grant() *govern.Grant { return &j.bytes }

// retire gives the job's buffers back for the jobs of later runs.
func (j *job) retire() {
	j.spares.give(false, j.in)
	j.spares.give(true, j.out)
	j.in, j.out, j.frame = nil, nil, format.Frame{}
}

// A spareKey says which jobs' buffers are interchangeable: those of runs
// in the same direction with the same chunk size, for which a job is
// charged jobBytes(size). Every buffer a job holds stays within that
// charge (format.Reader and the Decoder never grow one past what the
// header's chunk size allows), so a job that takes a spare holds no more
// than it was charged for. As with a coder's state (coder.retire), a
// buffer waiting here is not charged, and the garbage collector frees
// what no job takes within two collections.
type spareKey struct {
	size int
	pack bool
}

// spares holds one sync.Pool of *[]byte for each end (in, out) of each
// spareKey's jobs.
var spares sync.Map // spareEnd -> *sync.Pool

type spareEnd struct {
	spareKey
	out bool
}

// take returns a spare buffer for a job's out (or in) end, empty, or nil
// if there is none.
func (k spareKey) take(out bool) []byte {
	if b, ok := k.pool(out).Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

// give keeps b, the out (or in) buffer of a job being dropped, for a later
// job.
func (k spareKey) give(out bool, b []byte) {
	if cap(b) > 0 {
		k.pool(out).Put(&b)
	}
}

func (k spareKey) pool(out bool) *sync.Pool {
	e := spareEnd{k, out}
	if p, ok := spares.Load(e); ok {
		return p.(*sync.Pool)
	}
	p, _ := spares.LoadOrStore(e, new(sync.Pool))
	return p.(*sync.Pool)
}

// A coder is one worker's Encoder or Decoder, with the memory it holds
// charged to the budget for as long as it exists.
type coder struct {
	apply   func(*job) error
	release func() // gives the Encoder's or Decoder's state back for reuse
	bytes   govern.Grant
}

func newCoder(s steps) func() *coder {
	return func() *coder {
		apply, release := s.newCoder()
		return &coder{apply: apply, release: release}
	}
}

func (c *coder) grant() *govern.Grant { return &c.bytes }

// retire gives the coder's state to the codec's pool. It is not charged
// there: it is at most what the coders alive at the peak were charged,
// the next coder made takes it with a charge of its own, and the garbage
// collector frees what no coder takes.
func (c *coder) retire() { c.release() }

// charged is what a budgetPool holds: things whose memory is charged to
// the governor, each with its grant, and retired when the pool drops them.
type charged interface {
	comparable
	grant() *govern.Grant
	retire()
}

// docs:region budget-pool

// A budgetPool hands out a run's jobs, or its workers' coders: things that
// hold memory, each charged to the governor from its creation until it is
// dropped, so that what the budget counts is what the run has allocated.
// The first one's bytes are given (the run waited for them); at most max
// exist.
type budgetPool[T charged] struct {
	gov     *govern.FileGov
	cost    int64 // bytes charged for each
	max     int
	newItem func() T
	free    chan T // ready for reuse; capacity max, so giving one back never blocks

	mu    sync.Mutex
	first govern.Grant   // the first one's bytes, until it is made
	alive map[T]struct{} // every one that exists, so close can release them all
}

func newBudgetPool[T charged](gov *govern.FileGov, first govern.Grant, max int, newItem func() T) *budgetPool[T] {
	return &budgetPool[T]{
		gov: gov, cost: first.Size(), max: max, newItem: newItem, first: first,
		free: make(chan T, max), alive: map[T]struct{}{},
	}
}

// take returns a free one; else a new one if there is none yet (with the
// bytes given for the first) or if the budget has room at once; else the
// next one given back. A run with some in use never queues for bytes: its own will
// come back, and queueing could hold back other files behind a request it
// does not need.
func (p *budgetPool[T]) take(ctx context.Context) (T, error) {
	select {
	case v := <-p.free:
		return v, nil
	default:
	}
	if v, ok := p.grow(); ok {
		return v, nil
	}
	select {
	case v := <-p.free:
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// grow makes one more if the pool may, charging it to the budget.
func (p *budgetPool[T]) grow() (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var bytes govern.Grant
	switch n := len(p.alive); {
	case n == 0:
		bytes, p.first = p.first, govern.Grant{}
	case n < p.max:
		var ok bool
		if bytes, ok = p.gov.TryAcquireBytes(p.cost); !ok {
			var zero T
			return zero, false
		}
	default:
		var zero T
		return zero, false
	}
	v := p.newItem()
	*v.grant() = bytes
	p.alive[v] = struct{}{}
	return v, true
}

// put gives one back. If another file waits for the bytes it was charged
// from and the run has others, it is dropped and its bytes returned
// instead. A run keeps at least one, so its waits in take always end.
func (p *budgetPool[T]) put(v T) {
	p.mu.Lock()
	drop := len(p.alive) > 1 && v.grant().Wanted()
	if drop {
		delete(p.alive, v)
	}
	p.mu.Unlock()
	if drop {
		v.retire()
		v.grant().Release()
		return
	}
	p.free <- v // never blocks: free has room for every one alive
}

// docs:endregion budget-pool

// close returns the bytes of every one still alive. Call it once the run's
// goroutines have all ended.
func (p *budgetPool[T]) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for v := range p.alive {
		v.retire()
		v.grant().Release()
	}
	clear(p.alive)
	p.first.Release() // if the first was never made
	p.first = govern.Grant{}
}
