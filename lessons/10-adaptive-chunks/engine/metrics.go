package engine

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// docs:region Metrics
// Metrics is what an Engine's runs have done and are doing, for a person
// watching (Snapshot) and for Prometheus (Handler). Give the same Metrics
// to an Engine's Metrics field and every run of that engine reports into
// it. It is safe for concurrent use.
//
// Nothing is copied per chunk into Metrics: a run's counters and levels
// stay in its own meter, where lesson 05 put them, and Metrics reads the
// meters of the runs in progress when it is asked, adding the totals of
// the runs that have ended. What Metrics adds per chunk is timing: one
// record in each of three HDR histograms, and in three more (the waits
// for the Governor) when the run is governed.
type Metrics struct {
	mu        sync.Mutex
	live      map[*meter]bool    // the runs in progress
	ended     totals             // what the runs that have ended did
	governors map[*Governor]bool // every Governor a run has used, for its gauges

	cpu       *histogram // time a worker spent encoding (or decoding) one chunk
	queueWait *histogram // time from a chunk being read to a worker starting on it
	write     *histogram // time one chunk's write to the destination took

	// Waits for the Governor, recorded by governed runs only.
	cpuWait   *histogram // a worker's wait for a CPU token
	ioWait    *histogram // a reader's or writer's wait for an I/O token
	bytesWait *histogram // a reader's wait for a chunk's bytes
}

// docs:endregion Metrics

// NewMetrics returns empty Metrics.
func NewMetrics() *Metrics {
	return &Metrics{
		live:      map[*meter]bool{},
		governors: map[*Governor]bool{},
		cpu:       newHistogram(),
		queueWait: newHistogram(),
		write:     newHistogram(),
		cpuWait:   newHistogram(),
		ioWait:    newHistogram(),
		bytesWait: newHistogram(),
	}
}

// docs:region Snapshot
// Snapshot is everything Metrics knows at one moment. Counters include
// the runs in progress, so they only ever grow; levels are the sum over
// the runs in progress.
type Snapshot struct {
	Runs        int64    // runs started
	Failures    int64    // runs that ended with an error (cancellation included)
	InProgress  int64    // runs started and not ended
	Work        Progress // chunks and bytes each stage has finished, summed over runs
	QueueFull   int64    // times a reader waited for room in the writer's FIFO: backpressure
	WriterWaits int64    // times the writer waited for the chunk it needed next
	PoolWaits   int64    // times a reader waited for a free input buffer
	Levels      Levels   // what is waiting where, now
	ChunkCPU    Latency  // time a worker spent on one chunk
	QueueWait   Latency  // time a chunk waited, once read, for a worker
	ChunkWrite  Latency  // time one chunk's write took

	Governor  GovernorLevels // tokens and bytes held now, summed over the Governors in use
	CPUWait   Latency        // a worker's wait for a CPU token
	IOWait    Latency        // a reader's or writer's wait for an I/O token
	BytesWait Latency        // a reader's wait for a chunk's bytes
}

// GovernorLevels are what the runs hold of their Governors now, and what
// the Governors have.
type GovernorLevels struct {
	CPU, CPULimit     int64 // CPU tokens held, and there are
	IO, IOLimit       int64 // I/O tokens held, and there are
	Bytes, BytesLimit int64 // bytes held by chunks in flight, and the budget
}

// Levels are the gauges: how full each place a chunk can wait in is now,
// with how big it is.
type Levels struct {
	WriteQueue, WriteQueueCap  int64 // futures in the writer's FIFO, and its capacity
	Busy, Workers              int64 // workers encoding (decoding) a chunk, and workers
	InputBuffers, InputSlots   int64 // input buffers out of their pool, and the pool's size
	OutputBuffers, OutputSlots int64 // output buffers out of their pool, and the pool's size
}

// docs:endregion Snapshot

// Latency summarises one histogram.
type Latency struct {
	Count         int64
	P50, P95, P99 time.Duration
	Max           time.Duration
	Sum           time.Duration
}

// totals are a run's counters, added up over the runs that have ended.
type totals struct {
	runs, failures                    int64
	work                              Progress
	queueFull, writerWaits, poolWaits int64
}

func (t *totals) add(m *meter) {
	t.runs++
	t.work.Read = t.work.Read.plus(m.read.load())
	t.work.Encoded = t.work.Encoded.plus(m.encoded.load())
	t.work.Written = t.work.Written.plus(m.written.load())
	t.queueFull += m.queueFull.Load()
	t.writerWaits += m.writerWaits.Load()
	t.poolWaits += m.poolWaits.Load()
}

func (t Tally) plus(u Tally) Tally { return Tally{t.Chunks + u.Chunks, t.Bytes + u.Bytes} }

