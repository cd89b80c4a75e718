package obs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/core/format"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/final/obs"
	"packcourse/lessons/00-the-job/pipetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const chunk = pipetest.ChunkSize

// clock is a manual clock: it moves only when the test advances it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// scrape returns the /metrics page.
func scrape(t *testing.T, m *obs.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	return rec.Body.String()
}

// assertSeries checks that the page has the line "series value".
func assertSeries(t *testing.T, page, series string, value any) {
	t.Helper()
	assert.Contains(t, page, fmt.Sprintf("\n%s %v\n", series, value))
}

// After packing N chunks and unpacking them, every counter and histogram
// count agrees with the work done.
func TestMetricsAgreeWithTheWorkDone(t *testing.T) {
	const n = 13
	data := pipetest.Input((n-1)*chunk + 77)
	o := pipetest.Options(false)
	m := obs.New(obs.WithClock(newClock().Now))
	g := govern.New(govern.Limits{CPU: 2})
	e := engine.New(engine.Config{Workers: 2, Governor: g, Metrics: m})

	var container, restored bytes.Buffer
	require.NoError(t, e.Pack(context.Background(), &container, bytes.NewReader(data), o))
	require.NoError(t, e.Unpack(context.Background(), &restored, bytes.NewReader(container.Bytes()), o))
	require.Equal(t, data, restored.Bytes())

	s := m.Snapshot()
	assert.Equal(t, int64(n), s.WorkOf("encode").Chunks)
	assert.Equal(t, int64(n), s.WorkOf("decode").Chunks)
	assert.Equal(t, int64(len(data)), s.WorkOf("encode").RawBytes)
	assert.Equal(t, int64(len(data)), s.WorkOf("decode").RawBytes)
	assert.Equal(t, int64(container.Len()+len(data)), s.WrittenBytes, "the container, then the original")
	assert.Equal(t, int64(2), s.Files)
	assert.Zero(t, s.Errors)
	assert.Equal(t, int64(n), s.WorkOf("encode").CPU.Count)
	assert.Equal(t, int64(n), s.WorkOf("decode").CPU.Count)
	assert.Equal(t, int64(2*n), s.QueueWait.Count)
	assert.Equal(t, int64(n+2+n), s.Write.Count, "pack writes the header, n frames and the trailer; unpack n chunks")
	for q, g := range s.Queues {
		assert.Zero(t, g.Now, "queue %v is empty after the runs", obs.Queue(q))
	}
	assert.Zero(t, s.Busy.Now)

	page := scrape(t, m)
	assertSeries(t, page, `pipeline_chunks_total{op="encode"}`, n)
	assertSeries(t, page, `pipeline_chunks_total{op="decode"}`, n)
	assertSeries(t, page, `pipeline_raw_bytes_total{op="encode"}`, len(data))
	assertSeries(t, page, `pipeline_written_bytes_total`, container.Len()+len(data))
	assertSeries(t, page, `pipeline_files_total`, 2)
	assertSeries(t, page, `pipeline_errors_total`, 0)
	assertSeries(t, page, `pipeline_chunk_cpu_seconds_count{op="encode"}`, n)
	assertSeries(t, page, `pipeline_queue_wait_seconds_count`, 2*n)
	assertSeries(t, page, `pipeline_governor_tokens_limit{kind="cpu"}`, 2)
	assertSeries(t, page, `pipeline_governor_bytes_in_use`, 0)
	assertSeries(t, page, `pipeline_governor_bytes_peak`, float64(g.Stats().PeakBytes))
	assertSeries(t, page, `pipeline_governor_bytes_limit`, float64(g.Limits().Bytes))
}

func TestFailedRunsAreCounted(t *testing.T) {
	m := obs.New()
	e := engine.New(engine.Config{Workers: 2, Metrics: m})
	err := e.Unpack(context.Background(), io.Discard, bytes.NewReader([]byte("junk")), pipetest.Options(false))
	require.ErrorIs(t, err, format.ErrNotContainer)
	s := m.Snapshot()
	assert.Equal(t, int64(1), s.Files)
	assert.Equal(t, int64(1), s.Errors)
	assertSeries(t, scrape(t, m), "pipeline_errors_total", 1)
}

