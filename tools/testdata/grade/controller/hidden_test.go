package controller

// The graded behaviours of the controller. Each test's name is the
// behaviour it proves, and each failure message says what went wrong and
// where to look. No clock is involved: a simulated codec says how long a
// chunk of so many bytes takes (a cost per byte, a fixed cost per chunk,
// and some made-up noise, the same on every run), and each test feeds the
// controller what that codec would report.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// The tests' settings, and the promises the README states.
const (
	testTarget   = 4 * time.Millisecond
	testMin      = 16 << 10
	testMax      = 64 << 20
	tolerance    = 1.25 // converged: each chunk's cost within target/1.25 .. target*1.25
	convergeIn   = 30   // observations to converge from Min
	recoverIn    = 40   // observations to recover from a change in cost per byte
	testNoise    = 0.10 // ±10% on every observed duration, unless a test says more
	heavyNoise   = 0.30
	mostChanges  = 15 // changes of size allowed in 100 observations under heavy noise
	slowNsByte   = 50.0
	fastNsByte   = 0.4
	slowOverhead = 50 * time.Microsecond
	fastOverhead = 20 * time.Microsecond
)

func TestStartsAtMin(t *testing.T) {
	c := newController(t, testConfig())
	if got := c.Next(); got != testMin {
		t.Fatalf("Next() = %d before any observation, want Min (%d)", got, testMin)
	}
}

func TestConvergesForASlowCodec(t *testing.T) {
	k := &codec{name: "a slow codec (50ns per byte)", nsPerByte: slowNsByte, overhead: slowOverhead, noise: testNoise, seed: 1}
	c := newController(t, testConfig())
	drive(t, c, k, convergeIn)
	checkConverged(t, c, k, 50, fmt.Sprintf("after %d observations", convergeIn))
}

func TestConvergesForAFastCodec(t *testing.T) {
	k := &codec{name: "a fast codec (0.4ns per byte)", nsPerByte: fastNsByte, overhead: fastOverhead, noise: testNoise, seed: 2}
	c := newController(t, testConfig())
	drive(t, c, k, convergeIn)
	checkConverged(t, c, k, 50, fmt.Sprintf("after %d observations", convergeIn))
}

func TestStaysWithinMinAndMax(t *testing.T) {
	for _, k := range []*codec{
		{name: "a codec too slow for even Min to meet the target (2µs per byte)", nsPerByte: 2000, noise: testNoise, seed: 3},
		{name: "a codec too fast for even Max to reach the target (0.01ns per byte)", nsPerByte: 0.01, noise: testNoise, seed: 4},
	} {
		t.Run(k.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Max = 1 << 20
			c := newController(t, cfg)
			drive(t, c, k, convergeIn) // drive fails the test if Next leaves [Min, Max]
			want := cfg.Min
			if k.nsPerByte < 1 {
				want = cfg.Max
			}
			for range 20 {
				if got := c.Next(); got != want {
					t.Fatalf("Next() = %d for %s, want %d: when the target is out of reach, stay at the bound nearest it", got, k.name, want)
				}
				c.Observe(c.Next(), k.observe(c.Next()))
			}
		})
	}
}

func TestReturnsMultiplesOfTheGranularity(t *testing.T) {
	for _, k := range []*codec{
		{name: "a slow codec", nsPerByte: slowNsByte, overhead: slowOverhead, noise: heavyNoise, seed: 5},
		{name: "a fast codec", nsPerByte: fastNsByte, overhead: fastOverhead, noise: heavyNoise, seed: 6},
		{name: "a codec of 7.3ns per byte", nsPerByte: 7.3, noise: heavyNoise, seed: 7},
	} {
		c := newController(t, testConfig())
		for i := range 100 {
			size := c.Next()
			if size%Granularity != 0 {
				t.Fatalf("Next() = %d after %d observations of %s: not a multiple of Granularity (%d); round the size down to a multiple of it before clamping", size, i, k.name, Granularity)
			}
			c.Observe(size, k.observe(size))
		}
	}
}

