package engine

import (
	"math"
	"runtime"
	"sync"
	"time"
)

// Adaptive asks Pack to pick each chunk's size as it goes, so that
// encoding a chunk takes about Target of CPU time: small chunks for a slow
// codec or level, large ones for a fast one (lesson 10). The options'
// ChunkSize, which the header declares, is the cap: no chunk is larger,
// so every buffer, every budget and every reader's allocation stays what
// it is with fixed chunks. The output is then the oracle's for the sizes
// chosen (oracle.PackSchedule), which differ from run to run with timing.
type Adaptive struct {
	Target   time.Duration // CPU time per chunk to aim for; 0 = DefaultTarget
	MinChunk int           // the smallest chunk; 0 = DefaultMinChunk (at most the cap)

	// Cost, if set, stands in for the clock: the worker reports Cost(off,
	// n) as the time it took to encode the n bytes at offset off. For
	// tests; nil measures.
	Cost func(off int64, n int) time.Duration
	// Schedule, if set, is called once a Pack has written its last frame,
	// with every chunk's raw length in order: what oracle.PackSchedule
	// needs to write the same bytes. It must not keep sizes past the call.
	Schedule func(sizes []int)
}

// The controller's defaults and constants (lesson 10's, unchanged).
const (
	// DefaultTarget is the CPU time per chunk an Adaptive Pack aims for
	// when none is given: per-chunk costs are microseconds, well under 1%
	// of it, and a file of a few MiB still splits into enough chunks for
	// every worker.
	DefaultTarget = 2 * time.Millisecond
	// DefaultMinChunk is the smallest chunk an Adaptive Pack cuts when
	// none is given: DEFLATE's 32 KiB window, below which the ratio drops.
	DefaultMinChunk = 32 << 10

	band = 2          // keep the size while a chunk is predicted within target/band..target*band
	aim  = math.Sqrt2 // once moving, stop at the size predicted within target/aim..target*aim
	ewma = 0.25       // how much one sample moves the estimate of ns per byte
)

// controller picks chunk sizes from the cap divided by powers of two,
// toward a target time per chunk, from a moving average of the ns one
// byte takes (see lesson 10's Controller for the argument). It is not
// safe for concurrent use; sizer guards it.
type controller struct {
	target   float64 // ns
	cap      int
	maxShift int  // the smallest size is cap >> maxShift
	shift    int  // the size now is cap >> shift
	moving   bool // outside the band: stepping toward the target
	perByte  float64
	samples  int
}

func newController(a *Adaptive, cap int) *controller {
	target, minChunk := a.Target, a.MinChunk
	if target <= 0 {
		target = DefaultTarget
	}
	if minChunk <= 0 {
		minChunk = DefaultMinChunk
	}
	c := &controller{target: float64(target), cap: max(cap, 1), moving: true}
	for c.cap>>(c.maxShift+1) >= max(minChunk, 1) {
		c.maxShift++
	}
	c.shift = c.maxShift // start small: measured soonest, cheapest if the codec is slow
	return c
}

func (c *controller) size() int { return c.cap >> c.shift }

// next returns the next chunk's size, at most one step from the last.
func (c *controller) next() int {
	if c.samples == 0 {
		return c.size()
	}
	predicted := c.perByte * float64(c.size())
	if predicted > c.target*band || predicted < c.target/band {
		c.moving = true
	}
	if c.moving {
		switch {
		case predicted >= c.target*aim && c.shift < c.maxShift:
			c.shift++
		case predicted < c.target/aim && c.shift > 0:
			c.shift--
		default:
			c.moving = false
		}
	}
	return c.size()
}

// observe records that a chunk of n bytes took d to encode.
func (c *controller) observe(n int, d time.Duration) {
	if n < 1 {
		return
	}
	sample := float64(d) / float64(n)
	if c.samples == 0 {
		c.perByte = sample
	} else {
		c.perByte += ewma * (sample - c.perByte)
	}
	c.samples++
}

// A sizer is one Pack's chunk sizing, shared by its reader, which asks for
// each chunk's size before reading it, and its workers, which report each
// encode's time. The feedback lags by the chunks in flight (InFlight at
// most): that delays a change of size, and breaks no bound, since every
// size is at most the cap all buffers and budgets are sized for.
type sizer struct {
	cost func(off int64, n int) time.Duration

	mu   sync.Mutex
	ctrl *controller
}

func newSizer(a *Adaptive, cap int) *sizer {
	return &sizer{cost: a.Cost, ctrl: newController(a, cap)}
}

func (s *sizer) next() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctrl.next()
}

// timed runs encode and reports its CPU time for the n bytes at off: the
// thread's CPU clock where there is one, locked to the thread meanwhile so
// that both readings are of one clock; wall time otherwise. Wall time on a
// machine busy with other work would make every encode look slower and
// shrink chunks that cost no more CPU than before.
func (s *sizer) timed(off int64, n int, encode func() error) error {
	runtime.LockOSThread()
	cpu0, ok0 := threadCPU()
	start := time.Now()
	err := encode()
	took := time.Since(start)
	if cpu1, ok1 := threadCPU(); ok0 && ok1 {
		took = cpu1 - cpu0
	}
	runtime.UnlockOSThread()
	if err != nil {
		return err
	}
	if s.cost != nil {
		took = s.cost(off, n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctrl.observe(n, took)
	return nil
}
