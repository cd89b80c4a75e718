// Wrong: the dead band leaves out its edge (|ideal - current| < 10% of the
// current size instead of <=), so an ideal exactly 10% away from the
// current size moves it ('within 10% of the current size').
// Caught by: TestAnIdealExactlyAtTheDeadBandsEdgeKeepsTheSize
// Package controller steers the size of the next chunk toward a target
// CPU time per chunk, from the sizes and times of the chunks already
// done: lesson 10's adaptive chunk size, cut down to its skeleton.
package controller

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Granularity is the unit of chunk sizes: Next always returns a multiple
// of it, and Min and Max must be multiples of it.
const Granularity = 4096

// The controller's rules. They are constants, not options, so that the
// tests can hold every answer to the same behaviour.
const (
	// smoothing is the weight of the newest observation in the running
	// estimate of the cost per byte: one noisy chunk moves it by an
	// eighth of its error, and a lasting change is followed within a few
	// dozen chunks.
	smoothing = 1.0 / 8
	// deadBand: while the ideal size is within this fraction of the
	// current one, the size stays: chasing noise only makes it wander.
	deadBand = 0.10
	// maxStep bounds one move: the size at most doubles or halves at
	// once, so one outlier cannot throw it far.
	maxStep = 2.0
)

// A Config is what the controller aims at and the bounds it keeps to.
type Config struct {
	Target time.Duration // CPU time wanted per chunk
	Min    int           // smallest chunk size, a multiple of Granularity
	Max    int           // largest chunk size, a multiple of Granularity
}

// A Controller chooses chunk sizes. Workers report the chunks they finish
// with Observe while the reader asks for the next size with Next: it is
// safe for concurrent use.
type Controller struct {
	cfg Config

	mu        sync.Mutex
	size      int     // what Next returns
	nsPerByte float64 // smoothed cost per byte; valid once seen
	seen      bool
}

// New returns a controller for cfg whose first size is cfg.Min. It
// refuses a Target below 1ns, a Min below Granularity, a Max below Min,
// and bounds that are not multiples of Granularity.
func New(cfg Config) (*Controller, error) {
	switch {
	case cfg.Target <= 0:
		return nil, fmt.Errorf("controller: target %v, want more than 0", cfg.Target)
	case cfg.Min < Granularity || cfg.Min%Granularity != 0:
		return nil, fmt.Errorf("controller: min %d, want a positive multiple of %d", cfg.Min, Granularity)
	case cfg.Max < cfg.Min || cfg.Max%Granularity != 0:
		return nil, fmt.Errorf("controller: max %d, want a multiple of %d of at least min (%d)", cfg.Max, Granularity, cfg.Min)
	}
	return &Controller{cfg: cfg, size: cfg.Min}, nil
}

// Next returns the size for the next chunk: a multiple of Granularity
// between Min and Max.
func (c *Controller) Next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Observe reports a finished chunk: bytes long, it took d of CPU time. A
// chunk of no bytes, or a negative d (a clock that stepped back), tells
// nothing and is ignored; a d of 0 means the chunk was faster than the
// clock can tell, and counts as free.
func (c *Controller) Observe(bytes int, d time.Duration) {
	if bytes <= 0 || d < 0 {
		return
	}
	cost := float64(d) / float64(bytes)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen {
		c.nsPerByte += smoothing * (cost - c.nsPerByte)
	} else {
		c.nsPerByte, c.seen = cost, true
	}
	c.size = c.steer()
}

// docs:region steer
// steer returns the size to use now, from the smoothed cost per byte:
// the size that would take Target, unless it is within the dead band of
// the current size, moved at most a factor maxStep, rounded down to
// Granularity and kept within [Min, Max].
func (c *Controller) steer() int {
	ideal := math.Inf(1) // free chunks: as large as allowed
	if c.nsPerByte > 0 {
		ideal = float64(c.cfg.Target) / c.nsPerByte
	}
	current := float64(c.size)
	if math.Abs(ideal-current) < deadBand*current {
		return c.size
	}
	next := min(max(ideal, current/maxStep), current*maxStep)
	size := int(next) / Granularity * Granularity
	return min(max(size, c.cfg.Min), c.cfg.Max)
}

// docs:endregion steer