// After one observation the size is known exactly: 16 KiB (Min) took
// 2.6ms, 158.7ns per byte, so the target of 4ms wants about 25,206 bytes,
// outside the dead band and within a factor 2 of Min: 24 KiB, rounded
// down. An estimate that starts at 0 and smooths the first observation in
// has an eighth of the cost per byte, wants 8 times the size, and is held
// at 32 KiB by the step bound.
func TestTakesTheFirstObservationAsItIs(t *testing.T) {
	c := newController(t, testConfig())
	observe(t, c, testMin, 2600*time.Microsecond)
	const want, fromZero = 6 * Granularity, 2 * testMin
	switch got := c.Next(); got {
	case want:
	case fromZero:
		t.Fatalf("Next() = %d after one observation (%d bytes in 2.6ms), want %d: the estimate was an eighth of the cost per byte; the first observation is the estimate as it is, not smoothed into a starting value of 0", got, testMin, want)
	default:
		t.Fatalf("Next() = %d after one observation (%d bytes in 2.6ms), want %d: the first observation is the estimate as it is (158.7ns per byte, so about 25,206 bytes for 4ms), and the size moves to it, rounded down to a multiple of Granularity", got, testMin, want)
	}
}

// After one observation whose ideal is 6.7 Granularity units (16 KiB in
// 2.388ms wants about 27,444 bytes), the size is 6 units, rounded down:
// rounding to the nearest multiple gives 7.
func TestRoundsTheSizeDown(t *testing.T) {
	c := newController(t, testConfig())
	observe(t, c, testMin, 2388*time.Microsecond)
	const want, nearest = 6 * Granularity, 7 * Granularity
	switch got := c.Next(); got {
	case want:
	case nearest:
		t.Fatalf("Next() = %d after one observation whose ideal size is about 27,444 bytes (6.7 times Granularity), want %d: the size was rounded to the nearest multiple of Granularity; round it down, so that a chunk never takes more than the ideal", got, want)
	default:
		t.Fatalf("Next() = %d after one observation (%d bytes in 2.388ms, about 27,444 bytes for 4ms), want %d: take the first observation as the estimate, move to the ideal size (within a factor 2 of Min), and round it down to a multiple of Granularity", got, testMin, want)
	}
}

// The cost of an observation is its duration divided by its own bytes,
// not by the size Next said: a file's last chunk is short, and chunks cut
// before the size changed are observed after it. 4 KiB in 650µs is the
// same 158.7ns per byte as 16 KiB in 2.6ms, and moves the size from Min
// to 24 KiB all the same.
func TestTheCostIsPerByteOfTheChunkObserved(t *testing.T) {
	c := newController(t, testConfig())
	observe(t, c, Granularity, 650*time.Microsecond)
	const want = 6 * Granularity
	if got := c.Next(); got != want {
		t.Fatalf("Next() = %d after one observation of a short chunk (%d bytes in 650µs, 158.7ns per byte, about 25,206 bytes for 4ms), want %d: the cost per byte is d divided by the bytes Observe was given, whatever Next said (dividing by the current size, %d, gives a quarter of the cost)", got, Granularity, want, testMin)
	}
}

// The estimate is a moving average of each observation's cost per byte,
// d/bytes: not the ratio of a smoothed duration to a smoothed size, which
// weighs large chunks more. 16 KiB in 2.6ms (158.7ns per byte) moves the
// size to 24 KiB; then 24 KiB in 9.8304ms (400ns per byte) makes the
// estimate 158.7 + (400 - 158.7)/8 = 188.8ns per byte, an ideal of about
// 21,181 bytes: 20 KiB. Smoothing durations and sizes apart gives 201.3ns
// per byte and 16 KiB.
func TestSmoothsTheCostOfEachObservation(t *testing.T) {
	c := newController(t, testConfig())
	observe(t, c, testMin, 2600*time.Microsecond)
	if got, want := c.Next(), 6*Granularity; got != want {
		t.Fatalf("Next() = %d after one observation (%d bytes in 2.6ms), want %d (see TestTakesTheFirstObservationAsItIs)", got, testMin, want)
	}
	observe(t, c, 6*Granularity, 9830400*time.Nanosecond)
	const want, ratioOfAverages = 5 * Granularity, 4 * Granularity
	switch got := c.Next(); got {
	case want:
	case ratioOfAverages:
		t.Fatalf("Next() = %d after 16 KiB in 2.6ms then 24 KiB in 9.8304ms, want %d: the estimate was a smoothed duration divided by a smoothed size (201.3ns per byte); smooth each observation's own cost, d/bytes: 158.7 + (400 - 158.7)/8 = 188.8ns per byte, an ideal of about 21,181 bytes", got, want)
	default:
		t.Fatalf("Next() = %d after 16 KiB in 2.6ms then 24 KiB in 9.8304ms, want %d: the estimate is 158.7 + (400 - 158.7)/8 = 188.8ns per byte (the newest cost per byte weighs 1/8), an ideal of about 21,181 bytes, outside the dead band of 24 KiB, rounded down", got, want)
	}
}

