package engine_test

import (
	"fmt"
	"testing"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/pipetest"
	lesson03 "packcourse/lessons/03-channel-pipeline/engine"
	"packcourse/lessons/05-counters-atomics/engine"
)

// benchOptions are the defaults every lesson's benchmark uses: 1 MiB
// chunks, DEFLATE level 6, no encryption.
var benchOptions = codec.Options{}

// BenchmarkPack puts lesson 03 and lesson 04 side by side on the shared
// 64 MiB workload, each with its default worker count (GOMAXPROCS).
func BenchmarkPack(b *testing.B) {
	b.Run("lesson=03", func(b *testing.B) {
		e := &lesson03.Engine{}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
	})
	b.Run("lesson=04", func(b *testing.B) {
		e := &engine.Engine{}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
		b.ReportMetric(float64(e.Stats().Buffers), "buffers")
	})
}

// BenchmarkUnpack does the same for Unpack, on the oracle's container of
// the shared workload.
func BenchmarkUnpack(b *testing.B) {
	b.Run("lesson=03", func(b *testing.B) {
		e := &lesson03.Engine{}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
	})
	b.Run("lesson=04", func(b *testing.B) {
		e := &engine.Engine{}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
		b.ReportMetric(float64(e.Stats().Buffers), "buffers")
	})
}

// BenchmarkPackGrowing packs a 64 MiB and a 512 MiB file (8x) with both
// lessons, to show peak RSS growing with the input for lesson 03 and not
// for lesson 04. It packs at DEFLATE level 1, on both sides, to keep the
// 512 MiB runs short.
func BenchmarkPackGrowing(b *testing.B) {
	o := codec.Options{Level: 1}
	for _, size := range []int64{64 << 20, 512 << 20} {
		path := pipetest.InputFile(b, workload.Mixed, size)
		name := units.FormatSize(size)
		b.Run(fmt.Sprintf("size=%s/lesson=03", name), func(b *testing.B) {
			e := &lesson03.Engine{}
			pipetest.BenchPackFile(b, e, path, size, o)
			reportBuffered(b, e.Stats().PeakBufferedBytes)
		})
		b.Run(fmt.Sprintf("size=%s/lesson=04", name), func(b *testing.B) {
			e := &engine.Engine{}
			pipetest.BenchPackFile(b, e, path, size, o)
			reportBuffered(b, e.Stats().PeakBufferedBytes)
		})
	}
}

// reportBuffered adds the engine's own figure for its last run: the most
// MiB of input, chunk and frame buffers it held at once.
func reportBuffered(b *testing.B, bytes int64) {
	b.ReportMetric(float64(bytes)/(1<<20), "buffered-MiB")
}
