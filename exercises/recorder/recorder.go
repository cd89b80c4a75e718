// Package recorder records durations, from any number of goroutines, and
// reports their quantiles: lesson 07's latency histogram, cut down to its
// skeleton. See README.md for the task.
package recorder

import (
	"errors"
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
	h   *hdrhistogram.Histogram
	// TODO: what keeps two goroutines out of h at once (hdrhistogram-go
	//       is not safe for concurrent use), and the sum of the records.
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
	// TODO: reject a max under a microsecond; make the histogram, in
	//       microseconds, with three significant digits.
	return &Recorder{max: max}, nil
}

// Record adds d, truncated to the microsecond. A negative d, or one
// longer than max, is not recorded, and Record returns an error wrapping
// ErrOutOfRange.
func (r *Recorder) Record(d time.Duration) error {
	// TODO: check the range, then record d's microseconds. RecordValue
	//       returns an error: a record it refuses is lost unless you say so.
	return nil
}

// Quantile returns the duration that a fraction q of the records are at
// or below, q from 0 to 1 as Prometheus counts them (0.5 the median, 0.99
// the 99th percentile). It returns 0 when nothing is recorded.
func (r *Recorder) Quantile(q float64) time.Duration {
	// TODO: ask the histogram. Read its documentation for the range of
	//       the quantile it takes.
	return 0
}

// Summary returns the count, the sum and the quantiles, all read at one
// moment, so that they describe the same records.
func (r *Recorder) Summary() Summary {
	// TODO: read every figure while no Record can change the histogram.
	return Summary{}
}
