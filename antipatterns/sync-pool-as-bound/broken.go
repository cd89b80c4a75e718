// Package poolasbound shows sync.Pool used as a bound: a buffer pool meant
// to cap memory at size chunk buffers is built on sync.Pool and filled
// with size buffers. But sync.Pool bounds nothing: when it is empty, Get
// calls New and hands out another buffer, so every worker gets one and
// memory grows with the worker count. (And the garbage collector may
// empty the pool at any time, so it does not even keep the size it was
// given.) sync.Pool is a cache that saves allocations, never a limit.
//
// A common mistake. The sync.Pool documentation promises reuse and
// nothing else; jackc/puddle#38 lists "no way to limit max resources"
// first among the reasons sync.Pool is not a resource pool.
package poolasbound

import (
	"sync"
	"sync/atomic"

	"packcourse/antipatterns/internal/pipeline"
)

// A Pool hands out chunk buffers: Get takes one, Put returns it.
// Allocated reports how many buffers the pool has made.
type Pool interface {
	Get() []byte
	Put([]byte)
	Allocated() int
}

// PoolBroken is meant to hold at most size buffers.
type PoolBroken struct {
	pool      sync.Pool
	allocated atomic.Int64
}

// NewPoolBroken returns a pool filled with size buffers of bufSize bytes.
func NewPoolBroken(size, bufSize int) *PoolBroken {
	p := &PoolBroken{}
	p.pool.New = func() any { // The mistake: an empty pool makes another buffer.
		p.allocated.Add(1)
		buf := make([]byte, bufSize)
		return &buf
	}
	for range size {
		p.pool.Put(p.pool.New())
	}
	return p
}

// Get returns a buffer; it never waits.
func (p *PoolBroken) Get() []byte { return *p.pool.Get().(*[]byte) }

// Put gives a buffer back.
func (p *PoolBroken) Put(buf []byte) { p.pool.Put(&buf) }

// Allocated reports how many buffers New has made.
func (p *PoolBroken) Allocated() int { return int(p.allocated.Load()) }

// A Reader fills buf with chunk i's bytes and returns them; reading takes
// time.
type Reader func(i int, buf []byte) []byte

// Pack compresses n chunks with the given number of workers, each reading
// its chunk into a buffer from pool. It is the same for both pools: the
// pool is what bounds the memory, or fails to.
func Pack(n, workers int, pool Pool, read Reader) []pipeline.Frame {
	frames := make([]pipeline.Frame, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				buf := pool.Get()
				frames[i] = pipeline.Compress(pipeline.Chunk{Index: i, Data: read(i, buf)})
				pool.Put(buf)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return frames
}
