package poolasbound

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const (
	chunks, chunkSize = 32, 1024
	bound             = 2 // buffers the pool is meant to allow
	workers           = 8
)

// counting wraps a pool and records the most buffers out at once.
type counting struct {
	Pool
	mu        sync.Mutex
	out, peak int
}

func (c *counting) Get() []byte {
	buf := c.Pool.Get()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out++
	c.peak = max(c.peak, c.out)
	return buf
}

func (c *counting) Put(buf []byte) {
	c.mu.Lock()
	c.out--
	c.mu.Unlock()
	c.Pool.Put(buf)
}

// use packs in a synctest bubble, where a read takes a millisecond of fake
// time, so all workers have asked for a buffer before any gives one back:
// the peak is what the pool allows, on every run. It returns the peak and
// the buffers the pool made, and checks the output. The pool is made
// inside the bubble: a wait on a channel made outside it is not one the
// fake clock can see.
func use(t *testing.T, newPool func(size, bufSize int) Pool) (peak, allocated int) {
	data := pipeline.Input(chunks*chunkSize, 81)
	parts := pipeline.Split(data, chunkSize)
	read := func(i int, buf []byte) []byte {
		time.Sleep(time.Millisecond)
		return buf[:copy(buf, parts[i].Data)]
	}
	var (
		c      *counting
		frames []pipeline.Frame
	)
	synctest.Test(t, func(t *testing.T) {
		c = &counting{Pool: newPool(bound, chunkSize)}
		frames = Pack(chunks, workers, c, read)
	})
	var out []byte
	for _, f := range frames {
		out = append(out, f.Encode()...)
	}
	if !bytes.Equal(out, pipeline.Pack(data, chunkSize)) {
		t.Fatal("output differs from the sequential reference")
	}
	return c.peak, c.Allocated()
}

func TestBrokenHandsOutPastTheBound(t *testing.T) {
	peak, allocated := use(t, broken)
	if peak != workers {
		t.Fatalf("%d buffers out at once, want %d: one per worker, whatever the bound", peak, workers)
	}
	// Eight buffers out at once are eight distinct buffers; how many more
	// New made depends on when the garbage collector empties the pool.
	if allocated < workers {
		t.Fatalf("New made %d buffers, want at least %d", allocated, workers)
	}
}

func TestFixedHoldsTheBound(t *testing.T) {
	peak, allocated := use(t, fixed)
	if peak != bound || allocated != bound {
		t.Fatalf("%d buffers out at once, %d made; want %d and %d", peak, allocated, bound, bound)
	}
}

func broken(size, bufSize int) Pool { return NewPoolBroken(size, bufSize) }
func fixed(size, bufSize int) Pool  { return NewPoolFixed(size, bufSize) }

func show(t *testing.T, newPool func(int, int) Pool) {
	peak, allocated := use(t, newPool)
	fmt.Printf("%d workers, a pool meant to hold %d buffers\nbuffers out at once: %d\nbuffers made:        %d\n", workers, bound, peak, allocated)
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: sync.Pool filled with 2 buffers")
	show(t, broken)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: a channel holding 2 buffers")
	show(t, fixed)
}
