// Package highwater has the one small type both the governor and the
// metrics need: a counter that goes up and down and remembers its peak.
package highwater

import "sync/atomic"

// Gauge is a value that goes up and down, with its high-water mark. It is
// safe for concurrent use; the zero value is ready at 0.
type Gauge struct{ cur, peak atomic.Int64 }

// Add adds n (which may be negative) and raises the peak if the new value
// exceeds it. It returns the new value.
func (g *Gauge) Add(n int64) int64 {
	v := g.cur.Add(n)
	for {
		p := g.peak.Load()
		if v <= p || g.peak.CompareAndSwap(p, v) {
			return v
		}
	}
}

// Load returns the current value.
func (g *Gauge) Load() int64 { return g.cur.Load() }

// Peak returns the highest value the gauge has held.
func (g *Gauge) Peak() int64 { return g.peak.Load() }