// Known durations give known quantiles, in the snapshot, on /metrics (in
// seconds) and in the summary; the throughput comes from the clock.
func TestQuantilesAndThroughput(t *testing.T) {
	c := newClock()
	m := obs.New(obs.WithClock(c.Now))
	m.DeclareWork("encode", "decode")
	m.RunStarted()
	for i := 1; i <= 100; i++ {
		// Below 2048µs, 3 significant digits keep every microsecond exact.
		m.Chunk("encode", 1<<20, time.Duration(10*i)*time.Microsecond)
		m.QueueWait(time.Duration(i) * time.Microsecond)
	}
	c.Advance(4 * time.Second)
	m.RunDone(nil)
	c.Advance(time.Hour) // idle time after the last run does not count

	s := m.Snapshot()
	l := s.WorkOf("encode").CPU
	assert.Equal(t, int64(100), l.Count)
	assert.Equal(t, 500*time.Microsecond, l.P50)
	assert.Equal(t, 950*time.Microsecond, l.P95)
	assert.Equal(t, 990*time.Microsecond, l.P99)
	assert.Equal(t, 50500*time.Microsecond, l.Sum)
	assert.Equal(t, 4*time.Second, s.Elapsed)
	assert.Equal(t, float64(100<<20)/4, s.Throughput())

	page := scrape(t, m)
	assertSeries(t, page, `pipeline_chunk_cpu_seconds_sum{op="encode"}`, 0.0505)
	assertSeries(t, page, `pipeline_chunk_cpu_seconds{op="encode",quantile="0.5"}`, 0.0005)
	assertSeries(t, page, `pipeline_queue_wait_seconds{quantile="0.99"}`, 9.9e-05)
	// Nothing was decoded: no latency to report, and no made-up zero.
	assertSeries(t, page, `pipeline_chunk_cpu_seconds{op="decode",quantile="0.5"}`, "NaN")
	assertSeries(t, page, `pipeline_chunk_cpu_seconds_count{op="decode"}`, 0)

	sum := m.Summary()
	assert.Contains(t, sum, "runs        1 (0 failed) in 4s: 100.0 MiB raw, 25.0 MiB/s")
	assert.Contains(t, sum, "encode      p50 500µs  p95 950µs  p99 990µs  max 1ms  (n=100)")
}

// Durations outside the histograms' range are clamped, not dropped.
func TestOutOfRangeDurationsAreClamped(t *testing.T) {
	m := obs.New()
	m.Wrote(1, -time.Second)
	m.Wrote(1, 2*time.Hour)
	l := m.Snapshot().Write
	assert.Equal(t, int64(2), l.Count)
	assert.Zero(t, l.P50)
	assert.InEpsilon(t, time.Minute, l.Max, 0.001)
}

// With the writer stuck on the first frame, the chunks behind it fill the
// write queue to its bound (all the run's jobs but the one being written)
// and the reader stops: the gauges show the backpressure, then drain.
func TestWriteQueueShowsBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const inFlight = 5
		m := obs.New()
		g := govern.New(govern.Limits{CPU: 2})
		e := engine.New(engine.Config{Workers: 2, Governor: g, Metrics: m, InFlight: inFlight})
		dst := &gatedWriter{W: io.Discard, Free: 1, Gate: make(chan struct{})}
		done := make(chan error)
		go func() {
			done <- e.Pack(context.Background(), dst, bytes.NewReader(pipetest.Input(60*chunk)), pipetest.Options(false))
		}()
		synctest.Wait()

		// The writer holds one job; the others wait for it. (The peak may
		// have touched InFlight: a job is in the queue from the moment it is
		// encoded until the writer takes it, even the one it waits for.)
		s := m.Snapshot()
		assert.Equal(t, int64(inFlight-1), s.Queues[obs.WriteQueue].Now)
		assert.LessOrEqual(t, s.Queues[obs.WriteQueue].Peak, int64(inFlight))
		assert.Zero(t, s.Queues[obs.WorkQueue].Now)
		assert.Zero(t, s.Busy.Now)
		assert.Equal(t, g.Stats().BytesInUse, s.Governor.Bytes.InUse, "the governor's own count")
		page := scrape(t, m)
		assertSeries(t, page, `pipeline_queue_depth{queue="write"}`, inFlight-1)
		assertSeries(t, page, `pipeline_governor_bytes_in_use`, float64(g.Stats().BytesInUse))

		close(dst.Gate)
		require.NoError(t, <-done)
		// Each job alive is in the queue at most once, so the queue never
		// holds more than InFlight, even while the writer catches up.
		s = m.Snapshot()
		assert.Zero(t, s.Queues[obs.WriteQueue].Now, "drained")
		assert.LessOrEqual(t, s.Queues[obs.WriteQueue].Peak, int64(inFlight))
	})
}

