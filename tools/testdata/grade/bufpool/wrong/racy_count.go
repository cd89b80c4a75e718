// Wrong: a correct pool whose Out counter is updated outside the lock:
// a data race, and a count that drifts under load.
// Caught by: TestIsSafeForConcurrentUse
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
	n     int
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
	select {
	case buf := <-p.free:
		p.mu.Lock()
		p.isOut[&buf[0]] = true
		p.mu.Unlock()
		p.n++
		return buf, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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
	p.n--
	p.free <- full
	return nil
}

func (p *Pool) Out() int { return p.n }
