package engine_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	lesson07 "packcourse/lessons/07-observability/engine"
	prev "packcourse/lessons/10-adaptive-chunks/engine" // lesson 10's engine
	"packcourse/lessons/11-crash-safe-output/engine"
)

// benchOptions are the defaults every lesson's benchmark uses: 1 MiB
// chunks, DEFLATE level 6, no encryption.
var benchOptions = codec.Options{}

// benchLimits are lesson 06's benchmark Governor, kept: a CPU token per core,
// 4 I/O tokens, and 16 MiB of buffers.
func benchLimits() engine.Limits {
	return engine.Limits{CPU: runtime.GOMAXPROCS(0), IO: 4, Bytes: 16 << 20}
}

// BenchmarkPack puts lesson 10 and lesson 11 side by side on the shared
// 64 MiB workload file, one file, each with its default worker count,
// metrics on, a Governor of benchLimits (4 I/O tokens) and adaptive
// chunks under a 1 MiB cap (chunk-KiB: their mean). Lesson 11 changes
// where outputs go, not how a stream is packed: the two should not differ
// by more than the noise. BenchmarkPackFiles measures what its outputs
// cost.
func BenchmarkPack(b *testing.B) {
	b.Run("lesson=10", func(b *testing.B) {
		l := benchLimits()
		g, err := prev.NewGovernor(prev.Limits{CPU: l.CPU, IO: l.IO, Bytes: l.Bytes})
		if err != nil {
			b.Fatal(err)
		}
		e := &prev.Engine{Governor: g, Metrics: prev.NewMetrics(), Adaptive: &prev.Adaptive{}}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
		reportChunk(b, len(e.Stats().Schedule))
	})
	b.Run("lesson=11", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b), Metrics: engine.NewMetrics(), Adaptive: &engine.Adaptive{}}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
		reportChunk(b, len(e.Stats().Schedule))
	})
}

// reportChunk reports the mean chunk size of an adaptive run of n chunks.
func reportChunk(b *testing.B, n int) {
	if n > 0 {
		b.ReportMetric(float64(pipetest.BenchSize)/float64(n)/1024, "chunk-KiB")
	}
}

// BenchmarkUnpack does the same for Unpack, on the oracle's container of
// the shared workload. Unpack reads a container, whose frames have sizes
// only its headers tell: it keeps lesson 07's sequential reader.
func BenchmarkUnpack(b *testing.B) {
	b.Run("lesson=07", func(b *testing.B) {
		e := &lesson07.Engine{Governor: benchGovernor07(b), Metrics: lesson07.NewMetrics()}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
	})
	b.Run("lesson=08", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b), Metrics: engine.NewMetrics()}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
	})
}

// docs:region BenchmarkReadDepth
// BenchmarkReadDepth packs from an input whose every read sleeps 1ms of
// real time (64 KiB chunks at DEFLATE level 1, 16 MiB), with lesson 07's
// reader and at depths 1, 4 and 16, ungoverned, Queue = depth. Wall time
// here includes how long the machine's sleeps really take, and the
// encoders' own bound: the proof of the bound is the synctest test; this
// shows what is left of it on a real, busy machine.
func BenchmarkReadDepth(b *testing.B) {
	data := pipetest.Input(16 << 20)
	small := codec.Options{ChunkSize: 64 << 10, Level: 1}
	run := func(b *testing.B, e pipetest.Engine) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			d := &slowDevice{data: data, latency: time.Millisecond, failAt: -1}
			if err := e.Pack(context.Background(), io.Discard, d.input(), small); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("lesson=07", func(b *testing.B) { run(b, &lesson07.Engine{}) })
	for _, depth := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("lesson=08/depth=%d", depth), func(b *testing.B) {
			run(b, &engine.Engine{Queue: depth, ReadDepth: depth})
		})
	}
}

// docs:endregion BenchmarkReadDepth

// docs:region BenchmarkMetrics
// BenchmarkMetrics is lesson 07's governed engine with its metrics off (a
// nil Metrics: no clock read, no histogram), on, and on and gathered for
// Prometheus every 10ms, in one run, on small chunks (64 KiB at DEFLATE
// level 1): the most chunks per second, so the most records and clock
// reads for the same work. If metrics cost anything, they cost it here.
// Besides wall-time MB/s it reports cpu-MB/s, input per second of the
// process's CPU time, which a machine busy with other work skews less.
func BenchmarkMetrics(b *testing.B) {
	small := codec.Options{ChunkSize: 64 << 10, Level: 1}
	b.Run("metrics=off", func(b *testing.B) {
		reportCPU(b, func() { pipetest.BenchPack(b, &engine.Engine{Governor: benchGovernor(b)}, small) })
	})
	b.Run("metrics=on", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b), Metrics: engine.NewMetrics()}
		reportCPU(b, func() { pipetest.BenchPack(b, e, small) })
	})
	b.Run("metrics=scraped", func(b *testing.B) {
		e := &scraped{Engine: &engine.Engine{Governor: benchGovernor(b), Metrics: engine.NewMetrics()}, every: 10 * time.Millisecond}
		reportCPU(b, func() { pipetest.BenchPack(b, e, small) })
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

func benchGovernor07(b *testing.B) *lesson07.Governor {
	l := benchLimits()
	g, err := lesson07.NewGovernor(lesson07.Limits{CPU: l.CPU, IO: l.IO, Bytes: l.Bytes})
	if err != nil {
		b.Fatal(err)
	}
	return g
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

// reportCPU runs bench and reports the megabytes of input packed per
// second of the process's CPU time (cpu-MB/s), where the system can tell.
func reportCPU(b *testing.B, bench func()) {
	cpu0, ok0 := cpuTime()
	bench()
	cpu1, ok1 := cpuTime()
	if ok0 && ok1 && b.N > 0 && cpu1 > cpu0 {
		b.ReportMetric(float64(pipetest.BenchSize)*float64(b.N)/1e6/(cpu1-cpu0).Seconds(), "cpu-MB/s")
	}
}
