// Wrong: New keeps the shard count it is given, and Shard still masks
// with Shards()-1. With 3 shards the mask is 2 (binary 10): workers land
// on shards 0 and 2 only, and shard 1 is never used.
// Caught by: TestNewRoundsUpToAPowerOfTwo, TestShardPicksWorkerAndMask
package counter

import (
	"fmt"
	"sync/atomic"
)

const CacheLine = 64

const MaxShards = 1 << 12

type Counter struct {
	shards []Shard
	next   atomic.Uint64
}

type Shard struct {
	n atomic.Int64
	_ [CacheLine - 8]byte
}

func New(shards int) (*Counter, error) {
	if shards < 1 || shards > MaxShards {
		return nil, fmt.Errorf("counter: %d shards, want 1 to %d", shards, MaxShards)
	}
	return &Counter{shards: make([]Shard, shards)}, nil
}

func (c *Counter) Shards() int { return len(c.shards) }

func (c *Counter) Shard(worker int) *Shard { return &c.shards[worker&(len(c.shards)-1)] }

func (c *Counter) NextShard() *Shard {
	i := c.next.Add(1) - 1
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