// With every CPU token taken, the workers hold a chunk each and wait, and
// the reader waits to hand over one more: the work queue shows it.
func TestWorkQueueShowsCPUStarvation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers = 2
		m := obs.New()
		g := govern.New(govern.Limits{CPU: 2})
		e := engine.New(engine.Config{Workers: workers, Governor: g, Metrics: m, InFlight: 6})
		ctx := context.Background()
		require.NoError(t, g.AcquireCPU(ctx))
		require.NoError(t, g.AcquireCPU(ctx))
		done := make(chan error)
		go func() {
			done <- e.Pack(ctx, io.Discard, bytes.NewReader(pipetest.Input(60*chunk)), pipetest.Options(false))
		}()
		synctest.Wait()

		s := m.Snapshot()
		assert.Equal(t, int64(workers+1), s.Queues[obs.WorkQueue].Now)
		assert.Zero(t, s.Busy.Now)
		assertSeries(t, scrape(t, m), `pipeline_queue_depth{queue="work"}`, workers+1)

		g.ReleaseCPU()
		g.ReleaseCPU()
		require.NoError(t, <-done)
		assert.Zero(t, m.Snapshot().Queues[obs.WorkQueue].Now)
	})
}

// A cancelled run leaves its chunks in the queues; the gauges still drop
// back to zero when it returns.
func TestCancelledRunLeavesNoQueueBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := obs.New()
		e := engine.New(engine.Config{Workers: 2, Metrics: m, InFlight: 5})
		ctx, cancel := context.WithCancel(context.Background())
		dst := &gatedWriter{W: io.Discard, Free: 1, Gate: make(chan struct{})}
		done := make(chan error)
		go func() { done <- e.Pack(ctx, dst, bytes.NewReader(pipetest.Input(60*chunk)), pipetest.Options(false)) }()
		synctest.Wait()
		require.Equal(t, int64(4), m.Snapshot().Queues[obs.WriteQueue].Now)
		cancel()
		close(dst.Gate)
		require.Equal(t, context.Canceled, <-done)
		s := m.Snapshot()
		assert.Zero(t, s.Queues[obs.WriteQueue].Now)
		assert.Zero(t, s.Queues[obs.WorkQueue].Now)
		assert.Equal(t, int64(1), s.Errors)
	})
}

// Recording from many goroutines at once loses nothing (and the race
// detector sees the histograms' locking).
func TestConcurrentRecording(t *testing.T) {
	m := obs.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 1000 {
				m.Chunk("decode", 10, time.Duration(i)*time.Microsecond)
				m.Queued(obs.WorkQueue, 1)
				m.Queued(obs.WorkQueue, -1)
			}
		})
	}
	wg.Wait()
	s := m.Snapshot()
	assert.Equal(t, int64(8000), s.WorkOf("decode").Chunks)
	assert.Equal(t, int64(80000), s.WorkOf("decode").RawBytes)
	assert.Equal(t, int64(8000), s.WorkOf("decode").CPU.Count)
	assert.Zero(t, s.Queues[obs.WorkQueue].Now)
	assert.LessOrEqual(t, s.Queues[obs.WorkQueue].Peak, int64(8))
}

// A nil *Metrics records nothing and never reads a clock.
func TestNilMetricsDoNothing(t *testing.T) {
	var m *obs.Metrics
	assert.True(t, m.Now().IsZero())
	assert.Zero(t, m.Since(time.Now()))
	assert.NotPanics(t, func() {
		m.RunStarted()
		m.Chunk("encode", 1, time.Second)
		m.QueueWait(time.Second)
		m.Wrote(1, time.Second)
		m.Queued(obs.WorkQueue, 1)
		m.Busy(1)
		m.RunDone(nil)
		m.WatchResources(func() obs.Resources { return obs.Resources{} })
		m.DeclareWork("encode")
	})
}

// gatedWriter lets its first Free writes through, then waits for Gate to
// close.
type gatedWriter struct {
	W      io.Writer
	Free   int
	Gate   chan struct{}
	writes int
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	if g.writes >= g.Free {
		<-g.Gate
	}
	g.writes++
	return g.W.Write(p)
}