// The dead band is 10% of the current size, not of the ideal. From a
// current size of 40 KiB (Min here), 40 KiB in 3.62ms wants about 45,260
// bytes: 10.5% more than the current size, so the size moves, to 44 KiB;
// yet within 10% of the ideal itself.
func TestMeasuresTheDeadBandFromTheCurrentSize(t *testing.T) {
	cfg := Config{Target: testTarget, Min: 10 * Granularity, Max: testMax}
	c := newController(t, cfg)
	observe(t, c, cfg.Min, 3620*time.Microsecond)
	const want = 11 * Granularity
	if got := c.Next(); got != want {
		t.Fatalf("Next() = %d after %d bytes in 3.62ms (an ideal of about 45,260 bytes, 10.5%% above the current %d) with Min %d, want %d: the dead band is 10%% of the current size (|ideal - current| <= 0.1 * current), not of the ideal", got, cfg.Min, cfg.Min, cfg.Min, want)
	}
}

// An ideal exactly 10% away from the current size is within the dead band:
// "within" includes the edge. Every figure here is an integer, so the edge
// is exact in floating point too: from Min (24 KiB), 4 KiB in 36,864ns
// (9ns per byte) with a target of 368,640ns wants 40 KiB; then 4 KiB in
// 69,632ns (17ns per byte) makes the estimate 9 + (17 - 9)/8 = 10ns per
// byte, an ideal of 36 KiB: 4 KiB, exactly 10% of 40 KiB, below it. The
// size stays at 40 KiB.
func TestAnIdealExactlyAtTheDeadBandsEdgeKeepsTheSize(t *testing.T) {
	cfg := Config{Target: 368640 * time.Nanosecond, Min: 6 * Granularity, Max: testMax}
	c := newController(t, cfg)
	observe(t, c, Granularity, 36864*time.Nanosecond)
	if got, want := c.Next(), 10*Granularity; got != want {
		t.Fatalf("Next() = %d after %d bytes in 36,864ns (9ns per byte, an ideal of exactly %d bytes for a target of 368,640ns) from Min %d, want %d: take the first observation as the estimate and move to the ideal size", got, Granularity, want, cfg.Min, want)
	}
	observe(t, c, Granularity, 69632*time.Nanosecond)
	const want, moved = 10 * Granularity, 9 * Granularity
	switch got := c.Next(); got {
	case want:
	case moved:
		t.Fatalf("Next() = %d, want %d: the estimate became 9 + (17 - 9)/8 = 10ns per byte, an ideal of %d bytes, exactly 10%% below the current %d; an ideal within 10%% of the current size, the edge included (|ideal - current| <= 0.1 * current), leaves the size as it is", got, want, moved, want)
	default:
		t.Fatalf("Next() = %d after 4 KiB at 9ns per byte then 4 KiB at 17ns per byte, want %d: the estimate is 9 + (17 - 9)/8 = 10ns per byte, an ideal of %d bytes, exactly 10%% below the current size, which is within the dead band (|ideal - current| <= 0.1 * current)", got, want, moved)
	}
}

func TestDoesNotOscillate(t *testing.T) {
	for _, k := range []*codec{
		{name: "a slow codec with ±30% noise", nsPerByte: slowNsByte, overhead: slowOverhead, noise: heavyNoise, seed: 8},
		{name: "a fast codec with ±30% noise", nsPerByte: fastNsByte, overhead: fastOverhead, noise: heavyNoise, seed: 9},
	} {
		t.Run(k.name, func(t *testing.T) {
			c := newController(t, testConfig())
			drive(t, c, k, convergeIn)
			sizes := drive(t, c, k, 100)
			changes := 0
			for i := 1; i < len(sizes); i++ {
				if sizes[i] != sizes[i-1] {
					changes++
				}
			}
			if changes > mostChanges {
				t.Fatalf("the size changed %d times in 100 observations of %s once converged, want at most %d (sizes: %v...): smooth the cost per byte over many observations, and leave the size alone while the ideal is within the dead band (10%%) of it", changes, k.name, mostChanges, sizes[:12])
			}
			checkConverged(t, c, k, 20, "under heavy noise")
		})
	}
}

