// Package hollowbenchmark shows the headline benchmark the course's origin
// program shipped: it read the input, applied a trivial transform and wrote
// it out, and never ran the real pipeline. Its throughput was that of a
// memory copy, and it could not have caught a slowdown in compression,
// hashing or the writer.
package hollowbenchmark

import "bytes"

// PackBroken is what the broken benchmark times: it reads and writes every
// byte, as a pack does, and compresses nothing.
func PackBroken(data []byte, chunkSize int) []byte {
	var out bytes.Buffer
	for len(data) > 0 {
		n := min(chunkSize, len(data))
		// The mistake: a stand-in for the stage work.
		out.Write(data[:n])
		data = data[n:]
	}
	return out.Bytes()
}
