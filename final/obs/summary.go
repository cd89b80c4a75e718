package obs

import (
	"fmt"
	"strings"
	"time"

	"packcourse/core/units"
)

// Summary returns the figures that matter, on one screen: throughput,
// per-chunk latency quantiles, queue and buffer high-water marks, tokens.
func (m *Metrics) Summary() string {
	s := m.Snapshot()
	var b strings.Builder
	raw := s.rawBytes()
	fmt.Fprintf(&b, "runs        %d (%d failed) in %s: %s raw, %s/s\n",
		s.Files, s.Errors, s.Elapsed.Round(time.Millisecond), units.FormatSize(raw), units.FormatSize(int64(s.Throughput())))
	var done []string
	for _, w := range s.Work {
		done = append(done, fmt.Sprintf("%s %d", w.Label, w.Chunks))
	}
	fmt.Fprintf(&b, "chunks      %s; %s written\n", strings.Join(done, ", "), units.FormatSize(s.WrittenBytes))
	for _, w := range s.Work {
		if w.CPU.Count > 0 {
			fmt.Fprintf(&b, "%-11s %s\n", w.Label, latencyLine(w.CPU))
		}
	}
	fmt.Fprintf(&b, "queue wait  %s\n", latencyLine(s.QueueWait))
	fmt.Fprintf(&b, "write       %s\n", latencyLine(s.Write))
	fmt.Fprintf(&b, "queues      work peak %d, write peak %d; busy workers peak %d\n",
		s.Queues[WorkQueue].Peak, s.Queues[WriteQueue].Peak, s.Busy.Peak)
	if g := s.Governor; g != nil {
		fmt.Fprintf(&b, "buffers     %s in use, peak %s of %s budget; %d waits\n",
			units.FormatSize(g.Bytes.InUse), units.FormatSize(g.Bytes.Peak), units.FormatSize(g.Bytes.Limit), g.Bytes.Waits)
		fmt.Fprintf(&b, "tokens      cpu %d/%d (peak %d, %d waits), io %d/%d (peak %d, %d waits)\n",
			g.CPU.InUse, g.CPU.Limit, g.CPU.Peak, g.CPU.Waits, g.IO.InUse, g.IO.Limit, g.IO.Peak, g.IO.Waits)
	}
	return b.String()
}

func latencyLine(l Latency) string {
	if l.Count == 0 {
		return "(none)"
	}
	return fmt.Sprintf("p50 %v  p95 %v  p99 %v  max %v  (n=%d)", short(l.P50), short(l.P95), short(l.P99), short(l.Max), l.Count)
}

// short rounds d to about three significant digits for people: 168.7ms,
// not 168.703ms; microseconds stay as they are.
func short(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d
}
