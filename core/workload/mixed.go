package workload

import (
	"io"
	"math/bits"
	"math/rand/v2"
)

// Segment sizes of Mixed content, drawn log-uniformly (as many 64-128 KiB
// segments as 512 KiB-1 MiB ones), so even a small input usually holds a
// change of kind or two.
const (
	minSegment = 64 << 10
	maxSegment = 1<<20 - 1
)

// mixedReader streams Mixed content: a sequence of segments, each a
// stream of a single kind with its own kind, size and seed drawn from the
// plan. Segment sizes do not depend on the total size, so a shorter Mixed
// stream is a prefix of a longer one with the same seed.
type mixedReader struct {
	plan      rand.PCG // draws each segment's kind, size and seed
	remaining int64    // bytes still to return before io.EOF
	segment   reader   // the current segment; every segment reuses its block buffer
}

func newMixedReader(size int64, seed uint64) *mixedReader {
	return &mixedReader{plan: *rand.NewPCG(seed, mixedStream), remaining: size}
}

// Read fills p with the next bytes of the stream: all of p, unless fewer
// than len(p) bytes remain.
func (m *mixedReader) Read(p []byte) (int, error) {
	if m.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > m.remaining {
		p = p[:m.remaining]
	}
	n := 0
	for n < len(p) {
		if m.segment.remaining == 0 {
			m.startSegment()
		}
		// A segment's reader never fails; it only runs out, which the
		// loop handles by starting the next segment.
		read, _ := m.segment.Read(p[n:])
		n += read
	}
	m.remaining -= int64(n)
	return n, nil
}

// startSegment draws the next segment from the plan and points the
// segment reader at it.
func (m *mixedReader) startSegment() {
	kind := segmentKind(m.plan.Uint64())
	size := logUniform(&m.plan, minSegment, maxSegment)
	m.segment.start(newGenerator(kind, m.plan.Uint64()), size)
}

// segmentKind turns random bits into a kind, weighted like the contents of
// a typical disk: mostly text and logs, some already-compressed (random)
// data, a few runs of zeros.
func segmentKind(r uint64) Kind {
	switch p := r % 100; {
	case p < 40:
		return Text
	case p < 75:
		return Logs
	case p < 90:
		return Random
	}
	return Zeros
}

// logUniform draws a number in [lo, hi] (1 <= lo <= hi) whose logarithm is
// roughly uniform: it picks a power-of-two band [2^(b-1), 2^b) uniformly,
// then a number uniformly within it. File and segment sizes in the wild
// look like this: many small, few large. Integers only, so every machine
// draws the same numbers.
func logUniform(rng *rand.PCG, lo, hi int64) int64 {
	loBand, hiBand := bits.Len64(uint64(lo)), bits.Len64(uint64(hi))
	band := loBand + int(rng.Uint64()%uint64(hiBand-loBand+1))
	bandLo := max(int64(1)<<(band-1), lo)
	bandHi := min(int64(1)<<band-1, hi)
	// The modulo is very slightly biased towards small values; for sizes
	// that is harmless, and unlike rand.Rand's methods it is guaranteed
	// never to change.
	return bandLo + int64(rng.Uint64()%uint64(bandHi-bandLo+1))
}
