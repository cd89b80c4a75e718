package obs

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"packcourse/final/internal/highwater"
)

// Queue names a place where chunks wait between stages.
type Queue int

// The queues, used as the "queue" label.
const (
	WorkQueue  Queue = iota // read, waiting for a worker and a CPU token
	WriteQueue              // encoded or decoded, waiting for the ordered writer
	numQueues
)

func (q Queue) String() string { return [...]string{"work", "write"}[q] }

// Metrics records what the pipeline does. Create it with New; it is safe
// for concurrent use, and all its recording methods do nothing on a nil
// *Metrics.
type Metrics struct {
	now func() time.Time

	written atomic.Int64
	files   atomic.Int64
	errors  atomic.Int64

	queues [numQueues]highwater.Gauge
	busy   highwater.Gauge

	workMu    sync.Mutex             // guards work and workOrder
	work      map[string]*workSeries // by label: what workers do to chunks ("encode", "decode")
	workOrder []string               // labels in the order first seen, for the summary

	queueWait *histogram // time a chunk waited for a worker and a CPU token
	write     *histogram // time one write to the destination took

	resources atomic.Pointer[func() Resources] // the governor's figures, read at scrape time

	mu     sync.Mutex // guards the activity window below
	active int        // runs in progress
	first  time.Time  // when the first run started
	last   time.Time  // when the last run ended

	reg *prometheus.Registry
}

// Option configures New.
type Option func(*Metrics)

// WithClock makes Metrics read the time from now instead of time.Now.
func WithClock(now func() time.Time) Option { return func(m *Metrics) { m.now = now } }

// New returns empty Metrics, with a Prometheus registry holding them and
// the Go runtime's and the process's standard collectors.
func New(opts ...Option) *Metrics {
	m := &Metrics{
		now:       time.Now,
		queueWait: newHistogram(),
		write:     newHistogram(),
	}
	m.work = map[string]*workSeries{}
	for _, o := range opts {
		o(m)
	}
	m.reg = prometheus.NewRegistry()
	m.reg.MustRegister(
		collector{m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the Prometheus registry the metrics are in, for adding
// more collectors or serving it another way.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Resources is what a governor reports: its tokens and its byte budget.
type Resources struct{ CPU, IO, Bytes Resource }

// Resource is one limited resource of a governor.
type Resource struct {
	InUse, Peak, Limit int64 // held now, most ever held at once, there is
	Waits              int64 // acquisitions that had to wait
}

// WatchResources makes the metrics report the resources f returns, called
// at every scrape and Snapshot (so f must be safe for concurrent use). The
// last f given wins.
func (m *Metrics) WatchResources(f func() Resources) {
	if m != nil && f != nil {
		m.resources.Store(&f)
	}
}

// workSeries are the figures of one kind of work on chunks.
type workSeries struct {
	chunks, rawBytes atomic.Int64
	cpu              *histogram // time one chunk's work took
}

// DeclareWork makes each label's series exist before any chunk is
// recorded under it, so /metrics shows them at zero from the start.
func (m *Metrics) DeclareWork(labels ...string) {
	if m == nil {
		return
	}
	for _, l := range labels {
		m.workFor(l)
	}
}

// workFor returns label's series, made at first use.
func (m *Metrics) workFor(label string) *workSeries {
	m.workMu.Lock()
	defer m.workMu.Unlock()
	w := m.work[label]
	if w == nil {
		w = &workSeries{cpu: newHistogram()}
		m.work[label] = w
		m.workOrder = append(m.workOrder, label)
	}
	return w
}
