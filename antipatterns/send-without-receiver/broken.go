// Package sendnoreceiver shows a communication deadlock on a channel: a
// goroutine sends its result on an unbuffered channel, the caller has
// stopped listening (it timed out), and the sender blocks for ever. Each
// timeout leaks one goroutine and the chunk it holds.
//
// Modelled on kubernetes/kubernetes#5316: finishRequest ran fn in a
// goroutine that sent on unbuffered channels, and returned when
// time.After fired first, leaving that goroutine blocked on its send.
package sendnoreceiver

import (
	"errors"
	"time"

	"packcourse/antipatterns/internal/pipeline"
)

// ErrTimeout reports a chunk that took too long to compress.
var ErrTimeout = errors.New("compress: timed out")

// Compressor turns a chunk into its frame.
type Compressor func(pipeline.Chunk) pipeline.Frame

// CompressWithinBroken compresses c, giving up after d.
func CompressWithinBroken(c pipeline.Chunk, d time.Duration, compress Compressor) (pipeline.Frame, error) {
	result := make(chan pipeline.Frame) // The mistake: nobody may be left to receive.
	go func() { result <- compress(c) }()
	select {
	case f := <-result:
		return f, nil
	case <-time.After(d):
		return pipeline.Frame{}, ErrTimeout
	}
}
