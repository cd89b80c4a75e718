package sleepassync

import "packcourse/antipatterns/internal/pipeline"

// PackFixed waits for the writer to say it has finished: the writer closes
// written after its last write, and receiving from a closed channel
// happens after the close. That is an order the memory model guarantees,
// on any machine, however slow the disk.
func PackFixed(chunks []pipeline.Chunk, disk Disk) []byte {
	frames := make(chan []byte, len(chunks))
	written := make(chan struct{})
	go func() {
		defer close(written)
		for f := range frames {
			disk.Write(f)
		}
	}()
	for _, c := range chunks {
		frames <- pipeline.Compress(c).Encode()
	}
	close(frames)
	<-written
	return disk.Bytes()
}
