package obs

import (
	"math"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the metrics in Prometheus's text format, for /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("pipeline_"+name, help, labels, nil)
}

// The series the collector exports.
var (
	descChunks    = desc("chunks_total", "Chunks encoded or decoded.", "op")
	descRawBytes  = desc("raw_bytes_total", "Raw (uncompressed) bytes of the chunks encoded or decoded.", "op")
	descWritten   = desc("written_bytes_total", "Bytes written to destinations.")
	descFiles     = desc("files_total", "Pack, unpack and verify runs finished.")
	descErrors    = desc("errors_total", "Runs that returned an error, cancellation included.")
	descQueue     = desc("queue_depth", "Chunks waiting in a queue between stages.", "queue")
	descQueuePeak = desc("queue_depth_peak", "Most chunks ever waiting in a queue at once.", "queue")
	descBusy      = desc("busy_workers", "Workers encoding or decoding a chunk.")
	descCPU       = desc("chunk_cpu_seconds", "Time to encode or decode one chunk (wall time with a CPU token held).", "op")
	descWait      = desc("queue_wait_seconds", "Time a chunk waited between being read and its work starting (a worker and a CPU token).")
	descWrite     = desc("write_seconds", "Time one write to the destination took.")

	descTokens      = desc("governor_tokens_in_use", "Governor tokens held now.", "kind")
	descTokensLimit = desc("governor_tokens_limit", "Governor tokens there are.", "kind")
	descTokensPeak  = desc("governor_tokens_peak", "Most governor tokens ever held at once.", "kind")
	descBytes       = desc("governor_bytes_in_use", "Buffer bytes held now, from the governor's budget.")
	descBytesLimit  = desc("governor_bytes_limit", "The governor's byte budget.")
	descBytesPeak   = desc("governor_bytes_peak", "Most buffer bytes ever held at once.")
	descGovWaits    = desc("governor_waits_total", "Governor acquisitions that had to wait.", "resource")
)

// quantiles are the ones every summary reports.
var quantiles = []float64{0.5, 0.95, 0.99}

// collector reads a Metrics at scrape time.
type collector struct{ m *Metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descChunks, descRawBytes, descWritten, descFiles, descErrors, descQueue, descQueuePeak,
		descBusy, descCPU, descWait, descWrite,
		descTokens, descTokensLimit, descTokensPeak, descBytes, descBytesLimit, descBytesPeak, descGovWaits,
	} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.Snapshot()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	for _, w := range s.Work {
		counter(descChunks, w.Chunks, w.Label)
		counter(descRawBytes, w.RawBytes, w.Label)
		ch <- summary(descCPU, w.CPU, w.Label)
	}
	counter(descWritten, s.WrittenBytes)
	counter(descFiles, s.Files)
	counter(descErrors, s.Errors)
	for q := range numQueues {
		gauge(descQueue, s.Queues[q].Now, q.String())
		gauge(descQueuePeak, s.Queues[q].Peak, q.String())
	}
	gauge(descBusy, s.Busy.Now)
	ch <- summary(descWait, s.QueueWait)
	ch <- summary(descWrite, s.Write)

	if g := s.Governor; g != nil {
		for kind, r := range map[string]Resource{"cpu": g.CPU, "io": g.IO} {
			gauge(descTokens, r.InUse, kind)
			gauge(descTokensLimit, r.Limit, kind)
			gauge(descTokensPeak, r.Peak, kind)
			counter(descGovWaits, r.Waits, kind)
		}
		gauge(descBytes, g.Bytes.InUse)
		gauge(descBytesLimit, g.Bytes.Limit)
		gauge(descBytesPeak, g.Bytes.Peak)
		counter(descGovWaits, g.Bytes.Waits, "bytes")
	}
}

// summary exports a Latency as a Prometheus summary, in seconds. With no
// observations its quantiles are NaN, as client_golang's own summaries
// report them: 0 would claim a latency nobody measured.
func summary(d *prometheus.Desc, l Latency, labels ...string) prometheus.Metric {
	q := map[float64]float64{
		quantiles[0]: l.P50.Seconds(),
		quantiles[1]: l.P95.Seconds(),
		quantiles[2]: l.P99.Seconds(),
	}
	if l.Count == 0 {
		for k := range q {
			q[k] = math.NaN()
		}
	}
	return prometheus.MustNewConstSummary(d, uint64(l.Count), l.Sum.Seconds(), q, labels...)
}
