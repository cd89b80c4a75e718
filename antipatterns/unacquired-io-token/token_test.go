package unacquiredtoken

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// disk is a ReaderAt whose every read takes a millisecond of the bubble's
// fake clock, and which records how many reads were in flight at once.
type disk struct {
	r              io.ReaderAt
	inFlight, peak atomic.Int64
}

func (d *disk) ReadAt(p []byte, off int64) (int, error) {
	n := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for {
		peak := d.peak.Load()
		if n <= peak || d.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	return d.r.ReadAt(p, off)
}

type reader func(io.ReaderAt, int, int, int, IOTokens) ([]pipeline.Chunk, error)

const (
	size, chunkSize = 16 * 1024, 1024
	workers, tokens = 4, 1
)

// peakReads reads with 4 workers and 1 I/O token and returns the most
// reads that were in flight at once. In the bubble every worker starts its
// read before the fake clock moves, so the peak is exact, not likely.
func peakReads(t *testing.T, read reader) int64 {
	data := pipeline.Input(size, 4)
	d := &disk{r: bytes.NewReader(data)}
	synctest.Test(t, func(t *testing.T) {
		chunks, err := read(d, size, chunkSize, workers, NewIOTokens(tokens))
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, c := range chunks {
			got = append(got, c.Data...)
		}
		if !bytes.Equal(got, data) {
			t.Fatal("chunks do not reassemble the input")
		}
	})
	return d.peak.Load()
}

func TestBrokenIgnoresTheTokens(t *testing.T) {
	if got := peakReads(t, ReadBroken); got != workers {
		t.Fatalf("%d reads at once, want %d (every worker: the bug)", got, workers)
	}
}

func TestFixedHoldsATokenPerRead(t *testing.T) {
	if got := peakReads(t, ReadFixed); got > tokens {
		t.Fatalf("%d reads at once with %d I/O token", got, tokens)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the I/O tokens are never acquired")
	fmt.Printf("%d workers, %d I/O token: %d reads in flight at once\n", workers, tokens, peakReads(t, ReadBroken))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: each read holds a token")
	fmt.Printf("%d workers, %d I/O token: %d reads in flight at once\n", workers, tokens, peakReads(t, ReadFixed))
}
