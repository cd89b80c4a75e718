// Wrong: a channel of buffers and nothing else. It bounds and reuses, but
// Put takes back anything of the right length, even a buffer already
// returned, which the pool then hands to two owners at once.
// Caught by: TestPutRejectsAForeignBuffer, TestPutRejectsABufferPutTwice
package bufpool

import (
	"context"
	"errors"
	"fmt"
)

var (
	ErrForeign  = errors.New("bufpool: Put of a buffer that did not come from this pool")
	ErrReturned = errors.New("bufpool: Put of a buffer that is already back in the pool")
)

type Pool struct {
	size int
	free chan []byte
}

func New(n, size int) (*Pool, error) {
	if n < 1 || size < 1 {
		return nil, fmt.Errorf("bufpool: bad sizes n=%d size=%d", n, size)
	}
	p := &Pool{size: size, free: make(chan []byte, n)}
	for range n {
		p.free <- make([]byte, size)
	}
	return p, nil
}

func (p *Pool) Get(ctx context.Context) ([]byte, error) {
	select {
	case buf := <-p.free:
		return buf, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Pool) Put(buf []byte) error {
	if cap(buf) < p.size {
		return ErrForeign
	}
	select {
	case p.free <- buf[:p.size]:
		return nil
	default:
		return ErrReturned // the pool is full, so this one cannot be ours
	}
}

func (p *Pool) Out() int { return cap(p.free) - len(p.free) }
