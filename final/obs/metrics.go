package obs

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"packcourse/final/govern"
	"packcourse/final/internal/highwater"
)

// Op is the kind of work done on a chunk.
type Op int

// The ops, used as the "op" label.
const (
	Encode Op = iota // raw chunk to frame (pack)
	Decode           // frame to raw chunk (unpack, verify)
	numOps
)

func (op Op) String() string { return [...]string{"encode", "decode"}[op] }

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

	chunks   [numOps]atomic.Int64
	rawBytes [numOps]atomic.Int64
	written  atomic.Int64
	files    atomic.Int64
	errors   atomic.Int64

	queues [numQueues]highwater.Gauge
	busy   highwater.Gauge

	cpu       [numOps]*histogram // time to encode or decode one chunk
	queueWait *histogram         // time a chunk waited for a worker and a CPU token
	write     *histogram         // time one write to the destination took

	gov atomic.Pointer[govern.Governor]

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
	for op := range numOps {
		m.cpu[op] = newHistogram()
	}
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

// WatchGovernor makes the metrics report g's tokens and bytes, read at
// scrape time. The last governor watched wins.
func (m *Metrics) WatchGovernor(g *govern.Governor) {
	if m != nil && g != nil {
		m.gov.Store(g)
	}
}
