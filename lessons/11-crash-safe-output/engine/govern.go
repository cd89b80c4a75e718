package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/semaphore"
)

// docs:region Governor
// A Governor shares one machine between every file packed at once. It
// hands out three resources, each a golang.org/x/sync/semaphore.Weighted:
//
//   - CPU tokens: a worker holds one while it encodes or decodes a chunk;
//   - I/O tokens: a reader or writer holds one for one read or one write;
//   - bytes: a chunk holds the bytes of its buffers from the moment it is
//     read until its frame is written. Limits.SmallBytes of them may be
//     set apart as the small lane, which only small files queue on (see
//     acquireSmall).
//
// Every run that shares it acquires in one order, and that order is what
// makes deadlock impossible: a chunk's bytes first, all of them in one
// request; then, one step at a time, a single token for that step, given
// back before anything else is waited for. Nobody waits for bytes while
// holding a token, and nobody holds two tokens. See the README for the
// argument.
type Governor struct {
	limits Limits
	cpu    *semaphore.Weighted
	io     *semaphore.Weighted
	bytes  *semaphore.Weighted // the budget less the small lane: every file may use it
	small  *semaphore.Weighted // the small lane: nil when Limits.SmallBytes is 0

	busy, reading, held gauge // CPU tokens, I/O tokens and bytes held now, with their peaks

	sparesMu sync.Mutex
	spares   map[int]*sync.Pool // buffers no chunk holds, by capacity
}

// Limits are a Governor's sizes. CPU, IO and Bytes must be at least 1.
type Limits struct {
	CPU   int   // encodes and decodes running at once, across every file
	IO    int   // reads and writes in progress at once, across every file
	Bytes int64 // bytes of chunk and frame buffers held at once, across every file

	// SmallBytes is the part of Bytes set apart for small files (one
	// chunk or less, packed on the fast path): the small lane. 0 means
	// no lane, every file queues on the whole budget, as in lesson 08.
	// It must be less than Bytes, so that large files keep some.
	SmallBytes int64
}

// docs:endregion Governor

// NewGovernor returns a Governor with the given limits.
func NewGovernor(l Limits) (*Governor, error) {
	if l.CPU < 1 || l.IO < 1 || l.Bytes < 1 {
		return nil, fmt.Errorf("engine: every limit must be at least 1, got %+v", l)
	}
	if l.SmallBytes < 0 || l.SmallBytes >= l.Bytes {
		return nil, fmt.Errorf("engine: the small lane must be at least 0 and less than the budget (%d bytes), got %d", l.Bytes, l.SmallBytes)
	}
	g := &Governor{
		limits: l,
		cpu:    semaphore.NewWeighted(int64(l.CPU)),
		io:     semaphore.NewWeighted(int64(l.IO)),
		bytes:  semaphore.NewWeighted(l.Bytes - l.SmallBytes),
		spares: map[int]*sync.Pool{},
	}
	if l.SmallBytes > 0 {
		g.small = semaphore.NewWeighted(l.SmallBytes)
	}
	return g, nil
}

// Limits returns the limits g was made with.
func (g *Governor) Limits() Limits { return g.limits }

// GovernorStats are what a Governor's runs hold now, and the most of each
// resource they ever held at once.
type GovernorStats struct {
	CPU   int   // CPU tokens held now: workers encoding or decoding
	IO    int   // I/O tokens held now: reads and writes in progress
	Bytes int64 // bytes held now by chunks in flight, small lane included

	PeakCPU   int   // most CPU tokens held at once: busy workers, across every file
	PeakIO    int   // most I/O tokens held at once: reads and writes in progress
	PeakBytes int64 // most bytes held at once: buffered bytes, across every file
}

// Stats returns what is held now and the peaks so far. It is safe to call
// at any time; each field is read atomically, but not all at one instant.
func (g *Governor) Stats() GovernorStats {
	return GovernorStats{
		CPU:       int(g.busy.now.Load()),
		IO:        int(g.reading.now.Load()),
		Bytes:     g.held.now.Load(),
		PeakCPU:   int(g.busy.peak.Load()),
		PeakIO:    int(g.reading.peak.Load()),
		PeakBytes: g.held.peak.Load(),
	}
}

// docs:region fail-fast
// ErrOverBudget is wrapped by the error for a request of more bytes than
// the whole budget.
var ErrOverBudget = errors.New("request larger than the whole byte budget")

// acquireBytes waits for n bytes, first come first served, or until ctx
// is done. A request larger than the whole budget fails at once: it could
// never be granted, even with every other file finished, so waiting would
// only hang the file until it is cancelled, without saying why.
// (semaphore.Weighted would not let it block the others meanwhile: since
// 2017 it lets smaller requests behind an impossible one pass. The reason
// to refuse it is that it can never be satisfied.)
func (g *Governor) acquireBytes(ctx context.Context, n int64) error {
	if err := g.fits(n); err != nil {
		return err
	}
	return acquire(ctx, g.bytes, &g.held, n)
}

// fits fails for a request of more bytes than the whole budget (less the
// small lane, which a large file may not use).
func (g *Governor) fits(n int64) error {
	if shared := g.limits.Bytes - g.limits.SmallBytes; n > shared {
		return fmt.Errorf("%w: one chunk needs %d bytes, the budget holds %d", ErrOverBudget, n, shared)
	}
	return nil
}

// docs:endregion fail-fast

func (g *Governor) releaseBytes(n int64) { release(g.bytes, &g.held, n) }

