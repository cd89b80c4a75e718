package engine_test

import (
	"runtime/metrics"
	"testing"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	"packcourse/lessons/02-bounded-fanout/engine"

	lesson01 "packcourse/lessons/01-batch-convoy/engine"
)

// benchOptions are both sides' options: the defaults, 1 MiB chunks at
// level 6, as a user would run it. Workers is 0: one per core.
var benchOptions = codec.Options{}

func BenchmarkPack(b *testing.B) {
	b.Run("lesson=01", func(b *testing.B) {
		e := &lesson01.Engine{}
		withMutexWait(b, func() { pipetest.BenchPack(b, e, benchOptions) })
		st := e.Stats()
		reportStats(b, st.PeakBufferedBytes, st.PeakGoroutines, st.PeakInFlight, st.TurnWaits)
	})
	b.Run("lesson=02", func(b *testing.B) {
		e := &engine.Engine{}
		withMutexWait(b, func() { pipetest.BenchPack(b, e, benchOptions) })
		st := e.Stats()
		reportStats(b, st.PeakBufferedBytes, st.PeakGoroutines, st.PeakInFlight, st.TurnWaits)
	})
}

// BenchmarkUnpack: both lessons unpack with the oracle; the figures show
// that nothing changed there.
func BenchmarkUnpack(b *testing.B) {
	b.Run("lesson=01", func(b *testing.B) { pipetest.BenchUnpack(b, &lesson01.Engine{}, benchOptions) })
	b.Run("lesson=02", func(b *testing.B) { pipetest.BenchUnpack(b, &engine.Engine{}, benchOptions) })
}

// reportStats reports the last run's figures next to MB/s. (The two
// lessons' Stats are different types with the same fields.)
func reportStats(b *testing.B, peakBuffered int64, peakGoroutines, peakInFlight, turnWaits int) {
	b.ReportMetric(float64(peakBuffered)/(1<<20), "buffered-MiB")
	b.ReportMetric(float64(peakGoroutines), "peak-goroutines")
	b.ReportMetric(float64(peakInFlight), "peak-in-flight")
	b.ReportMetric(float64(turnWaits), "turn-waits")
}

// withMutexWait runs bench and reports how long, per op, goroutines were
// blocked on a sync.Mutex meanwhile, from the runtime's own running total
// (which also counts the runtime's internal locks, so it is never quite 0).
func withMutexWait(b *testing.B, bench func()) {
	before := mutexWaitSeconds()
	bench()
	b.ReportMetric((mutexWaitSeconds()-before)*1e3/float64(b.N), "mutex-wait-ms/op")
}

func mutexWaitSeconds() float64 {
	s := []metrics.Sample{{Name: "/sync/mutex/wait/total:seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64()
}
