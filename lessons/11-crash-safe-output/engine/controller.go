package engine

import (
	"math"
	"time"
)

// The Controller's defaults and constants.
const (
	// DefaultTarget is the CPU time per chunk the Controller aims for
	// when none is given. Per-chunk costs (a future, two channel sends,
	// a frame header, a compressor reset) are some microseconds, so at
	// 2ms they are well under 1% of the work; and a chunk of 2ms is small
	// enough that a file of a few MiB still splits into enough chunks to
	// keep every worker busy.
	DefaultTarget = 2 * time.Millisecond
	// DefaultMinChunk is the smallest chunk the Controller picks when
	// none is given: DEFLATE's 32 KiB window. Below it every chunk starts
	// compressing with less history than the codec could use, and the
	// ratio drops.
	DefaultMinChunk = 32 << 10

	// band is the dead band around the target, as a ratio: a chunk
	// predicted to take between target/band and target*band keeps its
	// size. Once outside it, the Controller moves until a chunk is
	// predicted to take between target/aim and target*aim: sizes are a
	// factor 2 apart and aim*aim is 2, so that is the one size nearest
	// the target. The band is wider than where a move stops, so a size
	// just reached is not left again unless the cost per byte moves by
	// a factor of at least aim.
	band = 2
	aim  = math.Sqrt2
	// weight is how much one new sample moves the estimate of the cost
	// per byte (an exponentially weighted moving average): a quarter, so
	// one odd chunk moves it little, and a real change of codec or data
	// shows within a few chunks.
	weight = 0.25
)

// docs:region Controller
// A Controller picks the size of each chunk so that encoding it takes
// about a target time. It keeps one figure, an estimate of the
// nanoseconds one byte takes to encode (an exponentially weighted average
// of the chunks measured so far), and predicts from it how long a chunk
// of the current size would take. Outside a dead band around the target
// (half to twice it) it halves or doubles the size, one step per chunk;
// inside it, it keeps the size. The sizes are the cap divided by a power
// of two, never below min: the cap, the cap/2, the cap/4... Once it moves,
// it goes on moving, one step per chunk, until it reaches the size whose
// prediction is nearest the target (within a factor aim of it).
//
// Why this does not oscillate: the estimate is per byte, so a step does
// not change it; each step brings the prediction a factor 2 closer and
// none overshoots the size nearest the target; and leaving that size
// takes a prediction outside the band, wider than where moving stopped,
// so the noise of one chunk's time cannot bounce it back and forth.
//
// A Controller is not safe for concurrent use; an engine guards it (see
// sizer).
type Controller struct {
	target   time.Duration
	cap      int  // the largest size: the header's chunk size
	maxShift int  // the smallest size is cap >> maxShift, at least min
	shift    int  // the size now is cap >> shift
	moving   bool // outside the band: stepping toward the target
	perByte  float64
	samples  int
}

// docs:endregion Controller

// NewController returns a Controller aiming at target per chunk (0 means
// DefaultTarget), with sizes from cap down to no less than min (0 means
// DefaultMinChunk; a min above cap means cap). It starts at its smallest
// size: until the first chunk is measured it knows nothing, and a small
// chunk is measured soonest and costs least if the codec is slow.
func NewController(target time.Duration, min, cap int) *Controller {
	if target <= 0 {
		target = DefaultTarget
	}
	if min <= 0 {
		min = DefaultMinChunk
	}
	c := &Controller{target: target, cap: max(cap, 1)}
	for c.cap>>(c.maxShift+1) >= max(min, 1) {
		c.maxShift++
	}
	c.shift, c.moving = c.maxShift, true
	return c
}

// docs:region Controller.Next
// Next returns the size the next chunk should have. It moves one step at
// most from the last size it returned: it starts moving when the estimate
// predicts the current size is outside the band, and stops at the size
// nearest the target, or at a bound.
func (c *Controller) Next() int {
	if c.samples == 0 {
		return c.Size()
	}
	predicted, target := c.perByte*float64(c.Size()), float64(c.target)
	if predicted > target*band || predicted < target/band {
		c.moving = true
	}
	if c.moving {
		switch {
		case predicted >= target*aim && c.shift < c.maxShift:
			c.shift++ // too slow per chunk: halve
		case predicted < target/aim && c.shift > 0:
			c.shift-- // too quick per chunk: double
		default:
			c.moving = false // nearest the target, or at a bound
		}
	}
	return c.Size()
}

// Observe records that a chunk of n bytes took d to encode.
func (c *Controller) Observe(n int, d time.Duration) {
	if n < 1 {
		return
	}
	sample := float64(d) / float64(n)
	if c.samples == 0 {
		c.perByte = sample
	} else {
		c.perByte += weight * (sample - c.perByte)
	}
	c.samples++
}

// docs:endregion Controller.Next

// Size is the size Next returned last (before any call: the first size).
func (c *Controller) Size() int { return c.cap >> c.shift }

// Bounds are the smallest and the largest size the Controller picks.
func (c *Controller) Bounds() (lo, hi int) { return c.cap >> c.maxShift, c.cap }

// PerByte is the Controller's estimate of the time one byte takes to
// encode, 0 before the first sample.
func (c *Controller) PerByte() float64 { return c.perByte }
