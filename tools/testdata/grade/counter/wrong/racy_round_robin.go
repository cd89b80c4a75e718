// Wrong: NextShard's position is a plain uint64 advanced with ++. Two
// workers taking a shard at once race on it, may get the same turn, and
// leave other shards unused.
// Caught by: TestNextShardIsSafeForConcurrentUse
package counter

import (
	"fmt"
	"math/bits"
	"sync/atomic"
)

const CacheLine = 64

const MaxShards = 1 << 12

type Counter struct {
	shards []Shard
	next   uint64
}

type Shard struct {
	n atomic.Int64
	_ [CacheLine - 8]byte
}

func New(shards int) (*Counter, error) {
	if shards < 1 || shards > MaxShards {
		return nil, fmt.Errorf("counter: %d shards, want 1 to %d", shards, MaxShards)
	}
	return &Counter{shards: make([]Shard, 1<<bits.Len(uint(shards-1)))}, nil
}

func (c *Counter) Shards() int { return len(c.shards) }

func (c *Counter) Shard(worker int) *Shard { return &c.shards[worker&(len(c.shards)-1)] }

func (c *Counter) NextShard() *Shard {
	i := c.next
	c.next++
	return &c.shards[i&uint64(len(c.shards)-1)]
}

func (c *Counter) Add(worker int, n int64) { c.Shard(worker).Add(n) }

func (c *Counter) Sum() int64 {
	var sum int64
	for i := range c.shards {
		sum += c.shards[i].Load()
	}
	return sum
}

func (c *Counter) Reset() int64 {
	var taken int64
	for i := range c.shards {
		taken += c.shards[i].n.Swap(0)
	}
	return taken
}

func (s *Shard) Add(n int64) { s.n.Add(n) }

func (s *Shard) Load() int64 { return s.n.Load() }
