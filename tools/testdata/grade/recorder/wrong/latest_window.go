// Wrong: keeps the latest 1024 durations in a ring and sorts them for
// each quantile, with no histogram: bounded memory, but the quantiles
// describe only the latest records, not every record since New.
// Caught by: TestQuantilesCoverEveryRecord
package recorder

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

var ErrOutOfRange = errors.New("recorder: duration out of range")

const window = 1024

type Recorder struct {
	max   time.Duration
	mu    sync.Mutex
	ring  [window]time.Duration
	n     int64
	sum   time.Duration
	worst time.Duration
}

type Summary struct {
	Count         int64
	Sum           time.Duration
	P50, P95, P99 time.Duration
	Max           time.Duration
}

func New(max time.Duration) (*Recorder, error) {
	if max < time.Microsecond {
		return nil, fmt.Errorf("recorder: max %v is under a microsecond", max)
	}
	return &Recorder{max: max}, nil
}

func (r *Recorder) Record(d time.Duration) error {
	if d < 0 || d > r.max {
		return fmt.Errorf("%w: %v is not in [0, %v]", ErrOutOfRange, d, r.max)
	}
	d = d.Truncate(time.Microsecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ring[r.n%window] = d
	r.n++
	r.sum += d
	r.worst = max(r.worst, d)
	return nil
}

func (r *Recorder) Quantile(q float64) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.quantile(q)
}

func (r *Recorder) quantile(q float64) time.Duration {
	kept := slices.Clone(r.ring[:min(r.n, window)])
	if len(kept) == 0 {
		return 0
	}
	slices.Sort(kept)
	rank := max(1, min(len(kept), int(q*float64(len(kept))+0.5)))
	return kept[rank-1]
}

func (r *Recorder) Summary() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Summary{Count: r.n, Sum: r.sum, P50: r.quantile(0.5), P95: r.quantile(0.95), P99: r.quantile(0.99), Max: r.worst}
}
