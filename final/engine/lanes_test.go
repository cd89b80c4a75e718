package engine_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/format"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/lessons/00-the-job/pipetest"
)

// hugeRun starts packing a large input through e with its writer stuck
// after the header, and waits until it holds all it can of the budget.
func hugeRun(t *testing.T, e *engine.Engine) (dst *gatedWriter, done chan error) {
	t.Helper()
	data := pipetest.Input(200 * chunk)
	dst = newGatedWriter(io.Discard, 1)
	done = make(chan error, 1)
	go func() {
		done <- e.ForFile(int64(len(data))).Pack(context.Background(), dst, bytes.NewReader(data), opts)
	}()
	synctest.Wait()
	return dst, done
}

// A huge file fills the shared budget and stops (its writer is stuck). A
// small file still packs, in full, without the huge file writing a single
// frame: the small lane does not wait for the huge file's releases.
func TestSmallFileDoesNotWaitForHugeFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, slot := engine.MinBytes(engine.Pack, opts), engine.JobBytes(chunk)
		g := govern.New(govern.Limits{CPU: 2, Bytes: 2*base + slot, SmallBytes: base, SmallFile: chunk})
		e := engine.New(engine.Config{Workers: 2, Governor: g})
		huge, hugeDone := hugeRun(t, engine.New(engine.Config{Workers: 1, InFlight: 2, Governor: g}))
		require.Equal(t, base+slot, g.Stats().BytesInUse, "the huge file holds the whole shared budget")

		small := pipetest.Input(100)
		mustPack(t, e.ForFile(int64(len(small))), small, opts)
		assert.Equal(t, int64(1), huge.Writes.Load(), "the huge file wrote only its header meanwhile")

		close(huge.Gate)
		require.NoError(t, <-hugeDone)
		assert.Zero(t, g.Stats().BytesInUse)
	})
}

// Two large files: the second waits for bytes, and the first, seeing it
// wait, gives a job back after its next frame instead of keeping it. One
// release of the first file is all the second needs to start.
func TestWaitingFileGetsBytesAfterOneFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Room for the huge file's base and two more jobs, and the coder
		// of the second file's base: it lacks one job's bytes.
		base, slot := engine.MinBytes(engine.Pack, opts), engine.JobBytes(chunk)
		coder := engine.CoderBytes(engine.Pack, opts)
		g := govern.New(govern.Limits{CPU: 2, Bytes: base + 2*slot + coder, SmallBytes: -1})
		e := engine.New(engine.Config{Workers: 2, Governor: g})
		huge, hugeDone := hugeRun(t, engine.New(engine.Config{Workers: 1, InFlight: 3, Governor: g}))
		require.Equal(t, base+2*slot, g.Stats().BytesInUse)

		second := pipetest.Input(20 * chunk)
		var out bytes.Buffer
		secondDone := make(chan error, 1)
		go func() {
			secondDone <- e.ForFile(int64(len(second))).Pack(context.Background(), &out, bytes.NewReader(second), opts)
		}()
		synctest.Wait()
		assert.Equal(t, format.HeaderLen, out.Len(), "the second file waits for bytes before it writes a frame")

		huge.Gate <- struct{}{} // one frame of the huge file
		synctest.Wait()
		select {
		case err := <-secondDone:
			require.NoError(t, err)
		default:
			t.Fatal("the second file did not finish after the huge file wrote one frame")
		}
		assert.Equal(t, pipetest.OraclePack(t, second, opts), out.Bytes())
		assert.Equal(t, int64(2), huge.Writes.Load(), "the huge file wrote its header and one frame")

		close(huge.Gate)
		require.NoError(t, <-hugeDone)
		assert.Zero(t, g.Stats().BytesInUse)
	})
}
