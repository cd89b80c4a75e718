package obs

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// histMax is the longest duration a histogram tells apart, in
// microseconds; longer ones are recorded as histMax.
const histMax = int64(time.Minute / time.Microsecond)

// histogram is an HDR histogram of durations in microseconds (3
// significant digits) guarded by a mutex: hdrhistogram-go is not safe for
// concurrent use. See the package documentation for why not one per worker.
type histogram struct {
	mu  sync.Mutex
	h   *hdrhistogram.Histogram
	sum int64 // microseconds, for the Prometheus summary's _sum
}

func newHistogram() *histogram {
	return &histogram{h: hdrhistogram.New(1, histMax, 3)}
}

// docs:region histogram-record

func (h *histogram) record(d time.Duration) {
	// Clamped into range, RecordValue cannot fail.
	us := min(max(d.Microseconds(), 0), histMax)
	h.mu.Lock()
	defer h.mu.Unlock()
	_ = h.h.RecordValue(us)
	h.sum += us
}

// docs:endregion histogram-record

// Latency summarises one histogram.
type Latency struct {
	Count         int64
	Sum           time.Duration
	P50, P95, P99 time.Duration
	Max           time.Duration
}

func (h *histogram) latency() Latency {
	h.mu.Lock()
	defer h.mu.Unlock()
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Latency{
		Count: h.h.TotalCount(),
		Sum:   us(h.sum),
		P50:   us(h.h.ValueAtQuantile(50)),
		P95:   us(h.h.ValueAtQuantile(95)),
		P99:   us(h.h.ValueAtQuantile(99)),
		Max:   us(h.h.Max()),
	}
}
