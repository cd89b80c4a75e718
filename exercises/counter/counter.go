// Package counter is a sharded counter: many workers add to one count at
// once, each through a shard of its own, and any goroutine may read the
// total while they do. It is the counter lesson 05 benchmarks as
// kind=padded-atomic, with what a real one needs besides. See README.md
// for the task.
package counter

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
	// TODO: NextShard's round-robin position, which many goroutines may
	//       advance at once.
}

// A Shard is one part of the count. Any goroutine may Add to it or Load
// it at any time. Shards sit side by side in a slice, so a Shard fills a
// cache line of its own: unsafe.Sizeof(Shard{}) >= CacheLine.
type Shard struct {
	// TODO: the shard's count, which workers add to while others read
	//       it, and padding so that the next Shard's count is at least
	//       CacheLine bytes away.
}

// New returns a Counter with at least shards shards: shards rounded up to
// a power of two, so that Shard can pick one with a mask. It returns an
// error if shards is below 1 or above MaxShards.
func New(shards int) (*Counter, error) {
	// TODO: reject shards out of range; round up to a power of two.
	return &Counter{shards: make([]Shard, max(shards, 1))}, nil
}

// Shards returns how many shards the Counter has: a power of two.
func (c *Counter) Shards() int { return len(c.shards) }

// Shard returns worker's shard, for a worker >= 0: shard number
// worker & (Shards()-1). Workers 0 to Shards()-1 each get a shard of their
// own; beyond that, workers share.
func (c *Counter) Shard(worker int) *Shard {
	// TODO: pick the worker's shard with the mask.
	return &c.shards[0]
}

// NextShard returns the shards in turn, round robin, one per call. It is
// for workers that have no number of their own: each takes a shard once,
// when it starts, and adds through it. It is safe for concurrent use, but
// it writes one shared position: calling it for every add would make that
// position the hot counter the shards are there to avoid.
func (c *Counter) NextShard() *Shard {
	// TODO: the next shard in turn, safely for calls at the same time.
	return &c.shards[0]
}

// Add adds n to worker's shard, as c.Shard(worker).Add(n) does.
func (c *Counter) Add(worker int, n int64) {
	// TODO: add n to the worker's shard.
}

// Sum returns the total of every shard. It is safe to call from any
// goroutine at any time, while workers add. It counts every Add that
// finished before Sum started, plus any of those running meanwhile; the
// shards are loaded one after another, not at one instant.
func (c *Counter) Sum() int64 {
	// TODO: the total of every shard.
	return 0
}

// Reset sets every shard to zero and returns what it took from them. It is
// safe while workers add: each Add is counted exactly once, either in what
// a Reset returns or in the count after it.
func (c *Counter) Reset() int64 {
	// TODO: take each shard's count and zero it, losing no Add that runs
	//       meanwhile.
	return 0
}

// Add adds n to the shard. Any goroutine may call it at any time.
func (s *Shard) Add(n int64) {
	// TODO: add n, safely for other Adds and Loads at the same time.
}

// Load returns the shard's count. It is safe to call while others add.
func (s *Shard) Load() int64 {
	// TODO: read the count, safely for Adds at the same time.
	return 0
}