// docs:region acquireSmall
// acquireSmall is acquireBytes for a small file's chunk, and returns the
// semaphore the n bytes came from, to give them back to. It takes them
// from the shared budget if they are free there at once, with nobody
// waiting (TryAcquire never jumps the line); otherwise it queues on the
// small lane, behind small files only. However many chunks of a large
// file wait for the shared budget, or hold it, none is ever ahead of a
// small file in its line. Without a lane, or for a chunk too big for it,
// it is acquireBytes.
func (g *Governor) acquireSmall(ctx context.Context, n int64) (*semaphore.Weighted, error) {
	if g.small == nil || n > g.limits.SmallBytes {
		return g.bytes, g.acquireBytes(ctx, n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if g.bytes.TryAcquire(n) {
		g.held.add(n)
		return g.bytes, nil
	}
	return g.small, acquire(ctx, g.small, &g.held, n)
}

// docs:endregion acquireSmall

// docs:region tokens
// withCPU runs f, one encode or decode, under a CPU token. f must not wait
// for anything: the token is held only while the CPU works.
func (g *Governor) withCPU(ctx context.Context, f func() error) error {
	if err := acquire(ctx, g.cpu, &g.busy, 1); err != nil {
		return err
	}
	defer release(g.cpu, &g.busy, 1)
	return f()
}

// withIO runs f, one read or one write, under an I/O token. f must not
// wait for anything but the file it reads or writes.
func (g *Governor) withIO(ctx context.Context, f func() error) error {
	if err := acquire(ctx, g.io, &g.reading, 1); err != nil {
		return err
	}
	defer release(g.io, &g.reading, 1)
	return f()
}

// docs:endregion tokens

// acquire takes n units of s, counted in held, or returns ctx's error. A
// cancelled ctx never acquires, even when the units are free, so a run
// that has been cancelled stops at its next step.
func acquire(ctx context.Context, s *semaphore.Weighted, held *gauge, n int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.Acquire(ctx, n); err != nil {
		return err
	}
	held.add(n)
	return nil
}

// release gives n units back. The gauge goes down first, so it never
// shows more than the semaphore holds.
func release(s *semaphore.Weighted, held *gauge, n int64) {
	held.add(-n)
	s.Release(n)
}

// docs:region spares
// keep takes the buffer of a chunk that is done, if its capacity is size,
// for the next chunk of any file that needs one that size; spare hands it
// out again (nil if there is none). Without them every chunk would make
// new buffers, and the collector would free the old ones when it runs.
//
// They are a sync.Pool, which lesson 04 would not use as a pool because
// it bounds nothing. Here it need not: the budget bounds the buffers that
// chunks hold, and charges each chunk the capacities that spare hands out.
// A buffer in spares is held by no chunk: it is memory that would
// otherwise be garbage waiting for the collector, and the collector may
// still take it.
func (g *Governor) keep(b []byte, size int) {
	if size > 0 && cap(b) == size {
		g.sparesOf(size).Put(b[:0])
	}
}

func (g *Governor) spare(size int) []byte {
	if size == 0 {
		return nil
	}
	b, _ := g.sparesOf(size).Get().([]byte)
	return b
}

// docs:endregion spares

func (g *Governor) sparesOf(size int) *sync.Pool {
	g.sparesMu.Lock()
	defer g.sparesMu.Unlock()
	p, ok := g.spares[size]
	if !ok {
		p = new(sync.Pool)
		g.spares[size] = p
	}
	return p
}

// governed is what one run uses of a Governor: g, or nothing at all when
// g is nil, which is lesson 05's engine. Its methods are the run's hooks.
type governed struct{ g *Governor }

// docs:region hooks
// takeChunk waits for the bytes of one chunk's buffers (cost), before the
// chunk is read; the chunk holds them until dropChunk, after its frame is
// written or the run has stopped.
func (r governed) takeChunk(ctx context.Context, cost int64) error {
	if r.g == nil {
		return nil
	}
	return r.g.acquireBytes(ctx, cost)
}

func (r governed) dropChunk(cost int64) {
	if r.g != nil {
		r.g.releaseBytes(cost)
	}
}

// cpu runs one encode or decode under a CPU token.
func (r governed) cpu(ctx context.Context, f func() error) error {
	if r.g == nil {
		return f()
	}
	return r.g.withCPU(ctx, f)
}

// io runs one read or write under an I/O token.
func (r governed) io(ctx context.Context, f func() error) error {
	if r.g == nil {
		return f()
	}
	return r.g.withIO(ctx, f)
}

// docs:endregion hooks

// takeSmallChunk is takeChunk for the fast path's one chunk: its bytes
// come from acquireSmall, and drop gives them back where they came from.
func (r governed) takeSmallChunk(ctx context.Context, cost int64) (drop func(), err error) {
	if r.g == nil {
		return func() {}, nil
	}
	from, err := r.g.acquireSmall(ctx, cost)
	if err != nil {
		return nil, err
	}
	return func() { release(from, &r.g.held, cost) }, nil
}

// checkSmallCost is checkCost for the fast path: a chunk that fits the
// small lane can always start, even if it is more than the rest.
func (r governed) checkSmallCost(cost int64) error {
	if r.g == nil || (r.g.small != nil && cost <= r.g.limits.SmallBytes) {
		return nil
	}
	return r.g.fits(cost)
}

// checkCost fails at once, before anything is read, if one chunk costs
// more bytes than g's whole budget: no chunk of the run could ever start.
func (r governed) checkCost(cost int64) error {
	if r.g == nil {
		return nil
	}
	return r.g.fits(cost)
}
