package engine_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"packcourse/lessons/11-crash-safe-output/engine"
)

// The simulated codecs the tests size chunks for, in nanoseconds per byte
// of input, and what the controllers aim at. Real figures vary by machine
// and data (BenchmarkAdaptive measured from about 1.5 ns/byte, zstd level
// 1 on random bytes, to 170, DEFLATE level 9 on text, on a shared 2-core
// machine); these are round numbers inside that range: 20 MB/s and 1 GB/s
// a core.
const (
	slowCodec = 50.0 // ns per byte
	fastCodec = 1.0

	target   = 2 * time.Millisecond
	minChunk = 16 << 10
	capChunk = 4 << 20 // the header's chunk size
)

// simulate drives a Controller for chunks chunks, each measured at
// perByte(i) ns per byte (chunk i), with the feedback lagging by lag
// chunks: a chunk's time reaches the Controller only once lag more chunks
// have been sized, as in an engine with lag chunks in flight. It returns
// every size the Controller picked.
func simulate(c *engine.Controller, chunks, lag int, perByte func(i int) float64) []int {
	var sizes []int
	var inFlight []int // chunk indexes sized but not yet measured
	for i := range chunks {
		sizes = append(sizes, c.Next())
		inFlight = append(inFlight, i)
		if len(inFlight) > lag {
			j := inFlight[0]
			inFlight = inFlight[1:]
			c.Observe(sizes[j], time.Duration(perByte(j)*float64(sizes[j])))
		}
	}
	return sizes
}

// inBand reports whether a chunk of size bytes at perByte ns per byte
// takes between half and twice the target.
func inBand(size int, perByte float64) bool {
	took := time.Duration(perByte * float64(size))
	return took >= target/2 && took <= 2*target
}

// settled returns the index of the first chunk from which the sizes never
// change again, or -1 if the last two differ.
func settled(sizes []int) int {
	i := len(sizes) - 1
	for i > 0 && sizes[i-1] == sizes[len(sizes)-1] {
		i--
	}
	if i == len(sizes)-1 {
		return -1
	}
	return i
}

// docs:region TestControllerConverges
// For a slow and a fast codec, with no lag and with 10 chunks in flight,
// the Controller reaches a size whose chunks take between half and twice
// the target, within as many steps as there are sizes (plus the lag), and
// never changes it again: no oscillation.
func TestControllerConvergesForASlowAndAFastCodec(t *testing.T) {
	for _, codec := range []struct {
		name    string
		perByte float64
	}{{"slow", slowCodec}, {"fast", fastCodec}} {
		for _, lag := range []int{0, 10} {
			c := engine.NewController(target, minChunk, capChunk)
			sizes := simulate(c, 200, lag, func(int) float64 { return codec.perByte })
			from := settled(sizes)
			steps := 10 // sizes from 16 KiB to 4 MiB: 9 of them
			switch {
			case from < 0 || from > steps+lag:
				t.Errorf("%s codec, lag %d: the size settles at chunk %d, want by chunk %d: %v", codec.name, lag, from, steps+lag, sizes[:40])
			case !inBand(sizes[from], codec.perByte):
				t.Errorf("%s codec, lag %d: settled at %d bytes, %v a chunk, outside %v..%v",
					codec.name, lag, sizes[from], time.Duration(codec.perByte*float64(sizes[from])), target/2, 2*target)
			default:
				t.Logf("%s codec (%.0f ns/byte), lag %2d: settled at chunk %2d on %7d-byte chunks of %v each",
					codec.name, codec.perByte, lag, from, sizes[from], time.Duration(codec.perByte*float64(sizes[from])))
			}
		}
	}
}

// docs:endregion TestControllerConverges

