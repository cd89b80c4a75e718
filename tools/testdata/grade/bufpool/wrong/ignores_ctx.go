// Wrong: right in every way but one: Get waits on the channel alone, so a
// caller whose context is cancelled waits for ever.
// Caught by: TestGetStopsWhenItsContextIsDone
package bufpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

var (
	ErrForeign  = errors.New("bufpool: Put of a buffer that did not come from this pool")
	ErrReturned = errors.New("bufpool: Put of a buffer that is already back in the pool")
)

type Pool struct {
	free  chan []byte
	mu    sync.Mutex
	bufs  map[*byte][]byte
	isOut map[*byte]bool
}

func New(n, size int) (*Pool, error) {
	if n < 1 || size < 1 {
		return nil, fmt.Errorf("bufpool: bad sizes n=%d size=%d", n, size)
	}
	p := &Pool{free: make(chan []byte, n), bufs: map[*byte][]byte{}, isOut: map[*byte]bool{}}
	for range n {
		buf := make([]byte, size)
		p.bufs[&buf[0]] = buf
		p.free <- buf
	}
	return p, nil
}

func (p *Pool) Get(ctx context.Context) ([]byte, error) {
	buf := <-p.free
	p.mu.Lock()
	p.isOut[&buf[0]] = true
	p.mu.Unlock()
	return buf, nil
}

func (p *Pool) Put(buf []byte) error {
	if cap(buf) == 0 {
		return ErrForeign
	}
	key := &buf[:1][0]
	p.mu.Lock()
	full, ok := p.bufs[key]
	if !ok {
		p.mu.Unlock()
		return ErrForeign
	}
	if !p.isOut[key] {
		p.mu.Unlock()
		return ErrReturned
	}
	p.isOut[key] = false
	p.mu.Unlock()
	p.free <- full
	return nil
}

func (p *Pool) Out() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, out := range p.isOut {
		if out {
			n++
		}
	}
	return n
}
