package sendnoreceiver

import (
	"time"

	"packcourse/antipatterns/internal/pipeline"
)

// CompressWithinFixed compresses c, giving up after d. The result channel
// has room for the one value it will ever carry, so the goroutine's send
// never waits and the goroutine ends whether or not anyone still listens.
// (The compression itself still runs to its end; lesson 02 shows how a
// context stops work that has not started.)
func CompressWithinFixed(c pipeline.Chunk, d time.Duration, compress Compressor) (pipeline.Frame, error) {
	result := make(chan pipeline.Frame, 1)
	go func() { result <- compress(c) }()
	select {
	case f := <-result:
		return f, nil
	case <-time.After(d):
		return pipeline.Frame{}, ErrTimeout
	}
}
