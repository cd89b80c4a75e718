package engine_test

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/final/engine"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

// recorded is an adaptive engine and the schedule its last Pack reported.
type recorded struct {
	*engine.Engine
	mu    sync.Mutex
	sizes []int
}

func newRecorded(cfg engine.Config, a engine.Adaptive) *recorded {
	r := &recorded{}
	a.Schedule = func(sizes []int) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.sizes = slices.Clone(sizes)
	}
	cfg.Adaptive = &a
	r.Engine = engine.New(cfg)
	return r
}

func (r *recorded) Schedule() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sizes
}

// patchy is a simulated cost that changes every 8 KiB of input: at a
// 200µs target, chunks of the suite's 4 KiB cap alternate with 1 KiB ones.
func patchy(off int64, n int) time.Duration {
	if off/(8<<10)%2 == 0 {
		return time.Duration(n) * 200
	}
	return time.Duration(n) * 2
}

// An adaptive Pack writes exactly oracle.PackSchedule's bytes for the
// sizes it reports, for every workload, codec and encryption, with 1 to 8
// workers: with a simulated cost whose schedule mixes sizes, and with the
// real CPU clock, whose schedule changes from run to run.
func TestAdaptivePackIsTheOraclesForItsSchedule(t *testing.T) {
	for name, a := range map[string]engine.Adaptive{
		"simulated": {Target: 200 * time.Microsecond, MinChunk: 512, Cost: patchy},
		"measured":  {Target: 20 * time.Microsecond, MinChunk: 512},
	} {
		t.Run(name, func(t *testing.T) {
			pipetest.RunSchedule(t, func(workers int) pipetest.SchedulePacker { return newRecorded(engine.Config{Workers: workers}, a) })
		})
	}
}

// The simulated run above is not vacuous: its schedule mixes sizes. With
// one worker and one chunk in flight, each chunk's size is picked after
// the chunk before it was measured, so the schedule does not depend on
// how the goroutines happen to interleave (with more in flight, a size
// can be picked before the measurements that would change it arrive).
func TestAdaptivePatchyScheduleMixesSizes(t *testing.T) {
	r := newRecorded(engine.Config{Workers: 1, InFlight: 1}, engine.Adaptive{Target: 200 * time.Microsecond, MinChunk: 512, Cost: patchy})
	data := pipetest.Input(pipetest.ScheduleSize)
	require.NoError(t, r.Pack(context.Background(), &bytes.Buffer{}, bytes.NewReader(data), pipetest.Options(false)))
	seen := map[int]int{}
	for _, n := range r.Schedule() {
		seen[n]++
	}
	assert.Positive(t, seen[pipetest.ChunkSize], "chunks of the cap: %v", seen)
	assert.Positive(t, seen[1024], "chunks of 1 KiB: %v", seen)
}

// With a simulated slow and fast codec (50 and 1 ns per byte), a 2ms
// target and a 4 MiB cap, every chunk is within 16 KiB..4 MiB, the size
// settles within the rungs plus the chunks in flight on one whose chunks
// take half to twice the target, and never changes after; the output is
// the oracle's for the schedule and unpacks to the input.
func TestAdaptivePackConvergesForASlowAndAFastCodec(t *testing.T) {
	const target, minChunk, capChunk = 2 * time.Millisecond, 16 << 10, 4 << 20
	data := workload.Bytes(workload.Zeros, 16<<20, 1)
	o := codec.Options{ChunkSize: capChunk, Level: 1}
	for _, perByte := range []float64{50, 1} {
		r := newRecorded(engine.Config{Workers: 2}, engine.Adaptive{Target: target, MinChunk: minChunk,
			Cost: func(_ int64, n int) time.Duration { return time.Duration(perByte * float64(n)) }})
		var out bytes.Buffer
		require.NoError(t, r.Pack(context.Background(), &out, bytes.NewReader(data), o))
		sizes := r.Schedule()
		require.NotEmpty(t, sizes)
		body := sizes[:len(sizes)-1] // the last chunk is the input's tail
		for i, n := range body {
			require.True(t, n >= minChunk && n <= capChunk, "%v ns/byte: chunk %d is %d bytes", perByte, i, n)
		}
		from := len(body) - 1
		for from > 0 && body[from-1] == body[len(body)-1] {
			from--
		}
		took := time.Duration(perByte * float64(body[from]))
		assert.LessOrEqual(t, from, 10+2*2+2+2, "%v ns/byte: settled at chunk %d: %v", perByte, from, sizes)
		assert.True(t, took >= target/2 && took <= 2*target, "%v ns/byte: settled on %d bytes, %v a chunk", perByte, body[from], took)
		var want bytes.Buffer
		require.NoError(t, oracle.PackSchedule(context.Background(), &want, bytes.NewReader(data), o, sizes))
		assert.True(t, bytes.Equal(out.Bytes(), want.Bytes()), "%v ns/byte: output differs from oracle.PackSchedule's", perByte)
		var back bytes.Buffer
		require.NoError(t, r.Unpack(context.Background(), &back, &out, o))
		assert.True(t, bytes.Equal(back.Bytes(), data), "%v ns/byte: unpacked output differs from the input", perByte)
		t.Logf("%2.0f ns/byte: %3d chunks, settled at chunk %2d on %7d bytes (%v a chunk)", perByte, len(sizes), from, body[from], took)
	}
}
