package obs

import (
	"slices"
	"time"

	"packcourse/final/internal/highwater"
)

// Gauge is a level and its high-water mark.
type Gauge struct{ Now, Peak int64 }

// Snapshot is everything Metrics knows, read at one moment (each value
// atomically; the whole is not one atomic snapshot).
type Snapshot struct {
	Elapsed      time.Duration    // first run's start to last run's end, or to now while runs are active
	Work         []Work           // per kind of work on chunks, in the order first seen
	WrittenBytes int64            // bytes written to destinations
	Files        int64            // runs finished
	Errors       int64            // of those, runs that failed or were cancelled
	Queues       [numQueues]Gauge // chunks waiting, per queue
	Busy         Gauge            // workers encoding or decoding
	QueueWait    Latency          // time a chunk waited for a worker and a CPU token
	Write        Latency          // time one write took

	Governor *Resources // nil when no governor is watched
}

// Work is what was done to chunks under one label.
type Work struct {
	Label    string  // "encode", "decode"
	Chunks   int64   // chunks done
	RawBytes int64   // their raw bytes
	CPU      Latency // time one chunk's work took
}

// WorkOf returns the figures of label, zero if nothing was recorded.
func (s Snapshot) WorkOf(label string) Work {
	for _, w := range s.Work {
		if w.Label == label {
			return w
		}
	}
	return Work{Label: label}
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
	m.workMu.Lock()
	labels := slices.Clone(m.workOrder)
	m.workMu.Unlock()
	for _, l := range labels {
		w := m.workFor(l)
		s.Work = append(s.Work, Work{Label: l, Chunks: w.chunks.Load(), RawBytes: w.rawBytes.Load(), CPU: w.cpu.latency()})
	}
	for q := range numQueues {
		s.Queues[q] = gaugeOf(&m.queues[q])
	}
	if f := m.resources.Load(); f != nil {
		r := (*f)()
		s.Governor = &r
	}
	return s
}

// Throughput is the raw bytes processed per second of activity.
func (s Snapshot) Throughput() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.rawBytes()) / s.Elapsed.Seconds()
}

// rawBytes is the raw bytes of all the work done.
func (s Snapshot) rawBytes() (n int64) {
	for _, w := range s.Work {
		n += w.RawBytes
	}
	return n
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
