package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	lesson06 "packcourse/lessons/06-global-governance/engine"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

// With metrics on, ungoverned and governed, the engine still passes the
// whole conformance suite: the hooks change nothing it writes.
func TestConformanceWithMetrics(t *testing.T) {
	t.Run("ungoverned", func(t *testing.T) {
		pipetest.Run(t, func(workers int) pipetest.Engine {
			return &engine.Engine{Workers: workers, Metrics: engine.NewMetrics()}
		})
	})
	t.Run("governed", func(t *testing.T) {
		cost := engine.ChunkCost(pipetest.ChunkSize)
		pipetest.Run(t, func(workers int) pipetest.Engine {
			g := newGovernor(t, engine.Limits{CPU: 1, IO: 1, Bytes: cost})
			return &engine.Engine{Workers: workers, Governor: g, Metrics: engine.NewMetrics()}
		})
	})
}

// docs:region TestMetricsAgreeWithTheWork
// After a series of runs on one Metrics, every counter is exactly the work
// done: runs, failures, chunks and bytes in each stage, and one record per
// chunk in each histogram. The runs are packs and unpacks of every size
// the conformance suite uses, without and with a Governor, a pack whose
// writer fails and an unpack of a damaged container; /metrics serves the
// same figures.
func TestMetricsAgreeWithTheWork(t *testing.T) {
	ms := engine.NewMetrics()
	gov, err := engine.NewGovernor(engine.Limits{CPU: 2, IO: 2, Bytes: 4 * engine.ChunkCost(pipetest.ChunkSize)})
	if err != nil {
		t.Fatal(err)
	}
	var want engine.Snapshot
	var governedChunks int64
	add := func(t *engine.Tally, chunks, bytes int) { t.Chunks += int64(chunks); t.Bytes += int64(bytes) }
	for _, size := range pipetest.Sizes {
		data := pipetest.Input(size)
		container := pipetest.OraclePack(t, data, fast)
		frames, _ := pipetest.Layout(container)
		for _, workers := range pipetest.WorkerCounts {
			for _, g := range []*engine.Governor{nil, gov} {
				e := &engine.Engine{Workers: workers, Metrics: ms, Governor: g}
				packMustMatchOracle(t, e, data, container)
				unpackMustRestore(t, e, container, data)
				want.Runs += 2
				for _, stage := range []*engine.Tally{&want.Work.Read, &want.Work.Encoded, &want.Work.Written} {
					add(stage, 2*len(frames), 2*size)
				}
				if g != nil {
					governedChunks += 2 * int64(len(frames))
				}
			}
		}
	}

	succeeded, okWork := want.Runs, want.Work.Written

	// A pack whose destination fails at once: nothing is written, and
	// whatever the workers got to is counted, as Progress counts it.
	data := pipetest.Input(8 * pipetest.ChunkSize)
	e := &engine.Engine{Workers: 2, Metrics: ms}
	errDisk := errors.New("disk full")
	if err := e.Pack(context.Background(), failingWriter{errDisk}, bytes.NewReader(data), fast); !errors.Is(err, errDisk) {
		t.Fatalf("Pack to a failing writer returned %v, want %v", err, errDisk)
	}
	p := e.Progress()
	add(&want.Work.Read, int(p.Read.Chunks), int(p.Read.Bytes))
	add(&want.Work.Encoded, int(p.Encoded.Chunks), int(p.Encoded.Bytes))
	want.Runs++
	want.Failures++

	// An unpack of a container with its last byte flipped: rejected.
	bad := pipetest.OraclePack(t, data, fast)
	bad[len(bad)-1] ^= 1
	if err := e.Unpack(context.Background(), io.Discard, bytes.NewReader(bad), fast); err == nil {
		t.Fatal("Unpack of a damaged container returned nil")
	}
	p = e.Progress()
	add(&want.Work.Read, int(p.Read.Chunks), int(p.Read.Bytes))
	add(&want.Work.Encoded, int(p.Encoded.Chunks), int(p.Encoded.Bytes))
	add(&want.Work.Written, int(p.Written.Chunks), int(p.Written.Bytes))
	want.Runs++
	want.Failures++

	s := ms.Snapshot()
	got := engine.Snapshot{Runs: s.Runs, Failures: s.Failures, InProgress: s.InProgress, Work: s.Work, Levels: s.Levels}
	if got != want {
		t.Errorf("metrics after the runs:\n got  %+v\n want %+v", got, want)
	}
	for name, h := range map[string]struct {
		got  engine.Latency
		want int64
	}{
		"chunk CPU":  {s.ChunkCPU, want.Work.Encoded.Chunks},
		"queue wait": {s.QueueWait, want.Work.Encoded.Chunks},
		"write":      {s.ChunkWrite, want.Work.Written.Chunks},
	} {
		if h.got.Count != h.want {
			t.Errorf("%s histogram holds %d records, want one per chunk: %d", name, h.got.Count, h.want)
		}
	}
	if g := s.Governor; g.CPU != 0 || g.IO != 0 || g.Bytes != 0 {
		t.Errorf("governor after the runs: %+v, want nothing held", g)
	}
	if s.CPUWait.Count != governedChunks {
		t.Errorf("CPU-token waits: %d records, want one per chunk of the governed runs: %d", s.CPUWait.Count, governedChunks)
	}
	checkServed(t, ms, s)
	t.Logf("%d runs, %d of them failed; the %d that succeeded wrote %d chunks, %d bytes; every counter equals the work done, with one record per chunk in each histogram",
		s.Runs, s.Failures, succeeded, okWork.Chunks, okWork.Bytes)
}

