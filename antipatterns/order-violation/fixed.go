package orderviolation

import (
	"bytes"
	"io"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed waits for the copier before reading what it wrote: the
// channel close happens before the receive returns, so every write the
// copier made happens before the read.
func PackFixed(chunks []pipeline.Chunk, container Container) []byte {
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
	<-copied
	return bytes.Clone(container.Bytes())
}
