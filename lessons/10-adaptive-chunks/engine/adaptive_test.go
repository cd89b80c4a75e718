package engine_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
	prev "packcourse/lessons/09-fair-scheduling/engine" // lesson 09's engine: fixed chunks
	"packcourse/lessons/10-adaptive-chunks/engine"
)

// scheduled is an adaptive Engine as pipetest.RunSchedule sees it: its
// schedule is the one its last Pack reports in Stats.
type scheduled struct{ *engine.Engine }

func (s scheduled) Schedule() []int { return s.Stats().Schedule }

// patchy is a simulated cost that changes every 8 KiB of input, slow then
// fast, as a file of dense text and long runs of zeros would: at a target
// of 200µs, small and large chunks alternate (1 KiB and the suite's 4 KiB
// cap when the workers keep up).
func patchy(off int64, n int) time.Duration {
	if off/(8<<10)%2 == 0 {
		return time.Duration(n) * 200 // ns per byte
	}
	return time.Duration(n) * 2
}

// docs:region TestScheduleConformance
// Whatever sizes the adaptive engine picks, its bytes are the oracle's for
// those sizes: for every workload, for DEFLATE, zstd and encryption, for
// 1 to 8 workers, reading in sequence or 4 reads ahead, with a simulated
// cost and with the real clock (whose schedule changes from run to run).
func TestScheduleConformance(t *testing.T) {
	variants := []struct {
		name     string
		depth    int
		adaptive engine.Adaptive
	}{
		{"simulated/sequential", 1, engine.Adaptive{Target: 200 * time.Microsecond, MinChunk: 512, Cost: patchy}},
		{"simulated/depth=4", 4, engine.Adaptive{Target: 200 * time.Microsecond, MinChunk: 512, Cost: patchy}},
		{"measured/depth=4", 4, engine.Adaptive{Target: 20 * time.Microsecond, MinChunk: 512}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			pipetest.RunSchedule(t, func(workers int) pipetest.SchedulePacker {
				return scheduled{&engine.Engine{Workers: workers, ReadDepth: v.depth, Adaptive: &v.adaptive}}
			})
		})
	}
}

// docs:endregion TestScheduleConformance

// The simulated conformance run above is not vacuous: its schedule mixes
// sizes, small chunks (1 KiB or less) in the file's slow stretches and
// large ones (2 KiB or more) in its fast ones. Which sizes exactly depends
// on how the goroutines interleave: the reader sizes each chunk from the
// times it has by then, and a stretch is only 8 KiB. When the workers
// keep up, the fast stretches reach the 4 KiB cap; when the reader runs a
// few chunks ahead, they stop at 2 KiB (3 runs in 60 on an idle machine,
// 8 in 30 with the cores busy). The test asserts what holds in both.
func TestPatchyCostMakesAMixedSchedule(t *testing.T) {
	e := &engine.Engine{Workers: 2, Adaptive: &engine.Adaptive{Target: 200 * time.Microsecond, MinChunk: 512, Cost: patchy}}
	data := pipetest.Input(pipetest.ScheduleSize)
	packAdaptive(t, e, data, pipetest.Options(false))
	sizes := e.Stats().Schedule
	seen := map[int]int{}
	small, large := 0, 0
	for _, n := range sizes[:len(sizes)-1] { // the last is the input's tail
		seen[n]++
		switch {
		case n <= 1024:
			small++
		case n >= 2048:
			large++
		}
	}
	if small == 0 || large == 0 {
		t.Errorf("chunk sizes and how many of each: %v; want some of 1 KiB or less and some of 2 KiB or more", seen)
	}
}

