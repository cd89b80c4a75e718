// Package sleepassync shows time.Sleep used as synchronisation: the pack
// hands the frames to a writer goroutine and then sleeps for "long enough"
// before using the output. On the machine it was written on the writer
// always finished in time; on a loaded machine or a slower disk it does
// not, and the output is short. A sleep orders nothing: it only makes one
// order likely on one machine.
//
// Modelled on splunk/splunk-cloud-sdk-go#341, which replaced the sleeps
// its tests waited on with a sync.WaitGroup to stop them failing now and
// then; tendermint/tendermint#6858 tracked the same kind of sleep across
// a test suite.
package sleepassync

import (
	"time"

	"packcourse/antipatterns/internal/pipeline"
)

// A Disk receives the container's frames one write at a time. Its methods
// are safe for concurrent use, so the mistake here is one of order, not a
// data race.
type Disk interface {
	Write(frame []byte)
	Bytes() []byte
}

// settle is how long PackBroken waits for the writer: a guess at "long
// enough", the way such sleeps are always chosen.
const settle = 10 * time.Millisecond

// PackBroken compresses the chunks, gives the frames to a writer goroutine
// and returns the container.
func PackBroken(chunks []pipeline.Chunk, disk Disk) []byte {
	frames := make(chan []byte, len(chunks))
	go func() {
		for f := range frames {
			disk.Write(f)
		}
	}()
	for _, c := range chunks {
		frames <- pipeline.Compress(c).Encode()
	}
	close(frames)
	time.Sleep(settle) // The mistake: hoping the writer is done by now.
	return disk.Bytes()
}
