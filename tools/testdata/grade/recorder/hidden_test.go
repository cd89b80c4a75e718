package recorder

// The graded behaviours of Recorder. Each test's name is the behaviour it
// proves, and each failure message names the mistake that most often
// causes it. Every figure a test expects is worked out from the durations
// it records: no test depends on the machine's speed.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

const ms = time.Millisecond

func TestNewRejectsAMaxUnderAMicrosecond(t *testing.T) {
	for _, max := range []time.Duration{0, -time.Second, 999 * time.Nanosecond} {
		if r, err := New(max); err == nil || r != nil {
			t.Errorf("New(%v) = %v, %v; want nil and an error: a Recorder needs a max of at least 1µs", max, r, err)
		}
	}
	if _, err := New(time.Microsecond); err != nil {
		t.Errorf("New(1µs) = %v; want a Recorder", err)
	}
}

func TestAnEmptyRecorderReportsZero(t *testing.T) {
	r := newRecorder(t, time.Minute)
	if s := r.Summary(); s != (Summary{}) {
		t.Errorf("Summary() of an empty Recorder = %+v, want the zero Summary", s)
	}
	if q := r.Quantile(0.99); q != 0 {
		t.Errorf("Quantile(0.99) of an empty Recorder = %v, want 0", q)
	}
}

func TestRecordRejectsOutOfRange(t *testing.T) {
	r := newRecorder(t, time.Second)
	for _, d := range []time.Duration{-time.Microsecond, -time.Nanosecond, -time.Hour, time.Second + time.Microsecond, time.Second + 500*time.Nanosecond, time.Minute} {
		err := r.Record(d)
		if !errors.Is(err, ErrOutOfRange) {
			t.Errorf("Record(%v) with max 1s = %v, want an error wrapping ErrOutOfRange: a duration the histogram cannot hold must not vanish silently, nor be clamped into a value nobody measured (compare d itself with 0 and max, before truncating it to the microsecond)", d, err)
		}
	}
	if s := r.Summary(); s.Count != 0 {
		t.Errorf("after only rejected Records, Count = %d, want 0: a rejected duration must not be recorded (clamped to max, it is a lie in every quantile)", s.Count)
	}
	for _, d := range []time.Duration{0, time.Microsecond, time.Second} {
		if err := r.Record(d); err != nil {
			t.Errorf("Record(%v) with max 1s = %v, want nil: 0 and max are in range", d, err)
		}
	}
}

func TestCountAndSumAreTheRecordsKept(t *testing.T) {
	r := newRecorder(t, time.Second)
	var sum time.Duration
	for i := range 100 {
		d := time.Duration(i+1) * 7 * time.Microsecond
		record(t, r, d)
		sum += d
		_ = r.Record(2 * time.Second) // rejected: out of range
		_ = r.Record(-d)              // rejected
	}
	s := r.Summary()
	if s.Count != 100 {
		t.Errorf("Count = %d after 100 Records in range and 200 rejected, want 100: count a duration only once it is recorded (RecordValue's error says when it is not)", s.Count)
	}
	if s.Sum != sum {
		t.Errorf("Sum = %v, want %v, the sum of the durations recorded (in whole microseconds, so exact)", s.Sum, sum)
	}
}

// Sum adds the durations as the histogram keeps them: each truncated to
// the microsecond.
func TestSumTruncatesEachDurationToTheMicrosecond(t *testing.T) {
	r := newRecorder(t, time.Second)
	record(t, r, 1500*time.Nanosecond)
	record(t, r, 2999*time.Nanosecond)
	record(t, r, 999*time.Nanosecond)
	if s := r.Summary(); s.Sum != 3*time.Microsecond {
		t.Errorf("Sum = %v after Record(1.5µs), Record(2.999µs) and Record(999ns), want 3µs: 1 + 2 + 0, each duration truncated to the microsecond, as the histogram keeps it (add d.Microseconds(), not d)", s.Sum)
	}
}

