package engine_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
	"packcourse/final/engine"
	"packcourse/lessons/00-the-job/pipetest"
)

// Runs one after another reuse the chunk buffers and the codec state of
// the runs before: a small file's run allocates less than the one chunk
// buffer it reads into, where building its buffer and its Encoder afresh
// would take more than twice that. Its container is still the oracle's.
// The race detector makes sync.Pool drop a quarter of what it is given, so
// under it the bound is only that the run does not build both afresh;
// .ci/run runs this test without it too.
func TestSmallRunsReuseBuffersAndCoders(t *testing.T) {
	const chunkSize = 1 << 20
	for _, c := range []codec.Codec{codec.Deflate, codec.Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			o := codec.Options{ChunkSize: chunkSize, Codec: c}
			data := pipetest.Input(4 << 10)
			want := pipetest.OraclePack(t, data, o)
			e := engine.New(engine.Config{Workers: 2})
			var got bytes.Buffer
			pack := func() {
				got.Reset()
				require.NoError(t, e.Pack(context.Background(), &got, bytes.NewReader(data), o))
			}
			pack() // the first run fills the pools
			require.Equal(t, want, got.Bytes(), "container differs from the oracle's")

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			const runs = 50
			for range runs {
				pack()
			}
			runtime.ReadMemStats(&after)
			perRun := (after.TotalAlloc - before.TotalAlloc) / runs
			t.Logf("%s: %d bytes allocated per run", c, perRun)
			bound, what := uint64(chunkSize/4), "a 4 KiB run allocates a chunk buffer or an Encoder of its own"
			if raceEnabled {
				bound, what = chunkSize*3/2, "a 4 KiB run allocates a chunk buffer and an Encoder of its own"
			}
			assert.Less(t, perRun, bound, what)
			assert.Equal(t, want, got.Bytes(), "container differs from the oracle's after reuse")
		})
	}
}

// Unpack runs one after another reuse the buffers of the jobs the runs
// before dropped: a run of a 4 MiB container in 1 MiB chunks allocates
// less than one chunk, where making its jobs' frame and chunk buffers
// afresh takes several. Every output is still the input. Under the race
// detector, which makes sync.Pool drop a quarter of what it is given, the
// bound is only that the run does not make all its buffers afresh.
func TestUnpackRunsReuseJobBuffers(t *testing.T) {
	const chunkSize = 1 << 20
	for _, c := range []codec.Codec{codec.Deflate, codec.Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			o := codec.Options{ChunkSize: chunkSize, Codec: c}
			data := pipetest.Input(4 * chunkSize)
			packed := pipetest.OraclePack(t, data, o)
			e := engine.New(engine.Config{Workers: 2})
			var got bytes.Buffer
			unpack := func() {
				got.Reset()
				require.NoError(t, e.Unpack(context.Background(), &got, bytes.NewReader(packed), o))
			}
			unpack() // the first run fills the pools
			got.Grow(len(data))

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			const runs = 20
			for range runs {
				unpack()
			}
			runtime.ReadMemStats(&after)
			perRun := (after.TotalAlloc - before.TotalAlloc) / runs
			t.Logf("%s: %d bytes allocated per run", c, perRun)
			bound, what := uint64(chunkSize), "a 4 MiB run allocates a chunk or frame buffer of its own"
			if raceEnabled {
				bound, what = 4*chunkSize, "a 4 MiB run allocates its jobs' buffers afresh"
			}
			assert.Less(t, perRun, bound, what)
			assert.True(t, bytes.Equal(data, got.Bytes()), "output differs from the input after reuse")
		})
	}
}
