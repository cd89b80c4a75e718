// Wrong: knows its own buffers (a set built in New, so strangers are
// refused), but tells a buffer already back only by the free list being
// full. With other buffers out there is room, so a second Put of the same
// buffer goes through, and the pool holds it twice.
// Caught by: TestPutRejectsABufferPutTwice, TestARefusedDoublePutChangesNothing
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
	mine map[*byte]bool // written only in New, so reading it needs no lock
}

func New(n, size int) (*Pool, error) {
	if n < 1 || size < 1 {
		return nil, fmt.Errorf("bufpool: bad n=%d or size=%d", n, size)
	}
	p := &Pool{size: size, free: make(chan []byte, n), mine: map[*byte]bool{}}
	for range n {
		buf := make([]byte, size)
		p.mine[&buf[0]] = true
		p.free <- buf
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
	if cap(buf) == 0 || !p.mine[&buf[:1][0]] {
		return ErrForeign
	}
	select {
	case p.free <- buf[:p.size]:
		return nil
	default: // the pool is full, so this one must be back already
		return ErrReturned
	}
}

func (p *Pool) Out() int { return cap(p.free) - len(p.free) }
