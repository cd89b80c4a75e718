package engine

import (
	"context"
	"sync/atomic"
)

// docs:region pool
// A pool is a fixed number of reusable byte buffers, passed from goroutine
// to goroutine: get takes one out, waiting while all are in use, and put
// gives it back. Whoever holds a buffer owns it; nobody else touches it.
// The pool is a buffered channel with one slot per buffer. Slots start
// empty (nil): the first user of a slot makes its buffer, which is then
// reused for every chunk after, so a small input never pays for the whole
// pool.
//
// Why not sync.Pool: it never makes anyone wait. When it is empty, Get
// just makes another buffer, so it bounds nothing and cannot hold back a
// reader that runs ahead; and the garbage collector may empty it at any
// time, so nobody could check that every buffer came back.
type pool struct {
	free chan []byte
	// spares is set in governed runs. The bytes that paid for a buffer go
	// back to the Governor's budget with its chunk (see ChunkCost), so
	// the run cannot keep the buffer in its slot: put hands it to spares
	// and leaves the slot empty, and get, finding a slot empty, asks
	// spares for a buffer of capacity size (0: sizes vary, none reused).
	// With byCap (an adaptive run's), put keeps each buffer under its own
	// capacity instead, and the run asks spares for the size it needs.
	spares *Governor
	size   int
	byCap  bool
}

func newPool(slots int) *pool {
	p := &pool{free: make(chan []byte, slots)}
	for range slots {
		p.free <- nil
	}
	return p
}

// get takes a buffer (nil if its slot has none yet), waiting while all are
// in use, or returns ctx's error. A wait is counted in waits (when not nil).
func (p *pool) get(ctx context.Context, waits *atomic.Int64) ([]byte, error) {
	b, _, err := receive(ctx, p.free, waits)
	if b == nil && err == nil && p.spares != nil {
		b = p.spares.spare(p.size)
	}
	return b, err
}

// governed makes p a governed run's pool, of buffers of capacity size.
func (p *pool) governed(g *Governor, size int) {
	p.spares, p.size = g, size
}

// byCapacity has put keep each buffer under its own capacity, and get
// hand out none from spares: the run asks for the size it needs (fit).
func (p *pool) byCapacity() {
	p.size, p.byCap = 0, true
}

// put gives b back, emptied, with its capacity. It never blocks: there is
// a slot for every buffer get handed out. A put with no slot free is a
// buffer given back twice, a bug worth stopping for.
func (p *pool) put(b []byte) {
	if p.spares != nil {
		size := p.size
		if p.byCap {
			size = cap(b)
		}
		p.spares.keep(b, size)
		b = nil
	}
	select {
	case p.free <- b[:0]:
	default:
		panic("engine: buffer put back into a full pool")
	}
}

// docs:endregion pool

// poolAudit is what a pool holds once a run is over.
type poolAudit struct {
	made  int   // slots whose buffer was made
	bytes int64 // capacity of those buffers
	out   int   // buffers that never came back
}

// audit counts the buffers back in the pool and their capacity. Call it
// only when no goroutine uses the pool any more.
func (p *pool) audit() poolAudit {
	a := poolAudit{out: cap(p.free) - len(p.free)}
	for range len(p.free) {
		b := <-p.free
		if cap(b) > 0 {
			a.made++
			a.bytes += int64(cap(b))
		}
		p.free <- b
	}
	return a
}