// packAdaptive packs data with e, checks the output is the oracle's for
// the schedule e reports and unpacks to data, and returns the schedule.
func packAdaptive(t *testing.T, e *engine.Engine, data []byte, o codec.Options) []int {
	t.Helper()
	var got bytes.Buffer
	if err := e.Pack(context.Background(), &got, bytes.NewReader(data), o); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	sizes := e.Stats().Schedule
	var want bytes.Buffer
	if err := oracle.PackSchedule(context.Background(), &want, bytes.NewReader(data), o, sizes); err != nil {
		t.Fatalf("oracle.PackSchedule of the engine's %d chunks: %v", len(sizes), err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("Pack's %d bytes differ from the oracle's %d for the same schedule", got.Len(), want.Len())
	}
	var back bytes.Buffer
	if err := oracle.Unpack(context.Background(), &back, &got, o); err != nil || !bytes.Equal(back.Bytes(), data) {
		t.Fatalf("unpacking: %v (restored %d of %d bytes)", err, back.Len(), len(data))
	}
	return sizes
}

// simulated is a cost of perByte ns for every byte.
func simulated(perByte float64) func(int64, int) time.Duration {
	return func(_ int64, n int) time.Duration { return time.Duration(perByte * float64(n)) }
}

// adaptiveInput is what the engine-level tests pack: zeros, which the
// real encoder gets through quickly, so the tests are about the sizes the
// simulated cost makes it choose, not about waiting for DEFLATE.
var adaptiveInput = workload.Bytes(workload.Zeros, 16<<20, 1)

// capOptions packs with the controller tests' cap as the header's chunk
// size, at DEFLATE level 1.
var capOptions = codec.Options{ChunkSize: capChunk, Level: 1}

// checkBounds fails the test if a chunk but the last is outside lo..hi.
func checkBounds(t *testing.T, sizes []int, lo, hi int) {
	t.Helper()
	for i, n := range sizes[:len(sizes)-1] {
		if n < lo || n > hi {
			t.Fatalf("chunk %d is %d bytes, outside %d..%d", i, n, lo, hi)
		}
	}
}

// docs:region TestEngineConverges
// The whole engine, with the workers' times simulated: for a slow and a
// fast codec, reading in sequence and 4 reads ahead with 2 workers, every
// chunk is within the bounds, the size settles in the band within the
// steps and the chunks in flight, and never changes after (the last
// chunk, the input's tail, aside). The output is the oracle's for the
// schedule. The schedule can differ from run to run, with how the
// goroutines interleave; these properties cannot.
func TestEngineConvergesForASlowAndAFastCodec(t *testing.T) {
	for _, perByte := range []float64{slowCodec, fastCodec} {
		for _, depth := range []int{1, 4} {
			e := &engine.Engine{Workers: 2, ReadDepth: depth,
				Adaptive: &engine.Adaptive{Target: target, MinChunk: minChunk, Cost: simulated(perByte)}}
			sizes := packAdaptive(t, e, adaptiveInput, capOptions)
			checkBounds(t, sizes, minChunk, capChunk)
			body := sizes[:len(sizes)-1]
			from := settled(body)
			inFlight := 2*2 + 2 + depth + 2 // the queue's bound (2*Workers + 2), the reads ahead, the workers: a generous lag
			if from < 0 || from > 10+inFlight || !inBand(body[from], perByte) {
				t.Fatalf("%v ns/byte, depth %d: settled at chunk %d (want by %d) on %d bytes; want chunks of %v..%v: %v",
					perByte, depth, from, 10+inFlight, body[max(from, 0)], target/2, 2*target, sizes)
			}
			t.Logf("%2.0f ns/byte, depth %d: %3d chunks, settled at chunk %2d on %7d bytes (%v a chunk)",
				perByte, depth, len(sizes), from, body[from], time.Duration(perByte*float64(body[from])))
		}
	}
}

// docs:endregion TestEngineConverges

// docs:region TestEngineRecovers
// The cost per byte drops 50-fold 1 MiB into the file: slow chunks
// settle on a small size, then, once the workers' times for the fast part
// come back, the size climbs and settles on a large one.
func TestEngineRecoversWhenTheCostChangesMidFile(t *testing.T) {
	const change = 1 << 20
	cost := func(off int64, n int) time.Duration {
		if off < change {
			return simulated(slowCodec)(off, n)
		}
		return simulated(fastCodec)(off, n)
	}
	for _, depth := range []int{1, 4} {
		e := &engine.Engine{Workers: 2, ReadDepth: depth, Adaptive: &engine.Adaptive{Target: target, MinChunk: minChunk, Cost: cost}}
		sizes := packAdaptive(t, e, adaptiveInput, capOptions)
		checkBounds(t, sizes, minChunk, capChunk)
		var slow, fast []int // chunks starting before and after the change
		off := 0
		for _, n := range sizes[:len(sizes)-1] {
			if off < change {
				slow = append(slow, n)
			} else {
				fast = append(fast, n)
			}
			off += n
		}
		s, f := settled(slow), settled(fast)
		if s < 0 || !inBand(slow[s], slowCodec) || f < 0 || !inBand(fast[f], fastCodec) {
			t.Fatalf("depth %d: before the change settled at %d, after at %d; want both in the band: %v", depth, s, f, sizes)
		}
		t.Logf("depth %d: before the change %d-byte chunks from chunk %d; after it %d-byte chunks from chunk %d of %d",
			depth, slow[s], s, fast[f], len(slow)+f, len(sizes))
	}
}

// docs:endregion TestEngineRecovers

// docs:region TestFixedChunksMissTheTarget
// Lesson 09's engine cuts every chunk to the header's chunk size,
// whatever the codec. Its frames, read back from its output, show what
// that costs under the same simulated codecs: a fixed size right for one
// is far off for the other. The adaptive engine, with the larger size as
// its cap, lands in the band for both.
func TestFixedChunksMissTheTarget(t *testing.T) {
	data := adaptiveInput
	for _, perByte := range []float64{slowCodec, fastCodec} {
		for _, fixed := range []int{256 << 10, capChunk} {
			var out bytes.Buffer
			o := codec.Options{ChunkSize: fixed, Level: 1}
			if err := (&prev.Engine{Workers: 2}).Pack(context.Background(), &out, bytes.NewReader(data), o); err != nil {
				t.Fatal(err)
			}
			sizes, err := oracle.Schedule(&out)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Duration(perByte * float64(sizes[0]))
			t.Logf("%2.0f ns/byte, lesson 09, fixed %4d KiB: %3d chunks of %9v: %5.2fx the target",
				perByte, fixed>>10, len(sizes), took, float64(took)/float64(target))
			if perByte == slowCodec && took <= 2*target {
				t.Errorf("lesson 09 at %d KiB with the slow codec: %v a chunk, want over twice the target", fixed>>10, took)
			}
			if perByte == fastCodec && fixed == 256<<10 && took >= target/2 {
				t.Errorf("lesson 09 at %d KiB with the fast codec: %v a chunk, want under half the target", fixed>>10, took)
			}
		}
		e := &engine.Engine{Workers: 2, Adaptive: &engine.Adaptive{Target: target, MinChunk: minChunk, Cost: simulated(perByte)}}
		sizes := packAdaptive(t, e, data, capOptions)
		body := sizes[:len(sizes)-1]
		settledAt := body[len(body)-1]
		took := time.Duration(perByte * float64(settledAt))
		t.Logf("%2.0f ns/byte, lesson 10, cap  %4d KiB: %3d chunks, settled on %4d KiB, %9v: %5.2fx the target",
			perByte, capChunk>>10, len(sizes), settledAt>>10, took, float64(took)/float64(target))
		if !inBand(settledAt, perByte) {
			t.Errorf("lesson 10 with %v ns/byte: settled on %d bytes, %v a chunk, outside the band", perByte, settledAt, took)
		}
	}
}

// docs:endregion TestFixedChunksMissTheTarget

// An adaptive Pack still reports a failing read, in sequence and reading
// ahead, and stops on cancellation, leaving no goroutine behind (TestMain
// checks).
func TestAdaptivePackStopsOnAReadErrorAndOnCancel(t *testing.T) {
	data := pipetest.Input(40 * pipetest.ChunkSize)
	adaptive := &engine.Adaptive{Target: 200 * time.Microsecond, MinChunk: 512, Cost: patchy}
	for _, depth := range []int{1, 4} {
		e := &engine.Engine{Workers: 2, ReadDepth: depth, Adaptive: adaptive}
		var src io.Reader = &pipetest.FailingReader{R: bytes.NewReader(data), Limit: 9*pipetest.ChunkSize + 77}
		if depth > 1 {
			d := &slowDevice{data: data, failAt: 9*pipetest.ChunkSize + 77}
			src = d.input()
		}
		err := e.Pack(context.Background(), io.Discard, src, pipetest.Options(false))
		if !errors.Is(err, pipetest.ErrInjected) && !errors.Is(err, errBadSector) {
			t.Errorf("depth %d: Pack from an input failing mid-way returned %v, want the read's error", depth, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := e.Pack(ctx, io.Discard, bytes.NewReader(data), pipetest.Options(false)); !errors.Is(err, context.Canceled) {
			t.Errorf("depth %d: Pack with a cancelled context returned %v, want context.Canceled", depth, err)
		}
	}
}