func TestKeepsTheSizeWithinTheDeadBand(t *testing.T) {
	k := &codec{name: "a slow codec", nsPerByte: slowNsByte, seed: 10}
	c := newController(t, testConfig())
	drive(t, c, k, 60)
	before := c.Next()
	k.nsPerByte *= 1.07 // 7% slower, for good
	for i := range 60 {
		if got := c.Next(); got != before {
			t.Fatalf("the size went from %d to %d after %d observations of a codec that became 7%% slower: within the dead band (the ideal size within 10%% of the current one) keep the size as it is", before, got, i)
		}
		c.Observe(c.Next(), k.observe(c.Next()))
	}
}

func TestRecoversAfterAStepChange(t *testing.T) {
	for _, factor := range []float64{8, 1.0 / 8} {
		name := fmt.Sprintf("cost per byte times %g", factor)
		t.Run(name, func(t *testing.T) {
			k := &codec{name: "a codec of 20ns per byte", nsPerByte: 20, overhead: slowOverhead, noise: testNoise, seed: 11}
			c := newController(t, testConfig())
			drive(t, c, k, 50)
			k.nsPerByte *= factor
			k.name = fmt.Sprintf("a codec whose cost per byte went from 20ns to %gns after 50 observations", k.nsPerByte)
			drive(t, c, k, recoverIn)
			checkConverged(t, c, k, 20, fmt.Sprintf("%d observations after the change", recoverIn))
		})
	}
}

func TestBoundsEachStep(t *testing.T) {
	k := &codec{name: "a codec of 20ns per byte", nsPerByte: 20, noise: testNoise, seed: 12}
	c := newController(t, testConfig())
	drive(t, c, k, 40)
	rnd := rand.New(rand.NewPCG(13, 13))
	prev := c.Next()
	for i := range 200 {
		d := k.observe(prev)
		switch rnd.IntN(6) {
		case 0:
			d *= 100 // an outlier: the machine was busy
		case 1:
			d /= 100
		}
		c.Observe(prev, d)
		next := c.Next()
		if next > 2*prev || next < prev/2-Granularity {
			t.Fatalf("the size went from %d to %d after one observation (%d bytes in %v, observation %d of a run with outliers): move at most a factor 2 at once, so that one outlier cannot throw the size far", prev, next, prev, d, i)
		}
		prev = next
	}
}

func TestIgnoresChunksOfNoBytes(t *testing.T) {
	k := &codec{name: "a slow codec", nsPerByte: slowNsByte, overhead: slowOverhead, noise: testNoise, seed: 14}
	c := newController(t, testConfig())
	for i := range convergeIn + 10 {
		if i%3 == 0 {
			observe(t, c, 0, time.Millisecond)
			observe(t, c, 0, 0)
			observe(t, c, -4096, time.Millisecond)
		}
		observe(t, c, c.Next(), k.observe(c.Next()))
		checkBounds(t, c, "among observations of 0 and -4096 bytes", tellsNothing)
	}
	checkConverged(t, c, k, 30, "with observations of 0 bytes among the others: a chunk of no bytes says nothing about the cost per byte, so ignore it (and never divide by its size)")
}

func TestGrowsWhenChunksTakeNoMeasurableTime(t *testing.T) {
	c := newController(t, testConfig())
	prev := c.Next()
	for i := range 40 {
		observe(t, c, prev, 0)
		checkBounds(t, c, "after observations of 0ns", countsAsFree)
		if next := c.Next(); next > 2*prev {
			t.Fatalf("the size went from %d to %d after one chunk of 0ns (observation %d): a free chunk lets the size grow, by at most a factor 2 at once, like any other observation", prev, next, i+1)
		}
		prev = c.Next()
	}
	if got := c.Next(); got != testMax {
		t.Fatalf("Next() = %d after 40 chunks that each took 0ns, want Max (%d): a duration of 0 means the chunk was faster than the clock can tell, so the chunks can grow (by at most a factor 2 each time), not stay as they are", got, testMax)
	}

	// A long run of free chunks after a real one: the estimate decays
	// toward 0 and the ideal size grows past any int; it must be bounded
	// before it is converted, and the size stay at Max.
	c = newController(t, testConfig())
	observe(t, c, testMin, 2600*time.Microsecond)
	for range 400 {
		observe(t, c, c.Next(), 0)
	}
	if got := c.Next(); got != testMax {
		t.Fatalf("Next() = %d after one chunk of 2.6ms and then 400 of 0ns, want Max (%d): as the cost per byte decays toward 0, target/cost grows without bound; clamp it to [Min, Max] while it is a float, before converting it to an int (which overflows)", got, testMax)
	}
}

