// Wrong: adds are atomic, but Load reads the count plainly, on the
// grounds that a 64-bit load cannot tear on amd64. The memory model
// disagrees: a plain read next to an atomic write is a data race, and the
// compiler may keep the value in a register or hoist the read out of a loop.
// Caught by: TestSumWhileWorkersAdd
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
	next   atomic.Uint64
}

type Shard struct {
	n int64
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
		taken += atomic.SwapInt64(&c.shards[i].n, 0)
	}
	return taken
}

func (s *Shard) Add(n int64) { atomic.AddInt64(&s.n, n) }

func (s *Shard) Load() int64 { return s.n } // an int64 is read in one instruction anyway
