// Package condchannel shows a communication deadlock of a condition
// variable and a channel: a worker waits on a sync.Cond for a buffer that
// only the writer can give back, and the writer waits on a channel for the
// frame that worker was going to send.
//
// Modelled on moby/moby#27782: a log follower waited in w.cv.Wait() while
// the file-watcher goroutine that would have let it go on was blocked
// sending on the watcher's Events channel.
package condchannel

import (
	"sync"
	"time"

	"packcourse/antipatterns/internal/pipeline"
)

// Pool lends out a fixed set of buffers; Get waits on a sync.Cond while
// all are lent out.
type Pool struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int
}

// NewPool returns a pool of n buffers.
func NewPool(n int) *Pool {
	p := &Pool{free: n}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Get waits for a buffer and takes it.
func (p *Pool) Get() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.free == 0 {
		p.cond.Wait()
	}
	p.free--
}

// Put gives a buffer back.
func (p *Pool) Put() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free++
	p.cond.Signal()
}

// ReadDelay is how long reading chunk i takes. Production reads a disk;
// the tests make early chunks slow, so a later chunk asks for the pool
// first.
type ReadDelay func(i int) time.Duration

// PackBroken reads and compresses each chunk in its own goroutine, each
// taking a buffer from the pool, and writes frames in index order,
// returning each frame's buffer once it is written.
func PackBroken(chunks []pipeline.Chunk, p *Pool, delay ReadDelay) []pipeline.Frame {
	results := make(chan pipeline.Frame)
	for _, c := range chunks {
		go func() {
			time.Sleep(delay(c.Index)) // reading the chunk
			p.Get()                    // The mistake: buffers go to whoever asks first.
			results <- pipeline.Compress(c)
		}()
	}
	return writeInOrder(results, len(chunks), p)
}

// writeInOrder receives frames in any order and emits them in index order,
// giving each frame's buffer back once it is emitted. Frames that arrive
// early wait, holding their buffers, for the frames before them.
func writeInOrder(results <-chan pipeline.Frame, n int, p *Pool) []pipeline.Frame {
	out := make([]pipeline.Frame, 0, n)
	early := map[int]pipeline.Frame{}
	for len(out) < n {
		f := <-results
		early[f.Index] = f
		for {
			next, ok := early[len(out)]
			if !ok {
				break
			}
			delete(early, len(out))
			out = append(out, next)
			p.Put()
		}
	}
	return out
}
