// Wrong: collect gives the token back as soon as a result is ready, before
// sending it, so while the consumer is slow Map holds workers+1 chunks and
// works on one more than workers; breaks "a chunk counts until its result
// is sent" (the grader's allowance of one more chunk taken hid it).
// Caught by: TestBoundsTheChunksInFlight
package ordered

import (
	"context"
	"sync"
)

// Map applies f to every chunk received from in, running up to workers
// calls of f at once, and sends the results on the returned channel in the
// order their chunks arrived, whatever order the calls finish in.
//
// Map holds at most workers chunks at a time: a chunk counts from the
// moment Map receives it from in until its result is sent. So a slow
// consumer, or one slow chunk, stops Map from reading more input.
//
// The returned channel is closed when in has been closed and every result
// has been sent, or soon after ctx is done (results not yet sent are then
// dropped). Either way it is closed only after every goroutine Map started
// has returned, including every call of f: once the channel is closed, Map
// no longer touches any chunk. A workers value below 1 counts as 1.
func Map(ctx context.Context, in <-chan []byte, workers int, f func([]byte) []byte) <-chan []byte {
	workers = max(workers, 1)
	out := make(chan []byte)
	// The FIFO of futures: one per chunk, queued in input order before its
	// work starts. Its capacity never limits anything (the tokens do).
	futures := make(chan chan []byte, workers)
	// A token is taken before a chunk is received and given back once its
	// result is sent, so at most workers chunks are ever held.
	tokens := make(chan struct{}, workers)
	var calls sync.WaitGroup

	go func() {
		defer close(futures)
		dispatch(ctx, in, futures, tokens, f, &calls)
	}()
	go func() {
		defer close(out)
		collect(ctx, futures, tokens, out)
		// After a cancellation dispatch may still be queueing a future:
		// wait for it to stop (it closes futures), so that it starts no
		// call after the Wait below, then wait for the calls it started.
		for range futures {
		}
		calls.Wait()
	}()
	return out
}

// dispatch receives each chunk, queues a future for its result and starts
// the call of f that fills it, until in is closed or ctx is done.
func dispatch(ctx context.Context, in <-chan []byte, futures chan<- chan []byte, tokens chan struct{}, f func([]byte) []byte, calls *sync.WaitGroup) {
	for {
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			return
		}
		var chunk []byte
		var ok bool
		select {
		case chunk, ok = <-in:
		case <-ctx.Done():
			return
		}
		if !ok {
			return
		}
		// Buffered, so the call can finish and its goroutine exit even if
		// collect has stopped listening after a cancellation.
		future := make(chan []byte, 1)
		futures <- future // never blocks: there are fewer futures than tokens
		calls.Go(func() { future <- f(chunk) })
	}
}

// collect waits for each future in turn, in input order, and sends its
// result on out, until the futures run out or ctx is done.
func collect(ctx context.Context, futures <-chan chan []byte, tokens <-chan struct{}, out chan<- []byte) {
	for future := range futures {
		var result []byte
		select {
		case result = <-future:
		case <-ctx.Done():
			return
		}
		<-tokens // the result is ready: let dispatch take another chunk
		select {
		case out <- result:
		case <-ctx.Done():
			return
		}
	}
}