// docs:endregion TestMetricsAgreeWithTheWork

// failingWriter fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// checkServed gathers ms as Prometheus would and checks that the series
// say what the snapshot s says, and that they pass client_golang's lint
// of the naming conventions (units, _total on counters).
func checkServed(t *testing.T, ms *engine.Metrics, s engine.Snapshot) {
	t.Helper()
	reg := ms.Registry()
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("gathering the metrics: %v", err)
	}
	for _, p := range problems {
		t.Errorf("/metrics: %s: %s", p.Metric, p.Text)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			served[seriesName(f.GetName(), m)] = value(m)
		}
	}
	for series, want := range map[string]int64{
		"pipeline_runs_total":                     s.Runs,
		"pipeline_run_failures_total":             s.Failures,
		`pipeline_chunks_total{stage="read"}`:     s.Work.Read.Chunks,
		`pipeline_chunks_total{stage="work"}`:     s.Work.Encoded.Chunks,
		`pipeline_chunks_total{stage="write"}`:    s.Work.Written.Chunks,
		`pipeline_raw_bytes_total{stage="write"}`: s.Work.Written.Bytes,
		"pipeline_chunk_cpu_seconds":              s.ChunkCPU.Count,
		"pipeline_chunk_write_seconds":            s.ChunkWrite.Count,
		`pipeline_queue_depth{queue="write"}`:     s.Levels.WriteQueue,
		"pipeline_busy_workers":                   s.Levels.Busy,
	} {
		if got, ok := served[series]; !ok || got != float64(want) {
			t.Errorf("/metrics serves %s = %v (present: %v), want %d", series, got, ok, want)
		}
	}
}

// seriesName is a series as the text format writes it: name{label="v"}.
func seriesName(name string, m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	if len(labels) == 0 {
		return name
	}
	return name + "{" + strings.Join(labels, ",") + "}"
}

// value is a series' value; for a summary, its count.
func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Summary != nil:
		return float64(m.Summary.GetSampleCount())
	}
	return 0
}

// The three ways the pipeline can be slow, each made with injected
// blocking in a synctest bubble: a destination that takes 10ms (virtual)
// per write, a source that takes 10ms per read, an encoder that takes
// 10ms per chunk. Time in the bubble moves only when every goroutine is
// blocked, so each look at the gauges (at 5, 15, 25... ms, between two
// wake-ups) sees the pipeline standing still, and sees the same thing on
// every machine.
const (
	stall     = 10 * time.Millisecond
	lookEvery = 10 * time.Millisecond
	lookFirst = 5 * time.Millisecond
)

