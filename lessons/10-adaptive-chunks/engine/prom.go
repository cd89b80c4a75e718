package engine

import (
	"math"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the metrics in Prometheus's text format, for /metrics,
// with the Go runtime's own (goroutines, heap, GC) beside them.
func (ms *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(ms.Registry(), promhttp.HandlerOpts{})
}

// Registry returns a Prometheus registry holding the metrics and the Go
// runtime's collector.
func (ms *Metrics) Registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{ms}, collectors.NewGoCollector())
	return reg
}

// docs:region series
// The series, named as Prometheus asks: a pipeline_ prefix, base units
// (seconds, bytes) in the name, _total on counters, and a label where
// one name has parts (stage, queue, pool) that add up.
var (
	descRuns       = desc("runs_total", "Pack and unpack runs started.")
	descFailures   = desc("run_failures_total", "Runs that ended with an error, cancellation included.")
	descInProgress = desc("runs_in_progress", "Runs started and not ended.")
	descChunks     = desc("chunks_total", "Chunks each stage has finished: read, worked on (encoded or decoded), written.", "stage")
	descBytes      = desc("raw_bytes_total", "Bytes of original data in the chunks each stage has finished.", "stage")
	descQueueFull  = desc("queue_full_waits_total", "Times the reader found the writer's FIFO full and waited: backpressure.")
	descWriterWait = desc("writer_waits_total", "Times the chunk the writer needed next was not ready.")
	descPoolWait   = desc("pool_waits_total", "Times the reader waited for a free input buffer.")
	descQueue      = desc("queue_depth", "Chunks in the writer's FIFO now, read and not yet taken by the writer.", "queue")
	descQueueCap   = desc("queue_capacity", "Capacity of the writer's FIFO.", "queue")
	descBusy       = desc("busy_workers", "Workers encoding or decoding a chunk now.")
	descWorkers    = desc("workers", "Worker goroutines of the runs in progress.")
	descBuffers    = desc("buffers_in_use", "Buffers out of their pool now.", "pool")
	descSlots      = desc("buffer_slots", "Buffers a pool can hand out.", "pool")
	descCPU        = desc("chunk_cpu_seconds", "Time a worker spent encoding or decoding one chunk (it does nothing else meanwhile).")
	descQueueWait  = desc("chunk_queue_wait_seconds", "Time from a chunk being read to a worker starting on it.")
	descWrite      = desc("chunk_write_seconds", "Time one chunk's write to the destination took.")
	descTokens     = desc("governor_tokens_in_use", "Governor tokens held now.", "kind")
	descTokenLimit = desc("governor_tokens", "Governor tokens there are.", "kind")
	descGovBytes   = desc("governor_bytes_in_use", "Bytes of the Governor's budget held now by chunks in flight.")
	descBudget     = desc("governor_budget_bytes", "The Governor's byte budget.")
	descGovWait    = desc("governor_wait_seconds", "Time a governed run waited for a resource: a CPU token, an I/O token, a chunk's bytes.", "resource")
)

// docs:endregion series

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("pipeline_"+name, help, labels, nil)
}

// collector reads a Metrics when Prometheus scrapes it: nothing is kept
// in client_golang's own metric types while the pipeline runs.
type collector struct{ ms *Metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.ms.Snapshot()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	counter(descRuns, s.Runs)
	counter(descFailures, s.Failures)
	gauge(descInProgress, s.InProgress)
	for stage, t := range map[string]Tally{"read": s.Work.Read, "work": s.Work.Encoded, "write": s.Work.Written} {
		counter(descChunks, t.Chunks, stage)
		counter(descBytes, t.Bytes, stage)
	}
	counter(descQueueFull, s.QueueFull)
	counter(descWriterWait, s.WriterWaits)
	counter(descPoolWait, s.PoolWaits)
	gauge(descQueue, s.Levels.WriteQueue, "write")
	gauge(descQueueCap, s.Levels.WriteQueueCap, "write")
	gauge(descBusy, s.Levels.Busy)
	gauge(descWorkers, s.Levels.Workers)
	gauge(descBuffers, s.Levels.InputBuffers, "input")
	gauge(descSlots, s.Levels.InputSlots, "input")
	gauge(descBuffers, s.Levels.OutputBuffers, "output")
	gauge(descSlots, s.Levels.OutputSlots, "output")
	ch <- summary(descCPU, s.ChunkCPU)
	ch <- summary(descQueueWait, s.QueueWait)
	ch <- summary(descWrite, s.ChunkWrite)
	g := s.Governor
	gauge(descTokens, g.CPU, "cpu")
	gauge(descTokenLimit, g.CPULimit, "cpu")
	gauge(descTokens, g.IO, "io")
	gauge(descTokenLimit, g.IOLimit, "io")
	gauge(descGovBytes, g.Bytes)
	gauge(descBudget, g.BytesLimit)
	ch <- summary(descGovWait, s.CPUWait, "cpu")
	ch <- summary(descGovWait, s.IOWait, "io")
	ch <- summary(descGovWait, s.BytesWait, "bytes")
}

// summary exports a Latency as a Prometheus summary in seconds, with the
// quantiles 0.5, 0.95 and 0.99. With nothing recorded they are NaN, as
// client_golang's own summaries report them: 0 would claim a time nobody
// measured.
func summary(d *prometheus.Desc, l Latency, labels ...string) prometheus.Metric {
	q := map[float64]float64{0.5: l.P50.Seconds(), 0.95: l.P95.Seconds(), 0.99: l.P99.Seconds()}
	if l.Count == 0 {
		for k := range q {
			q[k] = math.NaN()
		}
	}
	return prometheus.MustNewConstSummary(d, uint64(l.Count), l.Sum.Seconds(), q, labels...)
}