// At every step the size is between the bounds, even for codecs far too
// slow or too fast for any allowed size to reach the target: the
// Controller then sits at the bound.
func TestControllerStaysWithinBounds(t *testing.T) {
	for _, perByte := range []float64{1e5, slowCodec, fastCodec, 1e-4} {
		c := engine.NewController(target, minChunk, capChunk)
		lo, hi := c.Bounds()
		if lo != minChunk || hi != capChunk {
			t.Fatalf("Bounds() = %d, %d; want %d, %d", lo, hi, minChunk, capChunk)
		}
		sizes := simulate(c, 100, 3, func(int) float64 { return perByte })
		for i, s := range sizes {
			if s < lo || s > hi {
				t.Fatalf("%v ns/byte: chunk %d is %d bytes, outside %d..%d", perByte, i, s, lo, hi)
			}
		}
		if last := sizes[len(sizes)-1]; perByte > 1e4 && last != lo || perByte < 1e-3 && last != hi {
			t.Errorf("%v ns/byte: ends at %d bytes, want the bound it cannot pass", perByte, last)
		}
	}
	// A minimum that is not the cap over a power of two rounds up to one
	// that is; a minimum above the cap means every chunk is the cap.
	if lo, hi := engine.NewController(target, 1000, 4096).Bounds(); lo != 1024 || hi != 4096 {
		t.Errorf("min 1000, cap 4096: Bounds() = %d, %d; want 1024, 4096", lo, hi)
	}
	if lo, hi := engine.NewController(target, 1<<20, 4096).Bounds(); lo != 4096 || hi != 4096 {
		t.Errorf("min 1 MiB, cap 4096: Bounds() = %d, %d; want 4096, 4096", lo, hi)
	}
}

// docs:region TestControllerIgnoresNoise
// Measured times are noisy: every chunk's time here is off by up to 30%
// either way, at random. Once settled, the Controller moves at most one
// step from where it settled, and only a few times in 500 chunks: the
// dead band and the moving average absorb the noise.
func TestControllerIgnoresNoise(t *testing.T) {
	for _, perByte := range []float64{slowCodec, 7, fastCodec} {
		rng := rand.New(rand.NewPCG(1, uint64(perByte)))
		noisy := func(int) float64 { return perByte * (0.7 + 0.6*rng.Float64()) }
		c := engine.NewController(target, minChunk, capChunk)
		sizes := simulate(c, 500, 4, noisy)
		home := sizes[50]
		changes := 0
		for i := 51; i < len(sizes); i++ {
			if sizes[i] != sizes[i-1] {
				changes++
			}
			if sizes[i] != home && sizes[i] != 2*home && sizes[i] != home/2 {
				t.Fatalf("%v ns/byte: chunk %d is %d bytes, more than one step from %d", perByte, i, sizes[i], home)
			}
		}
		if changes > 4 {
			t.Errorf("%v ns/byte: the size changed %d times in 450 chunks after settling at %d: it oscillates", perByte, changes, home)
		}
		t.Logf("%4v ns/byte ±30%%: settled at %7d bytes, %d changes in the next 450 chunks", perByte, home, changes)
	}
}

// docs:endregion TestControllerIgnoresNoise

// docs:region TestControllerRecovers
// The cost per byte changes mid-file, slow to fast and back (a file of
// dense text, then logs, then text again): each time the Controller
// settles again on a size in the band, within a few dozen chunks.
func TestControllerRecoversWhenTheCostChanges(t *testing.T) {
	cost := func(i int) float64 {
		if i >= 100 && i < 200 {
			return fastCodec
		}
		return slowCodec
	}
	c := engine.NewController(target, minChunk, capChunk)
	sizes := simulate(c, 300, 8, cost)
	for _, phase := range []struct{ from, to int }{{0, 100}, {100, 200}, {200, 300}} {
		part := sizes[phase.from:phase.to]
		from := settled(part)
		if from < 0 || from > 60 || !inBand(part[from], cost(phase.from)) {
			t.Errorf("chunks %d..%d (%v ns/byte): settled at chunk %d on %d bytes; want within 60 chunks, in the band: %v",
				phase.from, phase.to, cost(phase.from), phase.from+from, part[max(from, 0)], part)
			continue
		}
		t.Logf("chunks %3d..%3d at %2.0f ns/byte: settled %2d chunks in, on %7d-byte chunks", phase.from, phase.to, cost(phase.from), from, part[from])
	}
}

// docs:endregion TestControllerRecovers
