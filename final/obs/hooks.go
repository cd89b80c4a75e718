package obs

import "time"

// The methods in this file are the engine's side of Metrics. Each does
// nothing on a nil *Metrics, so callers never check.

// Now returns the current time from the Metrics' clock, or the zero Time
// on a nil *Metrics (without reading any clock).
func (m *Metrics) Now() time.Time {
	if m == nil {
		return time.Time{}
	}
	return m.now()
}

// Since returns the time elapsed since t on the Metrics' clock, or 0 on a
// nil *Metrics.
func (m *Metrics) Since(t time.Time) time.Duration {
	if m == nil {
		return 0
	}
	return m.now().Sub(t)
}

// RunStarted records that a Pack, Unpack or Verify began.
func (m *Metrics) RunStarted() {
	if m == nil {
		return
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.first.IsZero() {
		m.first = now
	}
	m.active++
}

// RunDone records that a run ended, with the error it returned.
func (m *Metrics) RunDone(err error) {
	if m == nil {
		return
	}
	m.files.Add(1)
	if err != nil {
		m.errors.Add(1)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active--
	m.last = now
}

// Chunk records the work called label ("encode", "decode") done on one
// chunk: its raw length and the time the work took.
func (m *Metrics) Chunk(label string, rawLen int, took time.Duration) {
	if m == nil {
		return
	}
	w := m.workFor(label)
	w.chunks.Add(1)
	w.rawBytes.Add(int64(rawLen))
	w.cpu.record(took)
}

// QueueWait records how long a chunk waited between being read and its
// encoding or decoding starting (a worker and a CPU token).
func (m *Metrics) QueueWait(d time.Duration) {
	if m == nil {
		return
	}
	m.queueWait.record(d)
}

// Wrote records one write of n bytes to the destination and its latency.
func (m *Metrics) Wrote(n int, took time.Duration) {
	if m == nil {
		return
	}
	m.written.Add(int64(n))
	m.write.record(took)
}

// Queued moves the depth of queue q by delta (+1 when a chunk enters it,
// -1 when it leaves).
func (m *Metrics) Queued(q Queue, delta int) {
	if m == nil {
		return
	}
	m.queues[q].Add(int64(delta))
}

// Busy moves the number of workers busy encoding or decoding by delta.
func (m *Metrics) Busy(delta int) {
	if m == nil {
		return
	}
	m.busy.Add(int64(delta))
}
