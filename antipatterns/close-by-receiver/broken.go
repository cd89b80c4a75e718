// Package closebyreceiver shows channel misuse, closing on the wrong side:
// the receiving side closes a channel to say "stop", while the sending side
// is still sending on it. A send on a closed channel panics, and the panic,
// in the sender's goroutine, ends the process.
//
// Modelled on grpc/grpc-go#1687: serverHandlerTransport's writes could
// send on a channel that another path had already closed, and the server
// crashed with "send on closed channel".
package closebyreceiver

import (
	"errors"

	"packcourse/antipatterns/internal/pipeline"
)

// ErrWrite reports a frame the writer could not write.
var ErrWrite = errors.New("write failed")

// WriteFunc writes one frame.
type WriteFunc func(pipeline.Frame) error

// PackBroken compresses the chunks in one goroutine and writes the frames
// in another; when a write fails, the writer closes the frames channel to
// stop the producer.
func PackBroken(chunks []pipeline.Chunk, write WriteFunc) error {
	frames := make(chan pipeline.Frame)
	go func() {
		for _, c := range chunks {
			frames <- pipeline.Compress(c)
		}
		close(frames)
	}()
	for f := range frames {
		if err := write(f); err != nil {
			close(frames) // The mistake: the receiver closes; the sender sends again.
			return err
		}
	}
	return nil
}
