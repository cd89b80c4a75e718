// Wrong: the budget is a channel of size tokens, one per unit, and
// Acquire takes its n tokens one at a time. Two requests that each hold
// part of the budget then wait for ever for the rest, which the other
// holds.
// Caught by: TestTakesARequestWhole
package budget

import (
	"context"
	"errors"
	"fmt"
)

var ErrTooLarge = errors.New("budget: request larger than the whole budget")

type Budget struct {
	size   int64
	tokens chan struct{} // a token in the channel is a unit in use
}

func New(size int64) (*Budget, error) {
	if size < 1 {
		return nil, fmt.Errorf("budget: size %d, want at least 1", size)
	}
	return &Budget{size: size, tokens: make(chan struct{}, size)}, nil
}

func (b *Budget) Acquire(ctx context.Context, n int64) error {
	if n < 1 {
		return fmt.Errorf("budget: Acquire(%d), want at least 1 unit", n)
	}
	if n > b.size {
		return fmt.Errorf("%w: %d units asked, the budget holds %d", ErrTooLarge, n, b.size)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range n {
		select {
		case b.tokens <- struct{}{}:
		case <-ctx.Done():
			for range i {
				<-b.tokens
			}
			return ctx.Err()
		}
	}
	return nil
}

func (b *Budget) Release(n int64) {
	if n < 1 || n > int64(len(b.tokens)) {
		panic(fmt.Sprintf("budget: Release(%d) with %d units in use", n, len(b.tokens)))
	}
	for range n {
		<-b.tokens
	}
}

func (b *Budget) InUse() int64 { return int64(len(b.tokens)) }