// A free first chunk is an observation like any other: it sets the
// estimate to 0, and the next is smoothed in with weight 1/8, not taken as
// it is as if nothing had been seen.
func TestAFreeFirstChunkIsAnObservation(t *testing.T) {
	c := newController(t, testConfig())
	observe(t, c, testMin, 0)
	observe(t, c, 2*testMin, 5200*time.Microsecond) // 158.7 ns/byte, smoothed in: 19.8 ns/byte
	if got, want := c.Next(), 4*testMin; got != want {
		t.Fatalf("Next() = %d after a chunk of %d bytes in 0ns, then one of %d in 5.2ms, want %d: the first observation (cost 0) is the estimate, the second moves it by 1/8 of the way (to 19.8 ns/byte), and the size grows by at most a factor 2; keep 'nothing seen yet' apart from a cost of 0", got, testMin, 2*testMin, want)
	}
}

func TestIgnoresNegativeDurations(t *testing.T) {
	k := &codec{name: "a slow codec", nsPerByte: slowNsByte, overhead: slowOverhead, noise: testNoise, seed: 15}
	c := newController(t, testConfig())
	drive(t, c, k, convergeIn)
	before := c.Next()
	for range 10 {
		observe(t, c, c.Next(), -time.Millisecond)
		checkBounds(t, c, "after observations of -1ms", tellsNothing)
	}
	if got := c.Next(); got != before {
		t.Fatalf("the size went from %d to %d after observations of -1ms (a clock that stepped back): a negative duration tells nothing; ignore it", before, got)
	}
}

func TestIsSafeForConcurrentUse(t *testing.T) {
	c := newController(t, testConfig())
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			k := &codec{nsPerByte: slowNsByte, overhead: slowOverhead, noise: testNoise, seed: uint64(100 + w)}
			for range 2000 {
				size := c.Next()
				c.Observe(size, k.observe(size))
			}
		})
	}
	wg.Go(func() {
		for range 1000 {
			if size := c.Next(); size < testMin || size > testMax {
				panic(fmt.Sprintf("controller test: Next() = %d, out of [%d, %d], while workers called Observe", size, testMin, testMax))
			}
		}
	})
	wg.Wait()
	k := &codec{name: "a slow codec, after 8 workers observed it at once", nsPerByte: slowNsByte, overhead: slowOverhead, noise: testNoise, seed: 16}
	checkConverged(t, c, k, 20, "after 16,000 concurrent observations")
}

func TestNewRejectsBadConfigs(t *testing.T) {
	good := testConfig()
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"a target of 0", func(c *Config) { c.Target = 0 }},
		{"a negative target", func(c *Config) { c.Target = -time.Millisecond }},
		{"a Min of 0", func(c *Config) { c.Min = 0 }},
		{"a Max below Min", func(c *Config) { c.Min, c.Max = 1<<20, 64<<10 }},
		{"a Min that is not a multiple of Granularity", func(c *Config) { c.Min = 5000 }},
		{"a Max that is not a multiple of Granularity", func(c *Config) { c.Max = 1<<20 + 1 }},
	} {
		cfg := good
		tc.edit(&cfg)
		if c, err := New(cfg); err == nil || c != nil {
			t.Errorf("New(%+v) with %s = %v, %v; want nil and an error", cfg, tc.name, c, err)
		}
	}
	if _, err := New(good); err != nil {
		t.Fatalf("New(%+v) returned %v, want a controller", good, err)
	}
	equal := good
	equal.Max = equal.Min
	if _, err := New(equal); err != nil {
		t.Fatalf("New(%+v) returned %v: Min == Max is a fixed size, and allowed", equal, err)
	}
}