func TestQuantilesAreRight(t *testing.T) {
	r := newRecorder(t, time.Minute)
	for i := 1; i <= 1000; i++ {
		record(t, r, time.Duration(i)*ms)
	}
	s := r.Summary()
	for _, c := range []struct {
		q         float64
		quantile  time.Duration
		inSummary time.Duration
	}{{0.5, r.Quantile(0.5), s.P50}, {0.95, r.Quantile(0.95), s.P95}, {0.99, r.Quantile(0.99), s.P99}} {
		want := time.Duration(c.q*1000) * ms
		for _, got := range []struct {
			name string
			d    time.Duration
		}{{fmt.Sprintf("Quantile(%v)", c.q), c.quantile}, {fmt.Sprintf("Summary's p%v", c.q*100), c.inSummary}} {
			if !near(got.d, want) {
				t.Errorf("%s of 1ms, 2ms ... 1000ms = %v, want %v (within 0.1%%)%s", got.name, got.d, want, diagnose(got.d, want))
			}
		}
	}
	if !near(s.Max, 1000*ms) {
		t.Errorf("Summary's Max = %v, want 1s, the longest recorded (within 0.1%%)%s", s.Max, diagnose(s.Max, 1000*ms))
	}
}

// diagnose names the mistake a wrong quantile most likely comes from.
func diagnose(got, want time.Duration) string {
	switch {
	case got <= 10*ms && want >= 500*ms:
		return ": a quantile near the smallest record: hdrhistogram's ValueAtQuantile takes a percentile from 0 to 100, so 0.99 must be passed as 99"
	case near(got, want*1000):
		return ": 1000 times too long: the histogram holds microseconds, and a value recorded in nanoseconds must not be read back as microseconds"
	case near(got*1000, want):
		return ": 1000 times too short: the histogram holds microseconds; read its values back as microseconds"
	}
	return ""
}

func TestQuantilesOfASkewedDistributionAreNotTheMean(t *testing.T) {
	r := newRecorder(t, time.Minute)
	for range 990 {
		record(t, r, ms)
	}
	for range 10 {
		record(t, r, time.Second)
	}
	s := r.Summary()
	if !near(s.P50, ms) || !near(s.P99, ms) {
		t.Errorf("990 records of 1ms and 10 of 1s: p50 %v and p99 %v, want 1ms and 1ms: the median is the middle record, not the mean (10.99ms here), and 99%% of the records are 1ms", s.P50, s.P99)
	}
	if q := r.Quantile(0.995); !near(q, time.Second) {
		t.Errorf("990 records of 1ms and 10 of 1s: Quantile(0.995) = %v, want 1s: the slowest 1%% are 1s", q)
	}
	if !near(s.Max, time.Second) {
		t.Errorf("Max = %v, want 1s", s.Max)
	}
}

func TestQuantilesCoverEveryRecord(t *testing.T) {
	const early, late = 270_000, 30_000
	r := newRecorder(t, time.Minute)
	for range early {
		record(t, r, 100*ms)
	}
	for range late {
		record(t, r, ms)
	}
	s := r.Summary()
	if s.Count != early+late {
		t.Errorf("Count = %d after %d records, want %d: count every record since New, not a window of the latest ones", s.Count, early+late, early+late)
	}
	if want := early*100*ms + late*ms; s.Sum != want {
		t.Errorf("Sum = %v after %d records of 100ms and %d of 1ms, want %v", s.Sum, early, late, want)
	}
	if !near(s.P50, 100*ms) {
		t.Errorf("%d records of 100ms, then %d of 1ms: p50 = %v, want 100ms: quantiles must cover every record since New, not a window of the latest ones", early, late, s.P50)
	}
}

func TestQuantilesAreWithinATenthOfAPercent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	r := newRecorder(t, time.Minute)
	values := make([]time.Duration, 5000)
	for i := range values {
		// Spread over four decades, from 10µs to 100ms, as chunk times are.
		us := int64(10 * math.Pow(10, rng.Float64()*4))
		values[i] = time.Duration(us) * time.Microsecond
		record(t, r, values[i])
	}
	slices.Sort(values)
	for _, q := range []float64{0.1, 0.5, 0.9, 0.95, 0.99, 0.999} {
		// The q-quantile is the record of rank q*n rounded, as HDR ranks them.
		rank := max(1, min(len(values), int(q*float64(len(values))+0.5)))
		want := values[rank-1]
		if got := r.Quantile(q); !near(got, want) {
			t.Errorf("Quantile(%v) of 5000 durations from 10µs to 100ms = %v, want %v within 0.1%%: three significant digits, hdrhistogram.New(1, max, 3), keep every value within 0.1%%; fewer keep only 1%% or 10%%", q, got, want)
		}
	}
}

