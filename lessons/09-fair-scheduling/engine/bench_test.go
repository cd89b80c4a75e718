package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	lesson07 "packcourse/lessons/07-observability/engine"
	lesson08 "packcourse/lessons/08-io-queue-depth/engine"
	"packcourse/lessons/09-fair-scheduling/engine"
)

// benchOptions are the defaults every lesson's benchmark uses: 1 MiB
// chunks, DEFLATE level 6, no encryption.
var benchOptions = codec.Options{}

// benchLimits are lesson 06's benchmark Governor, kept: a CPU token per core,
// 4 I/O tokens, and 16 MiB of buffers.
func benchLimits() engine.Limits {
	return engine.Limits{CPU: runtime.GOMAXPROCS(0), IO: 4, Bytes: 16 << 20}
}

// BenchmarkPack puts lesson 08 and lesson 09 side by side on the shared
// 64 MiB workload file, one file, each with its default worker count,
// metrics on and a Governor of benchLimits (4 I/O tokens; lesson 09's
// with a small lane of 2 MiB of the 16). One large file never takes the
// fast path nor the lane, and can use only the budget less the lane: the
// two should not differ by more than the noise.
func BenchmarkPack(b *testing.B) {
	b.Run("lesson=08", func(b *testing.B) {
		e := &lesson08.Engine{Governor: benchGovernor08(b), Metrics: lesson08.NewMetrics()}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
	})
	b.Run("lesson=09", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b), Metrics: engine.NewMetrics()}
		pipetest.BenchPack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
	})
}

// BenchmarkUnpack does the same for Unpack, on the oracle's container of
// the shared workload. Unpack has no fast path: it is lesson 08's.
func BenchmarkUnpack(b *testing.B) {
	b.Run("lesson=08", func(b *testing.B) {
		e := &lesson08.Engine{Governor: benchGovernor08(b), Metrics: lesson08.NewMetrics()}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
	})
	b.Run("lesson=09", func(b *testing.B) {
		e := &engine.Engine{Governor: benchGovernor(b), Metrics: engine.NewMetrics()}
		pipetest.BenchUnpack(b, e, benchOptions)
		reportBuffered(b, e.Governor.Stats().PeakBytes)
	})
}

// docs:region BenchmarkHugeWithSmall
// BenchmarkHugeWithSmall packs a 32 MiB file alone, then with 256 small
// files (1 byte to 64 KiB) started alongside it, each in a Pack of its
// own as PackFiles does, lesson 08
// against lesson 09, each on one Governor of benchLimits. Chunks are 64
// KiB at DEFLATE level 1. huge-MB/s is the huge file's own throughput
// (its size over the time its Pack took): what the small files and the
// lane cost it. last-small-ms is when the last small file was done,
// from the start.
func BenchmarkHugeWithSmall(b *testing.B) {
	o := codec.Options{ChunkSize: 64 << 10, Level: 1}
	huge := pipetest.Input(32 << 20)
	var small [][]byte
	for i := range 256 {
		small = append(small, pipetest.Input(1+i*(64<<10-1)/255))
	}
	for _, n := range []int{0, len(small)} {
		b.Run(fmt.Sprintf("lesson=08/small=%d", n), func(b *testing.B) {
			e := &lesson08.Engine{Governor: benchGovernor08(b)}
			benchMixed(b, huge, small[:n], func(dst io.Writer, src io.Reader) error { return e.Pack(context.Background(), dst, src, o) })
		})
		b.Run(fmt.Sprintf("lesson=09/small=%d", n), func(b *testing.B) {
			e := &engine.Engine{Governor: benchGovernor(b)}
			benchMixed(b, huge, small[:n], func(dst io.Writer, src io.Reader) error { return e.Pack(context.Background(), dst, src, o) })
		})
	}
}

// docs:endregion BenchmarkHugeWithSmall

// benchMixed packs huge and every small input at once, each in its own
// goroutine, and reports the huge file's throughput and when, on average,
// the last small file was done.
func benchMixed(b *testing.B, huge []byte, small [][]byte, pack func(io.Writer, io.Reader) error) {
	b.SetBytes(int64(len(huge)))
	var hugeTime, lastSmall time.Duration
	for b.Loop() {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, len(small)+1)
		wg.Go(func() {
			errs[0] = pack(io.Discard, bytes.NewReader(huge))
			hugeTime += time.Since(start)
		})
		var mu sync.Mutex
		var last time.Duration
		for i, data := range small {
			wg.Go(func() {
				errs[i+1] = pack(io.Discard, bytes.NewReader(data))
				mu.Lock()
				defer mu.Unlock()
				last = max(last, time.Since(start))
			})
		}
		wg.Wait()
		lastSmall += last
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(huge))*float64(b.N)/1e6/hugeTime.Seconds(), "huge-MB/s")
	if len(small) > 0 {
		b.ReportMetric(float64(lastSmall.Milliseconds())/float64(b.N), "last-small-ms")
	}
}

// docs:region BenchmarkTinyFiles
// BenchmarkTinyFiles packs 1 KiB files one after another, one per op, so
// ns/op and allocs/op are the cost of one small file: lesson 08 starts a
// reader, the workers and a writer for each, lesson 09 packs it on the
// calling goroutine. goroutines/op is what the engine started (its own
// count, Stats.PeakGoroutines). Ungoverned and governed.
func BenchmarkTinyFiles(b *testing.B) {
	data := pipetest.Input(1 << 10)
	run := func(b *testing.B, pack func(io.Writer, io.Reader) error, started func() int) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		goroutines := 0
		for b.Loop() {
			if err := pack(io.Discard, bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
			goroutines += started()
		}
		b.ReportMetric(float64(goroutines)/float64(b.N), "goroutines/op")
	}
	for _, governed := range []bool{false, true} {
		b.Run(fmt.Sprintf("lesson=08/governed=%v", governed), func(b *testing.B) {
			e := &lesson08.Engine{}
			if governed {
				e.Governor = benchGovernor08(b)
			}
			run(b, func(w io.Writer, r io.Reader) error { return e.Pack(context.Background(), w, r, benchOptions) },
				func() int { return e.Stats().PeakGoroutines })
		})
		b.Run(fmt.Sprintf("lesson=09/governed=%v", governed), func(b *testing.B) {
			e := &engine.Engine{}
			if governed {
				e.Governor = benchGovernor(b)
			}
			run(b, func(w io.Writer, r io.Reader) error { return e.Pack(context.Background(), w, r, benchOptions) },
				func() int { return e.Stats().PeakGoroutines })
		})
	}
}

// docs:endregion BenchmarkTinyFiles

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

func benchGovernor08(b *testing.B) *lesson08.Governor {
	l := benchLimits()
	g, err := lesson08.NewGovernor(lesson08.Limits{CPU: l.CPU, IO: l.IO, Bytes: l.Bytes})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// benchGovernor is benchLimits with a small lane of one chunk of the
// default 1 MiB (its buffers: about 2 MiB), or of many of 64 KiB.
func benchGovernor(b *testing.B) *engine.Governor {
	l := benchLimits()
	l.SmallBytes = engine.ChunkCost(1 << 20)
	g, err := engine.NewGovernor(l)
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
