package engine

import "sync/atomic"

// Stats are figures about an engine's last Pack, measured by the engine
// itself. Every lesson's engine reports the same fields, so a lesson's
// tests can compare it with the lesson before.
type Stats struct {
	Chunks            int   // chunks in the input
	ChunksStarted     int   // chunks a goroutine began work on
	ChunksWritten     int   // frames written to dst
	PeakGoroutines    int   // most goroutines of this engine running at once
	PeakBufferedBytes int64 // most bytes of input, chunk and frame buffers held at once
	PeakInFlight      int   // most chunks cut from the input and not yet written (or dropped) at once
	TurnWaits         int   // chunks whose finished frame had to wait for its turn to be written
	FutileWakeups     int   // times a waiting goroutine was woken and found it still was not its turn
}

// runStats is what one Pack measures while it runs. Its levels are
// changed from many goroutines, so they are atomic; the turn-taking
// figures are counted by the turnWriter under its own mutex.
type runStats struct {
	chunks        int
	chunksStarted atomic.Int64
	goroutines    level
	buffered      level
	inFlight      level
}

// level is a quantity that goes up and down, and the highest it reached.
// Each Add returns the level at one instant, so the peak is exact however
// the goroutines interleave.
type level struct {
	now, peak atomic.Int64
}

// Add changes the level by delta (negative to go down).
func (l *level) Add(delta int64) {
	now := l.now.Add(delta)
	for {
		peak := l.peak.Load()
		if now <= peak || l.peak.CompareAndSwap(peak, now) {
			return
		}
	}
}

// Peak is the highest the level has been.
func (l *level) Peak() int64 { return l.peak.Load() }

// snapshot returns the figures of a finished run.
func (r *runStats) snapshot(t *turnWriter) Stats {
	s := Stats{
		Chunks:            r.chunks,
		ChunksStarted:     int(r.chunksStarted.Load()),
		PeakGoroutines:    int(r.goroutines.Peak()),
		PeakBufferedBytes: r.buffered.Peak(),
		PeakInFlight:      int(r.inFlight.Peak()),
	}
	if t != nil {
		s.ChunksWritten, s.TurnWaits, s.FutileWakeups = t.progress()
	}
	return s
}
