// Wrong: New truncates max to whole microseconds ("the histogram counts
// microseconds") and Record compares d with that, so with a max of
// 1ms+500ns a duration in (1ms, 1ms+500ns] is refused, although it is not
// over max ('refuses a negative duration or one over max').
// Caught by: TestRecordsUpToAMaxBetweenTwoMicroseconds
package recorder

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ErrOutOfRange is what Record returns, wrapped, for a duration it cannot
// record: negative, or longer than the Recorder's max.
var ErrOutOfRange = errors.New("recorder: duration out of range")

// A Recorder records durations from 0 to a maximum at microsecond
// resolution, in an HDR histogram with three significant digits, so each
// quantile it reports is within 0.1% of a duration it recorded. It is safe
// for concurrent use.
type Recorder struct {
	max time.Duration

	// mu guards h and sum: hdrhistogram-go is not safe for concurrent
	// use, and a record changes several of its fields (a bucket, the
	// total count, the min and max). Reads take mu too, so that a
	// Summary's figures all describe the same records.
	mu  sync.Mutex
	h   *hdrhistogram.Histogram
	sum time.Duration
}

// Summary is a Recorder's figures at one moment.
type Summary struct {
	Count         int64         // durations recorded
	Sum           time.Duration // their sum, each truncated to the microsecond
	P50, P95, P99 time.Duration // quantiles 0.5, 0.95 and 0.99
	Max           time.Duration // the longest recorded, to within 0.1%
}

// New returns an empty Recorder for durations from 0 to max. It returns
// an error if max is under a microsecond.
func New(max time.Duration) (*Recorder, error) {
	if max < time.Microsecond {
		return nil, fmt.Errorf("recorder: max %v is under a microsecond", max)
	}
	// The histogram counts microseconds, from 1 to max's; 0 goes in
	// the first bucket.
	max = max.Truncate(time.Microsecond) // the histogram counts whole microseconds
	return &Recorder{max: max, h: hdrhistogram.New(1, max.Microseconds(), 3)}, nil
}

// Record adds d, truncated to the microsecond. A negative d, or one
// longer than max, is not recorded, and Record returns an error wrapping
// ErrOutOfRange.
func (r *Recorder) Record(d time.Duration) error {
	if d < 0 || d > r.max {
		return fmt.Errorf("%w: %v is not in [0, %v]", ErrOutOfRange, d, r.max)
	}
	us := d.Microseconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	// In range, RecordValue cannot fail; if it did, the record would be
	// lost, and the caller must hear of it.
	if err := r.h.RecordValue(us); err != nil {
		return fmt.Errorf("%w: %v", ErrOutOfRange, err)
	}
	r.sum += time.Duration(us) * time.Microsecond
	return nil
}

// Quantile returns the duration that a fraction q of the records are at
// or below, q from 0 to 1 as Prometheus counts them (0.5 the median, 0.99
// the 99th percentile). It returns 0 when nothing is recorded.
func (r *Recorder) Quantile(q float64) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.quantile(q)
}

// quantile is Quantile with r.mu held. hdrhistogram-go's ValueAtQuantile
// takes a percentile, 0 to 100, whatever its name says.
func (r *Recorder) quantile(q float64) time.Duration {
	return time.Duration(r.h.ValueAtQuantile(q*100)) * time.Microsecond
}

// Summary returns the count, the sum and the quantiles, all read under
// one lock, so that they describe the same records.
func (r *Recorder) Summary() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Summary{
		Count: r.h.TotalCount(),
		Sum:   r.sum,
		P50:   r.quantile(0.5),
		P95:   r.quantile(0.95),
		P99:   r.quantile(0.99),
		Max:   time.Duration(r.h.Max()) * time.Microsecond,
	}
}
