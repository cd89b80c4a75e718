package memstat

import (
	"errors"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var sink []byte

// Touching 64 MiB raises the peak by about that much; a reset brings it down.
func TestPeakRSSSeesAnAllocation(t *testing.T) {
	if err := ResetPeakRSS(); errors.Is(err, ErrUnsupported) {
		t.Skip("no /proc on this system")
	}
	before, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	sink = make([]byte, 64<<20)
	for i := range sink {
		sink[i] = 1
	}
	after, _ := PeakRSS()
	if after-before < 60<<20 {
		t.Errorf("peak RSS rose by %d bytes after touching 64 MiB", after-before)
	}
	sink = nil
	if err := ResetPeakRSS(); err != nil {
		t.Fatal(err)
	}
	reset, _ := PeakRSS()
	if reset >= after {
		t.Errorf("peak RSS after reset %d, want below %d", reset, after)
	}
}
