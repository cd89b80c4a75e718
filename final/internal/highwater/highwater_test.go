package highwater

import (
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPeakSurvivesConcurrentUpsAndDowns(t *testing.T) {
	var g Gauge
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				g.Add(1)
				g.Add(-1)
			}
		})
	}
	wg.Wait()
	if g.Load() != 0 || g.Peak() < 1 || g.Peak() > 8 {
		t.Fatalf("value %d, peak %d; want 0 and 1..8", g.Load(), g.Peak())
	}
}
