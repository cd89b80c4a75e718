package engine_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	lesson05 "packcourse/lessons/05-counters-atomics/engine"
	"packcourse/lessons/07-observability/engine"
)

// benchOptions are the defaults every lesson's benchmark uses: 1 MiB
// chunks, DEFLATE level 6, no encryption.
var benchOptions = codec.Options{}

// BenchmarkPack puts lesson 05 and lesson 07 side by side on the shared
// 64 MiB workload, each with its default worker count (GOMAXPROCS).
// Lesson 07 runs with metrics on, and another goroutine gathers them for
// Prometheus every 10ms, as a scraper far more eager than any (they
// scrape every 15s or so) would: what observing costs is in its figure.
func BenchmarkPack(b *testing.B) {
	b.Run("lesson=05", func(b *testing.B) {
		e := &lesson05.Engine{}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
	})
	b.Run("lesson=07", func(b *testing.B) {
		ms := engine.NewMetrics()
		e := &scraped{Engine: &engine.Engine{Metrics: ms}, every: 10 * time.Millisecond}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
		b.ReportMetric(float64(e.scrapes)/float64(b.N), "scrapes")
	})
}

// BenchmarkUnpack does the same for Unpack, on the oracle's container of
// the shared workload.
func BenchmarkUnpack(b *testing.B) {
	b.Run("lesson=05", func(b *testing.B) {
		e := &lesson05.Engine{}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
	})
	b.Run("lesson=07", func(b *testing.B) {
		ms := engine.NewMetrics()
		e := &scraped{Engine: &engine.Engine{Metrics: ms}, every: 10 * time.Millisecond}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
		b.ReportMetric(float64(e.scrapes)/float64(b.N), "scrapes")
	})
}

// docs:region BenchmarkMetrics
// BenchmarkMetrics is lesson 07's engine with its metrics off (a nil
// Metrics: no clock read, no histogram) and on, with the 10ms scraper,
// in one run, on small chunks (64 KiB, DEFLATE level 1) where there are
// the most chunks per second, and so the most records, for the same
// work: metrics cost the most there, if anywhere.
func BenchmarkMetrics(b *testing.B) {
	small := codec.Options{ChunkSize: 64 << 10, Level: 1}
	b.Run("metrics=off", func(b *testing.B) {
		pipetest.BenchPack(b, &engine.Engine{}, small)
	})
	b.Run("metrics=on", func(b *testing.B) {
		e := &scraped{Engine: &engine.Engine{Metrics: engine.NewMetrics()}, every: 10 * time.Millisecond}
		pipetest.BenchPack(b, e, small)
		b.ReportMetric(float64(e.scrapes)/float64(b.N), "scrapes")
	})
}

// docs:endregion BenchmarkMetrics

// scraped is an Engine whose metrics are gathered, as Prometheus would,
// every so often while each run goes. scrapes counts them.
type scraped struct {
	*engine.Engine
	every   time.Duration
	scrapes int
}

func (s *scraped) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	defer s.scrape()()
	return s.Engine.Pack(ctx, dst, src, o)
}

func (s *scraped) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	defer s.scrape()()
	return s.Engine.Unpack(ctx, dst, src, o)
}

// scrape starts gathering the metrics every s.every and returns the
// function that stops it and waits for it to end.
func (s *scraped) scrape() (stop func()) {
	reg := s.Metrics.Registry()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(s.every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := reg.Gather(); err != nil {
					panic(err)
				}
				s.scrapes++ // only this goroutine writes scrapes until wg.Wait below
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