// docs:region TestBackpressureIsVisible
// A slow writer holds the write queue at its capacity and every worker
// idle: the reader is stopped by backpressure, not by the workers. A slow
// reader is the opposite: the queue is empty, the workers idle, and the
// writer waits for chunks. Only a slow encoder keeps every worker busy.
// Each case is checked at every look in the middle of the run.
func TestBackpressureIsVisible(t *testing.T) {
	const workers, queue, chunks = 2, 4, 24
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	cases := []struct {
		name  string
		slow  slowness
		check func(lv engine.Levels) error
	}{
		{"slow writer", slowWriter, func(lv engine.Levels) error {
			return expect(lv.WriteQueue == queue && lv.Busy == 0, "write queue at its capacity %d and no busy worker", queue)
		}},
		{"slow reader", slowReader, func(lv engine.Levels) error {
			return expect(lv.WriteQueue == 0 && lv.Busy == 0, "write queue empty and no busy worker")
		}},
		{"slow encoder", slowEncoder, func(lv engine.Levels) error {
			return expect(lv.Busy == workers, "all %d workers busy", workers)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ms := engine.NewMetrics()
				e := &engine.Engine{Workers: workers, Queue: queue, Metrics: ms}
				levels := func() engine.Levels { return ms.Snapshot().Levels }
				looks := watchSlowPack(t, e, c.slow, data, levels, func() bool { return e.Progress().Read.Chunks == chunks })
				for i, lv := range looks {
					if err := c.check(lv); err != nil {
						t.Errorf("look %d of %d: %+v: %v", i+1, len(looks), lv, err)
					}
				}
				s := ms.Snapshot()
				lv := looks[0]
				t.Logf("%d looks, the first: write queue %d/%d, busy workers %d/%d, input buffers %d/%d; after the run: p50 write %v, p50 queue wait %v",
					len(looks), lv.WriteQueue, lv.WriteQueueCap, lv.Busy, lv.Workers, lv.InputBuffers, lv.InputSlots, s.ChunkWrite.P50, s.QueueWait.P50)
			})
		})
	}
}

// docs:endregion TestBackpressureIsVisible

// Lesson 06 (without a Governor, lesson 05's engine) under the same
// slownesses has only Progress: how many chunks each stage has finished.
// A slow writer and a slow encoder both show chunks read and not
// written, and nothing says which stage holds them; lesson 07's gauges
// above tell the two apart at the first look.
func TestLesson06CannotTellASlowWriterFromASlowEncoder(t *testing.T) {
	const workers, queue, chunks = 2, 4, 24
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	inFlight := map[string]int64{}
	for _, c := range []struct {
		name string
		slow slowness
	}{{"slow writer", slowWriter}, {"slow encoder", slowEncoder}} {
		synctest.Test(t, func(t *testing.T) {
			e := &lesson06.Engine{Workers: workers, Queue: queue}
			looks := watchSlowPack(t, e, c.slow, data, e.Progress, func() bool { return e.Progress().Read.Chunks == chunks })
			p := looks[0]
			inFlight[c.name] = p.Read.Chunks - p.Written.Chunks
			t.Logf("lesson 06, %s, mid-run: read %d, encoded %d, written %d chunks", c.name, p.Read.Chunks, p.Encoded.Chunks, p.Written.Chunks)
		})
	}
	for name, n := range inFlight {
		if n < workers {
			t.Errorf("lesson 06, %s: %d chunks read and not written, want at least one per worker (%d)", name, n, workers)
		}
	}
}

