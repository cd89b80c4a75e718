// Package orderviolation shows an order violation, reading before waiting:
// one goroutine uses a result before the goroutine producing it has
// finished, because the code waits for the producer after using the result
// rather than before.
//
// Modelled on moby/moby#18412: RunCommandWithOutputForDuration read the
// command's output buffer while the goroutine copying the output into it
// could still be writing.
package orderviolation

import (
	"bytes"
	"io"

	"packcourse/antipatterns/internal/pipeline"
)

// Container is where the copier puts the frames: a *bytes.Buffer in
// production, a slow one in the tests.
type Container interface {
	io.Writer
	Bytes() []byte
}

// PackBroken writes the frames into a pipe; a copier goroutine moves them
// from the pipe into the container and PackBroken returns a copy of it.
func PackBroken(chunks []pipeline.Chunk, container Container) []byte {
	pr, pw := io.Pipe()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(container, pr)
	}()
	for _, c := range chunks {
		pw.Write(pipeline.Compress(c).Encode())
	}
	pw.Close()
	out := bytes.Clone(container.Bytes()) // The mistake: read first...
	<-copied                              // ...wait second.
	return out
}
