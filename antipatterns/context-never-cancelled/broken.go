// Package contextnevercancelled shows a communication deadlock of a channel
// and a context: a goroutine waits on ctx.Done() for a context that only
// Close cancels, and an error path returns without calling Close. The
// goroutine, and everything it references, stays for the life of the
// process.
//
// Modelled on grpc/grpc-go#862: when DialContext failed, the ClientConn
// was not closed, and the goroutine running resetAddrConn stayed blocked on
// <-ac.ctx.Done().
package contextnevercancelled

import (
	"context"
	"errors"

	"packcourse/antipatterns/internal/pipeline"
)

// ErrBadChunk reports a chunk the pack refuses (an empty one, here).
var ErrBadChunk = errors.New("bad chunk")

// A Flusher flushes the output once, when its context ends: on Close, or
// when the caller's context is cancelled.
type Flusher struct {
	cancel context.CancelFunc
}

// StartFlusher starts the flusher's goroutine. The caller must call Close.
func StartFlusher(ctx context.Context, flush func()) *Flusher {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		<-ctx.Done()
		flush()
	}()
	return &Flusher{cancel: cancel}
}

// Close ends the flusher: it flushes and its goroutine returns.
func (f *Flusher) Close() { f.cancel() }

// PackBroken compresses the chunks with a flusher running, and fails on an
// empty chunk.
func PackBroken(ctx context.Context, chunks []pipeline.Chunk) ([]pipeline.Frame, error) {
	f := StartFlusher(ctx, func() {})
	var frames []pipeline.Frame
	for _, c := range chunks {
		if len(c.Data) == 0 {
			return nil, ErrBadChunk // The mistake: this return skips f.Close().
		}
		frames = append(frames, pipeline.Compress(c))
	}
	f.Close()
	return frames, nil
}