// The simulated codec and the drivers.

// A codec says how long a chunk takes: nsPerByte for each byte and
// overhead for the chunk, times 1±noise, the noise drawn from a generator
// seeded with seed, so that every run sees the same durations.
type codec struct {
	name      string
	nsPerByte float64
	overhead  time.Duration
	noise     float64
	seed      uint64
	rnd       *rand.Rand
}

// cost is what a chunk of n bytes takes, without noise.
func (k *codec) cost(n int) time.Duration {
	return k.overhead + time.Duration(k.nsPerByte*float64(n))
}

// observe is what a worker would report for a chunk of n bytes.
func (k *codec) observe(n int) time.Duration {
	if k.rnd == nil {
		k.rnd = rand.New(rand.NewPCG(k.seed, 7))
	}
	f := 1 + k.noise*(2*k.rnd.Float64()-1)
	return time.Duration(float64(k.cost(n)) * f)
}

func testConfig() Config { return Config{Target: testTarget, Min: testMin, Max: testMax} }

// A subject is the controller under test, with the config it was made
// with.
type subject struct {
	*Controller
	cfg Config
}

func newController(t *testing.T, cfg Config) *subject {
	t.Helper()
	c, err := New(cfg)
	if err != nil || c == nil {
		t.Fatalf("New(%+v) = %v, %v; want a controller", cfg, c, err)
	}
	return &subject{c, cfg}
}

// drive runs n chunks through c: each of the size Next says, reported with
// what k says it took. It returns the sizes, and fails the test if one is
// out of [Min, Max].
func drive(t *testing.T, c *subject, k *codec, n int) []int {
	t.Helper()
	var sizes []int
	for range n {
		size := c.Next()
		sizes = append(sizes, size)
		if size < c.cfg.Min || size > c.cfg.Max {
			t.Fatalf("Next() = %d with Min %d and Max %d, after %d observations of %s: clamp the size to [Min, Max], after every other step", size, c.cfg.Min, c.cfg.Max, len(sizes)-1, k.name)
		}
		observe(t, c, size, k.observe(size))
	}
	return sizes
}

// observe calls c.Observe, and turns a panic into a failure that says
// which observation caused it.
func observe(t *testing.T, c *subject, bytes int, d time.Duration) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Observe(%d, %v) panicked: %v; an observation may be of 0 bytes, or 0ns, or a duration smaller than one nanosecond per byte: never divide by a size or a duration without checking it, and keep the cost per byte a float", bytes, d, p)
		}
	}()
	c.Observe(bytes, d)
}

// checkBounds fails the test if Next is not a multiple of Granularity
// within [Min, Max]; why says what the observations just made should do.
func checkBounds(t *testing.T, c *subject, where, why string) {
	t.Helper()
	if size := c.Next(); size < c.cfg.Min || size > c.cfg.Max || size%Granularity != 0 {
		t.Fatalf("Next() = %d %s, want a multiple of %d in [%d, %d]: %s (a float NaN or infinity turned into an int is garbage)", size, where, Granularity, c.cfg.Min, c.cfg.Max, why)
	}
}

// The reasons checkBounds gives.
const (
	tellsNothing = "an observation that tells nothing (no bytes, a negative duration) must not move the size, nor make it NaN"
	countsAsFree = "a duration of 0 counts as free: the size grows toward Max, at most a factor 2 at a time, and nothing divides by the cost of 0"
)

// checkConverged drives c for n more chunks of k, and fails the test if
// the noiseless cost of one of them is not within tolerance of the target.
func checkConverged(t *testing.T, c *subject, k *codec, n int, when string) {
	t.Helper()
	ideal := float64(testTarget-k.overhead) / k.nsPerByte
	for i := range n {
		size := c.Next()
		cost := k.cost(size)
		if r := float64(cost) / float64(testTarget); r > tolerance || r < 1/tolerance || math.IsNaN(r) {
			t.Fatalf("%s, with %s, a chunk of %d bytes took %v, want %v within %g%% (the ideal size is about %.0f bytes; %d observations into this check): steer the size toward Target divided by the smoothed cost per byte", when, k.name, size, cost.Round(time.Microsecond), testTarget, (tolerance-1)*100, ideal, i)
		}
		observe(t, c, size, k.observe(size))
	}
}