func TestRecordsUpToMax(t *testing.T) {
	for _, max := range []time.Duration{250 * time.Microsecond, 30 * time.Second, 10 * time.Minute} {
		r := newRecorder(t, max)
		if err := r.Record(max); err != nil {
			t.Errorf("New(%v).Record(%v) = %v, want nil: the histogram's range must come from max, not from a constant", max, max, err)
			continue
		}
		if got := r.Quantile(1); !near(got, max) {
			t.Errorf("New(%v): after Record(%v), Quantile(1) = %v, want %v", max, max, got, max)
		}
	}
}

// A max that is not a whole number of microseconds is still the max: a
// duration between its whole microseconds and it is not over max, and is
// recorded (truncated, like any other).
func TestRecordsUpToAMaxBetweenTwoMicroseconds(t *testing.T) {
	const max = time.Millisecond + 500*time.Nanosecond
	r := newRecorder(t, max)
	for _, d := range []time.Duration{time.Millisecond, time.Millisecond + 300*time.Nanosecond, max} {
		if err := r.Record(d); err != nil {
			t.Errorf("New(%v).Record(%v) = %v, want nil: %v is not over max; compare d with max itself, not with max truncated to the microsecond", max, d, err, d)
		}
	}
	if err := r.Record(max + time.Nanosecond); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("New(%v).Record(%v) = %v, want an error wrapping ErrOutOfRange", max, max+time.Nanosecond, err)
	}
	if got := r.Summary().Count; got != 3 {
		t.Errorf("Count = %d after three durations up to max, want 3", got)
	}
}

func TestIsSafeForConcurrentUse(t *testing.T) {
	const goroutines, each = 8, 2000
	r := newRecorder(t, time.Second)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if err := r.Record(time.Duration(g*each+i+1) * time.Microsecond); err != nil {
					t.Errorf("Record: %v", err)
					return
				}
				if i%50 == 0 {
					s := r.Summary()
					if s.P50 > s.P95 || s.P95 > s.P99 || s.P99 > s.Max {
						t.Errorf("a Summary read while others record is out of order: %+v: read every figure under the same lock as Record's", s)
						return
					}
					_ = r.Quantile(0.9)
				}
			}
		})
	}
	wg.Wait()
	if s := r.Summary(); s.Count != goroutines*each {
		t.Errorf("Count = %d after %d goroutines recorded %d each, want %d: records were lost; hdrhistogram-go is not safe for concurrent use, so every Record needs the lock (an exclusive one: RLock lets writers in together)", s.Count, goroutines, each, goroutines*each)
	}
}

// A Summary's figures are read at one moment: while others record 1ms
// each, every Summary's Sum is exactly its Count times 1ms, and its
// quantiles are 1ms. Read under separate locks (or with the sum kept
// outside the lock), the figures describe different records.
func TestASummaryDescribesTheSameRecords(t *testing.T) {
	const writers, each = 4, 40_000
	r := newRecorder(t, time.Second)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				if err := r.Record(ms); err != nil {
					t.Errorf("Record(1ms): %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var reads, bad int
	var example Summary
	for running := true; running; reads++ {
		select {
		case <-done:
			running = false
		default:
		}
		s := r.Summary()
		if s.Sum != time.Duration(s.Count)*ms || (s.Count > 0 && (s.P50 != ms || s.Max != ms)) {
			bad++
			example = s
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d Summaries read while %d goroutines recorded 1ms each did not describe the same records, e.g. %+v: Sum must be Count x 1ms and every quantile 1ms; read every figure, the sum too, under one lock, the one Record holds while it adds", bad, reads, writers, example)
	}
}

// near reports whether got is within 0.1% (and a microsecond) of want.
func near(got, want time.Duration) bool {
	diff := got - want
	if diff < 0 {
		diff = -diff
	}
	return diff <= want/1000+time.Microsecond
}

func newRecorder(t *testing.T, max time.Duration) *Recorder {
	t.Helper()
	r, err := New(max)
	if err != nil || r == nil {
		t.Fatalf("New(%v) = %v, %v; want a Recorder", max, r, err)
	}
	return r
}

func record(t *testing.T, r *Recorder, d time.Duration) {
	t.Helper()
	if err := r.Record(d); err != nil {
		t.Fatalf("Record(%v) = %v, want nil", d, err)
	}
}
