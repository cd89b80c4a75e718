// Package ordered applies a function to a stream of chunks on several
// goroutines and delivers the results in input order: lesson 03's ordered
// writer, cut down to its skeleton. See README.md for the task.
package ordered

import "context"

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
	// This version keeps the order and the bound by doing one chunk at a
	// time: correct, and as slow as lesson 00.
	//
	// TODO: run up to workers calls of f at once, and still send the
	//       results in input order (hint: a FIFO of per-chunk futures).
	// TODO: stop when ctx is done: every send and receive must also
	//       watch ctx.Done(), or a consumer that walks away leaks Map.
	out := make(chan []byte)
	go func() {
		defer close(out)
		for chunk := range in {
			out <- f(chunk)
		}
	}()
	return out
}
