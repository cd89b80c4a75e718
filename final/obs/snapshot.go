package obs

import (
	"time"

	"packcourse/final/govern"
	"packcourse/final/internal/highwater"
)

// Gauge is a level and its high-water mark.
type Gauge struct{ Now, Peak int64 }

// Snapshot is everything Metrics knows, read at one moment (each value
// atomically; the whole is not one atomic snapshot).
type Snapshot struct {
	Elapsed      time.Duration    // first run's start to last run's end, or to now while runs are active
	Chunks       [numOps]int64    // chunks encoded, decoded
	RawBytes     [numOps]int64    // their raw bytes
	WrittenBytes int64            // bytes written to destinations
	Files        int64            // runs finished
	Errors       int64            // of those, runs that failed or were cancelled
	Queues       [numQueues]Gauge // chunks waiting, per queue
	Busy         Gauge            // workers encoding or decoding
	CPU          [numOps]Latency  // per-chunk encode, decode time
	QueueWait    Latency          // time a chunk waited for a worker and a CPU token
	Write        Latency          // time one write took

	Governor *govern.Stats // nil when no governor is watched
	Limits   govern.Limits // the watched governor's limits
}

// Snapshot returns the current figures.
func (m *Metrics) Snapshot() Snapshot {
	s := Snapshot{
		Elapsed:      m.elapsed(),
		WrittenBytes: m.written.Load(),
		Files:        m.files.Load(),
		Errors:       m.errors.Load(),
		Busy:         gaugeOf(&m.busy),
		QueueWait:    m.queueWait.latency(),
		Write:        m.write.latency(),
	}
	for op := range numOps {
		s.Chunks[op] = m.chunks[op].Load()
		s.RawBytes[op] = m.rawBytes[op].Load()
		s.CPU[op] = m.cpu[op].latency()
	}
	for q := range numQueues {
		s.Queues[q] = gaugeOf(&m.queues[q])
	}
	if g := m.gov.Load(); g != nil {
		st := g.Stats()
		s.Governor, s.Limits = &st, g.Limits()
	}
	return s
}

// Throughput is the raw bytes processed per second of activity.
func (s Snapshot) Throughput() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.RawBytes[Encode]+s.RawBytes[Decode]) / s.Elapsed.Seconds()
}

func (m *Metrics) elapsed() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.first.IsZero():
		return 0
	case m.active > 0:
		return m.now().Sub(m.first)
	default:
		return m.last.Sub(m.first)
	}
}

func gaugeOf(g *highwater.Gauge) Gauge { return Gauge{Now: g.Load(), Peak: g.Peak()} }
