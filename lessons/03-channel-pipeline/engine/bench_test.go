package engine_test

import (
	"testing"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	lesson02 "packcourse/lessons/02-bounded-fanout/engine"
	"packcourse/lessons/03-channel-pipeline/engine"
)

// benchOptions are the defaults every lesson's benchmark uses: 1 MiB
// chunks, DEFLATE level 6, no encryption.
var benchOptions = codec.Options{}

// BenchmarkPack puts lesson 02 and lesson 03 side by side on the shared
// 64 MiB workload, each with its default worker count (GOMAXPROCS).
func BenchmarkPack(b *testing.B) {
	b.Run("lesson=02", func(b *testing.B) {
		e := &lesson02.Engine{}
		pipetest.BenchPack(b, e, benchOptions)
		s := e.Stats()
		report(b, s.PeakGoroutines, s.PeakInFlight, s.PeakBufferedBytes)
		b.ReportMetric(float64(s.TurnWaits), "turn-waits")
	})
	b.Run("lesson=03", func(b *testing.B) {
		e := &engine.Engine{}
		pipetest.BenchPack(b, e, benchOptions)
		s := e.Stats()
		report(b, s.PeakGoroutines, s.PeakInFlight, s.PeakBufferedBytes)
		b.ReportMetric(float64(s.WriterWaits), "writer-waits")
	})
}

// BenchmarkUnpack does the same for Unpack. Lesson 02's Unpack is the
// sequential oracle's; lesson 03's is the first parallel one.
func BenchmarkUnpack(b *testing.B) {
	b.Run("lesson=02", func(b *testing.B) {
		pipetest.BenchUnpack(b, &lesson02.Engine{}, benchOptions)
	})
	b.Run("lesson=03", func(b *testing.B) {
		e := &engine.Engine{}
		pipetest.BenchUnpack(b, e, benchOptions)
		s := e.Stats()
		report(b, s.PeakGoroutines, s.PeakInFlight, s.PeakBufferedBytes)
		b.ReportMetric(float64(s.WriterWaits), "writer-waits")
	})
}

// report adds the figures both lessons measure to a benchmark's line: for
// the last run, the peak goroutines, chunks in flight and MiB buffered.
func report(b *testing.B, goroutines, inFlight int, buffered int64) {
	b.ReportMetric(float64(goroutines), "goroutines")
	b.ReportMetric(float64(inFlight), "in-flight")
	b.ReportMetric(float64(buffered)/(1<<20), "buffered-MiB")
}
