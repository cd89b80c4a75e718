package engine_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/pipetest"
	lesson05 "packcourse/lessons/05-counters-atomics/engine"
	"packcourse/lessons/06-global-governance/engine"
)

// benchOptions are the defaults every lesson's benchmark uses: 1 MiB
// chunks, DEFLATE level 6, no encryption.
var benchOptions = codec.Options{}

// benchLimits are the Governor the lesson=06 benchmarks share between
// their files: a CPU token per core, 4 I/O tokens, and 16 MiB of
// buffers, a quarter of what eight lesson 05 runs hold.
func benchLimits() engine.Limits {
	return engine.Limits{CPU: runtime.GOMAXPROCS(0), IO: 4, Bytes: 16 << 20}
}

// BenchmarkPack puts lesson 05 and lesson 06 side by side on the shared
// 64 MiB workload, one file, each with its default worker count. A
// governed run takes tokens for every step and makes its buffers for
// every chunk (it keeps none between chunks): what that costs on one
// file is in the difference.
func BenchmarkPack(b *testing.B) {
	b.Run("lesson=05", func(b *testing.B) {
		e := &lesson05.Engine{}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Stats().PeakBufferedBytes)
	})
	b.Run("lesson=06", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b)}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
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
	b.Run("lesson=06", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b)}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
	})
}

// BenchmarkPackFiles packs eight 8 MiB inputs at once (generated as they
// are read, so the inputs themselves take no memory): lesson 05 as eight
// independent runs, lesson 06 as eight runs sharing one Governor. Both
// report the buffers they held at once and the process's peak RSS;
// lesson 06 also reports the most encodes it ran at once.
func BenchmarkPackFiles(b *testing.B) {
	const n, size = 8, 8 << 20
	inputs := func() []engine.File {
		fs := make([]engine.File, n)
		for i := range fs {
			fs[i] = engine.File{Src: workload.New(workload.Mixed, size, uint64(i+1)), Dst: io.Discard}
		}
		return fs
	}
	b.Run("lesson=05", func(b *testing.B) {
		engines := make([]*lesson05.Engine, n)
		for i := range engines {
			engines[i] = &lesson05.Engine{}
		}
		b.SetBytes(n * size)
		memstat.ResetPeakRSS()
		for b.Loop() {
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i, f := range inputs() {
				wg.Go(func() { errs[i] = engines[i].Pack(context.Background(), f.Dst, f.Src, benchOptions) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				b.Fatal(err)
			}
		}
		var buffered int64
		for _, e := range engines {
			buffered += e.Stats().PeakBufferedBytes
		}
		reportBuffered(b, buffered)
		reportRSS(b)
	})
	b.Run("lesson=06", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b)}
		b.SetBytes(n * size)
		memstat.ResetPeakRSS()
		for b.Loop() {
			if err := e.PackFiles(context.Background(), inputs(), benchOptions); err != nil {
				b.Fatal(err)
			}
		}
		st := e.Governor.Stats()
		reportBuffered(b, st.PeakBytes)
		reportRSS(b)
		b.ReportMetric(float64(st.PeakCPU), "peak-encodes")
	})
}

func benchGovernor(b *testing.B) *engine.Governor {
	g, err := engine.NewGovernor(benchLimits())
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// reportBuffered adds the engine's own figure for its last run: the most
// MiB of input, chunk and frame buffers it held at once.
func reportBuffered(b *testing.B, bytes int64) {
	b.ReportMetric(float64(bytes)/(1<<20), "buffered-MiB")
}

// reportRSS adds the process's peak resident memory since the last
// memstat.ResetPeakRSS, where the system can tell it.
func reportRSS(b *testing.B) {
	if peak, err := memstat.PeakRSS(); err == nil {
		b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	}
}
