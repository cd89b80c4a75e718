package engine_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	lesson04 "packcourse/lessons/04-streaming-io/engine"
	"packcourse/lessons/07-observability/engine"
)

// benchOptions are the defaults every lesson's benchmark uses: 1 MiB
// chunks, DEFLATE level 6, no encryption.
var benchOptions = codec.Options{}

// BenchmarkPack puts lesson 04 and lesson 05 side by side on the shared
// 64 MiB workload, each with its default worker count (GOMAXPROCS).
// Lesson 05 counts its progress in every stage, and another goroutine
// reads Progress every millisecond while it runs, far more often than
// any progress line needs: what watching costs is in its figure.
func BenchmarkPack(b *testing.B) {
	b.Run("lesson=04", func(b *testing.B) {
		e := &lesson04.Engine{}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
	})
	b.Run("lesson=05", func(b *testing.B) {
		e := &watched{Engine: &engine.Engine{}, every: time.Millisecond}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
		b.ReportMetric(float64(e.reads)/float64(b.N), "progress-reads")
	})
}

// BenchmarkUnpack does the same for Unpack, on the oracle's container of
// the shared workload.
func BenchmarkUnpack(b *testing.B) {
	b.Run("lesson=04", func(b *testing.B) {
		e := &lesson04.Engine{}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
	})
	b.Run("lesson=05", func(b *testing.B) {
		e := &watched{Engine: &engine.Engine{}, every: time.Millisecond}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
		b.ReportMetric(float64(e.reads)/float64(b.N), "progress-reads")
	})
}

// watched is an Engine whose runs are watched: while each Pack or Unpack
// runs, another goroutine reads its Progress every so often, as a
// progress line would. reads counts the snapshots taken in all runs.
type watched struct {
	*engine.Engine
	every time.Duration
	reads int
}

func (w *watched) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	defer w.watch()()
	return w.Engine.Pack(ctx, dst, src, o)
}

func (w *watched) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	defer w.watch()()
	return w.Engine.Unpack(ctx, dst, src, o)
}

// watch starts reading Progress every w.every and returns the function
// that stops it and waits for it to end.
func (w *watched) watch() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(w.every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = w.Progress()
				w.reads++ // only this goroutine writes reads until wg.Wait below
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// reportBuffered adds the engine's own figure for its last run: the most
// MiB of input, chunk and frame buffers it held at once.
func reportBuffered(b *testing.B, bytes int64) {
	b.ReportMetric(float64(bytes)/(1<<20), "buffered-MiB")
}
