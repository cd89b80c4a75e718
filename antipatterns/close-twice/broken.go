// Package closetwice shows channel misuse, a channel closed twice: every
// worker that fails closes the abort channel to stop the others, so when
// two fail, the second close panics ("close of closed channel") and the
// process dies on the error path, the path tests visit least.
//
// Modelled on hajimehoshi/ebiten#1047: a channel closed on more than one
// path panicked with "close of closed channel"; the fix closes it once,
// through sync.Once.
package closetwice

import (
	"errors"
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// ErrRead reports a chunk that could not be read.
var ErrRead = errors.New("read failed")

// A Reader returns chunk i's bytes, or an error.
type Reader func(i int) ([]byte, error)

// PackBroken reads and compresses n chunks, one goroutine each. A chunk
// that fails to read closes abort, so chunks not yet started are skipped,
// and PackBroken returns the first error.
func PackBroken(n int, read Reader) ([]pipeline.Frame, error) {
	var (
		abort  = make(chan struct{})
		frames = make([]pipeline.Frame, n)
		first  firstError
		wg     sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			if closed(abort) {
				return // another chunk failed: do not start this one
			}
			data, err := read(i)
			if err != nil {
				first.set(err)
				close(abort) // The mistake: every failing worker closes it.
				return
			}
			frames[i] = pipeline.Compress(pipeline.Chunk{Index: i, Data: data})
		})
	}
	wg.Wait()
	return frames, first.get()
}

// closed reports whether ch has been closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// firstError keeps the first error set.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