func (l Levels) plus(m Levels) Levels {
	return Levels{
		WriteQueue: l.WriteQueue + m.WriteQueue, WriteQueueCap: l.WriteQueueCap + m.WriteQueueCap,
		Busy: l.Busy + m.Busy, Workers: l.Workers + m.Workers,
		InputBuffers: l.InputBuffers + m.InputBuffers, InputSlots: l.InputSlots + m.InputSlots,
		OutputBuffers: l.OutputBuffers + m.OutputBuffers, OutputSlots: l.OutputSlots + m.OutputSlots,
	}
}

// begin starts counting the run m meters. A nil *Metrics does nothing.
func (ms *Metrics) begin(m *meter, gov *Governor) {
	if ms == nil {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.live[m] = true
	if gov != nil {
		ms.governors[gov] = true
	}
}

// end folds the run m metered into the totals, with the error it
// returned. Call it once the run's goroutines have all returned.
func (ms *Metrics) end(m *meter, err error) {
	if ms == nil {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	delete(ms.live, m)
	ms.ended.add(m)
	if err != nil {
		ms.ended.failures++
	}
}

// Snapshot returns the figures now. The counters of a run in progress are
// loaded one by one while it runs, so a snapshot taken mid-run may be a
// chunk apart between stages; once every run has ended it is exact.
func (ms *Metrics) Snapshot() Snapshot {
	ms.mu.Lock()
	t := ms.ended
	var lv Levels
	for m := range ms.live {
		t.add(m)
		lv = lv.plus(m.levels())
	}
	var gl GovernorLevels
	for g := range ms.governors {
		gl = gl.plus(g)
	}
	ms.mu.Unlock()
	return Snapshot{
		Runs:        t.runs,
		Failures:    t.failures,
		InProgress:  int64(len(ms.live)),
		Work:        t.work,
		QueueFull:   t.queueFull,
		WriterWaits: t.writerWaits,
		PoolWaits:   t.poolWaits,
		Levels:      lv,
		ChunkCPU:    ms.cpu.latency(),
		QueueWait:   ms.queueWait.latency(),
		ChunkWrite:  ms.write.latency(),
		Governor:    gl,
		CPUWait:     ms.cpuWait.latency(),
		IOWait:      ms.ioWait.latency(),
		BytesWait:   ms.bytesWait.latency(),
	}
}

// plus adds what g's runs hold now and what g has.
func (l GovernorLevels) plus(g *Governor) GovernorLevels {
	s, lim := g.Stats(), g.Limits()
	return GovernorLevels{
		CPU: l.CPU + int64(s.CPU), CPULimit: l.CPULimit + int64(lim.CPU),
		IO: l.IO + int64(s.IO), IOLimit: l.IOLimit + int64(lim.IO),
		Bytes: l.Bytes + s.Bytes, BytesLimit: l.BytesLimit + lim.Bytes,
	}
}

// docs:region histogram
// histMax is the longest duration a histogram tells apart: a minute, in
// microseconds. Longer ones are recorded as a minute.
const histMax = int64(time.Minute / time.Microsecond)

// A histogram is an HDR histogram of durations in microseconds, 3
// significant digits, behind a mutex: hdrhistogram-go is not safe for
// concurrent use, and every worker records into the same one. The lock is
// held for one record, about a hundred nanoseconds, once per chunk, so two
// workers almost never meet at it.
type histogram struct {
	mu  sync.Mutex
	h   *hdrhistogram.Histogram
	sum int64 // microseconds, for Prometheus's _sum
}

func newHistogram() *histogram { return &histogram{h: hdrhistogram.New(1, histMax, 3)} }

// record adds one duration. Clamped into the histogram's range first,
// RecordValue cannot fail, so its error is known to be nil.
func (h *histogram) record(d time.Duration) {
	us := min(max(d.Microseconds(), 0), histMax)
	h.mu.Lock()
	defer h.mu.Unlock()
	_ = h.h.RecordValue(us)
	h.sum += us
}

// latency reads the count and the quantiles under one lock, so they
// describe the same set of records. hdrhistogram's quantiles run from 0
// to 100 (percentiles), where Prometheus's run from 0 to 1.
func (h *histogram) latency() Latency {
	h.mu.Lock()
	defer h.mu.Unlock()
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Latency{
		Count: h.h.TotalCount(),
		P50:   us(h.h.ValueAtQuantile(50)),
		P95:   us(h.h.ValueAtQuantile(95)),
		P99:   us(h.h.ValueAtQuantile(99)),
		Max:   us(h.h.Max()),
		Sum:   us(h.sum),
	}
}

// docs:endregion histogram