// docs:region TestGovernorUnderASlowWriter
// Governed by a budget of three chunks, a slow writer holds the whole
// budget: every look finds the Governor's bytes in use at its limit, one
// I/O token held (the write in progress), no CPU token held, and the
// reader waiting for bytes, which the bytes-wait histogram then shows.
func TestGovernorUnderASlowWriter(t *testing.T) {
	const workers, queue, chunks, budgetChunks = 2, 4, 24, 3
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	synctest.Test(t, func(t *testing.T) {
		budget := budgetChunks * engine.ChunkCost(pipetest.ChunkSize)
		g, err := engine.NewGovernor(engine.Limits{CPU: workers, IO: 2, Bytes: budget})
		if err != nil {
			t.Fatal(err)
		}
		ms := engine.NewMetrics()
		e := &engine.Engine{Workers: workers, Queue: queue, Governor: g, Metrics: ms}
		looks := watchSlowPack(t, e, slowWriter, data, ms.Snapshot, func() bool { return e.Progress().Read.Chunks == chunks })
		for i, s := range looks {
			gl := s.Governor
			if gl.Bytes != budget || gl.CPU != 0 || gl.IO != 1 {
				t.Errorf("look %d of %d: governor %+v, want all %d bytes of the budget held, no CPU token and 1 I/O token (the write)", i+1, len(looks), gl, budget)
			}
		}
		s := ms.Snapshot()
		if s.BytesWait.Count != int64(chunks)+1 || s.BytesWait.P50 == 0 {
			t.Errorf("bytes waits: %+v, want one per chunk read and one for the end of the input (%d), most of them waiting", s.BytesWait, chunks+1)
		}
		t.Logf("%d looks, the first: governor %+v, write queue %d; after the run: waits for bytes p50 %v p99 %v, for a CPU token p99 %v",
			len(looks), looks[0].Governor, looks[0].Levels.WriteQueue, s.BytesWait.P50, s.BytesWait.P99, s.CPUWait.P99)
	})
}

// docs:endregion TestGovernorUnderASlowWriter

// A slowness is where a Pack is slowed down: its source, its destination
// or its encoder.
type slowness int

const (
	slowWriter slowness = iota
	slowReader
	slowEncoder
)

// packer is what watchSlowPack needs of an engine, lesson 06's or 07's.
type packer interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

// watchSlowPack packs data with e slowed down as slow says, and calls
// look at lookFirst and every lookEvery after it while the run goes, with
// every goroutine blocked; it returns what look returned while the
// pipeline was full: after the first look, and while readAll says the
// reader has not read every chunk yet. It fails the
// test unless the output is the oracle's. It must run in a synctest
// bubble.
func watchSlowPack[T any](t *testing.T, e packer, slow slowness, data []byte, look func() T, readAll func() bool) []T {
	t.Helper()
	var (
		src io.Reader = bytes.NewReader(data)
		out bytes.Buffer
		dst io.Writer = &out
	)
	switch slow {
	case slowWriter:
		dst = sleepyWriter{&out}
	case slowReader:
		src = sleepyReader{src}
	case slowEncoder:
		switch e := e.(type) {
		case *engine.Engine:
			e.EncodeHook = sleepyHook
		case *lesson06.Engine:
			e.EncodeHook = sleepyHook
		}
	}
	done := make(chan error, 1)
	go func() { done <- e.Pack(context.Background(), dst, src, fast) }()
	var looks []T
	time.Sleep(lookFirst)
	for running := true; running; {
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Pack: %v", err)
			}
			running = false
		default:
			if !readAll() {
				looks = append(looks, look())
			}
			time.Sleep(lookEvery)
		}
	}
	if !bytes.Equal(out.Bytes(), pipetest.OraclePack(t, data, fast)) {
		t.Fatal("Pack's output differs from the oracle's")
	}
	// The first look may fall while the pipeline fills: keep the
	// others, up to the reader's end (then the pipeline drains).
	if len(looks) < 3 {
		t.Fatalf("only %d looks while the reader read: too few to judge", len(looks))
	}
	return looks[1:]
}

func sleepyHook(int) error {
	time.Sleep(stall)
	return nil
}

type sleepyWriter struct{ w io.Writer }

func (s sleepyWriter) Write(p []byte) (int, error) {
	time.Sleep(stall)
	return s.w.Write(p)
}

type sleepyReader struct{ r io.Reader }

func (s sleepyReader) Read(p []byte) (int, error) {
	time.Sleep(stall)
	return s.r.Read(p)
}

// expect returns nil if ok, and otherwise an error saying what was wanted.
func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf("want "+format, args...)
}
