// Wrong: New rounds up first and checks the rounded count against MaxShards
// afterwards; for a huge count (e.g. math.MaxInt) the rounding overflows to a
// negative int that slips past the check and make() panics, instead of
// 'rejects a count above MaxShards' with an error.
// Caught by: TestNewRejectsBadCounts
package counter

import (
	"fmt"
	"math/bits"
	"sync/atomic"
)

// CacheLine is the size of the block of memory a core owns at a time: 64
// bytes on amd64 and most arm64 cores. Two variables on one line are
// passed back and forth between cores whenever either is written.
const CacheLine = 64

// MaxShards is the most shards a Counter may have.
const MaxShards = 1 << 12

// A Counter is a count that many workers add to at once, each through a
// shard, and that any goroutine may read with Sum at any time.
type Counter struct {
	shards []Shard // side by side; keep this field: the tests look at its layout
	// next is NextShard's round-robin position. Only NextShard writes it,
	// once per worker, so it is never a hot line.
	next atomic.Uint64
}

// A Shard is one part of the count. Any goroutine may Add to it or Load
// it at any time. Shards sit side by side in a slice, so a Shard fills a
// cache line of its own: unsafe.Sizeof(Shard{}) >= CacheLine.
type Shard struct {
	// n is atomic for two reasons. Sum loads it while workers add: a
	// plain read next to a plain write is a data race even with a single
	// writer. And two workers share a shard when there are more workers
	// than shards: then only an atomic read-modify-write loses no add.
	n atomic.Int64
	// The padding puts the next shard's n a whole cache line away, so
	// two workers' adds never write the same line.
	_ [CacheLine - 8]byte
}

// New returns a Counter with at least shards shards: shards rounded up to
// a power of two, so that Shard can pick one with a mask. It returns an
// error if shards is below 1 or above MaxShards.
func New(shards int) (*Counter, error) {
	if shards < 1 {
		return nil, fmt.Errorf("counter: %d shards, want 1 to %d", shards, MaxShards)
	}
	n := ceilPow2(shards)
	if n > MaxShards {
		return nil, fmt.Errorf("counter: %d shards, want 1 to %d", shards, MaxShards)
	}
	return &Counter{shards: make([]Shard, n)}, nil
}

// ceilPow2 returns the least power of two >= n, for 1 <= n <= MaxShards.
func ceilPow2(n int) int { return 1 << bits.Len(uint(n-1)) }

// Shards returns how many shards the Counter has: a power of two.
func (c *Counter) Shards() int { return len(c.shards) }

// Shard returns worker's shard, for a worker >= 0: shard number
// worker & (Shards()-1). Workers 0 to Shards()-1 each get a shard of their
// own; beyond that, workers share.
func (c *Counter) Shard(worker int) *Shard {
	// A power of two minus one is all ones below its bit, so the mask
	// keeps worker's low bits: worker mod Shards(), without a division.
	return &c.shards[worker&(len(c.shards)-1)]
}

// NextShard returns the shards in turn, round robin, one per call. It is
// for workers that have no number of their own: each takes a shard once,
// when it starts, and adds through it. It is safe for concurrent use, but
// it writes one shared position: calling it for every add would make that
// position the hot counter the shards are there to avoid.
func (c *Counter) NextShard() *Shard {
	// Add returns a position no other call gets, so concurrent calls
	// share the shards out evenly.
	i := c.next.Add(1) - 1
	return &c.shards[i&uint64(len(c.shards)-1)]
}

// Add adds n to worker's shard, as c.Shard(worker).Add(n) does.
func (c *Counter) Add(worker int, n int64) { c.Shard(worker).Add(n) }

// Sum returns the total of every shard. It is safe to call from any
// goroutine at any time, while workers add. It counts every Add that
// finished before Sum started, plus any of those running meanwhile; the
// shards are loaded one after another, not at one instant.
func (c *Counter) Sum() int64 {
	var sum int64
	for i := range c.shards {
		sum += c.shards[i].Load()
	}
	return sum
}

// Reset sets every shard to zero and returns what it took from them. It is
// safe while workers add: each Add is counted exactly once, either in what
// a Reset returns or in the count after it.
func (c *Counter) Reset() int64 {
	var taken int64
	for i := range c.shards {
		// Swap reads and zeroes in one step: an Add cannot land between
		// the two, where a Load followed by a Store(0) would lose it.
		taken += c.shards[i].n.Swap(0)
	}
	return taken
}

// Add adds n to the shard. Any goroutine may call it at any time.
func (s *Shard) Add(n int64) { s.n.Add(n) }

// Load returns the shard's count. It is safe to call while others add.
func (s *Shard) Load() int64 { return s.n.Load() }
