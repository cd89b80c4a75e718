package errgroupnoctx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const n, workers, chunkSize = 16, 2, 1024

var data = pipeline.Input(n*chunkSize, 41)

type packer func(context.Context, int, int, Reader) ([]pipeline.Frame, error)

// run is what one pack did.
type run struct {
	err          error
	readsAfter   int           // reads started after the failure
	fakeDuration time.Duration // on the bubble's clock
}

// pack runs a pack in a synctest bubble on a disk where a read takes a
// millisecond of fake time, or ends early when its context is done, and
// chunk bad (if 0 <= bad < n) fails after half a millisecond. The fake
// clock makes the failure come first on every run, so how many reads start
// after it is exact.
func pack(t *testing.T, p packer, bad int) ([]pipeline.Frame, run) {
	chunks := pipeline.Split(data, chunkSize)
	var failed atomic.Bool
	var after atomic.Int64
	read := func(ctx context.Context, i int) ([]byte, error) {
		if failed.Load() {
			after.Add(1)
		}
		if i == bad {
			time.Sleep(time.Millisecond / 2)
			failed.Store(true)
			return nil, fmt.Errorf("chunk %d: %w", i, ErrRead)
		}
		select {
		case <-time.After(time.Millisecond):
			return chunks[i].Data, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var (
		frames []pipeline.Frame
		r      run
	)
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		frames, r.err = p(context.Background(), n, workers, read)
		r.fakeDuration = time.Since(start)
	})
	r.readsAfter = int(after.Load())
	return frames, r
}

func TestBrokenReadsOnAfterTheFailure(t *testing.T) {
	_, r := pack(t, PackBroken, 1)
	if !errors.Is(r.err, ErrRead) {
		t.Fatalf("err = %v, want ErrRead", r.err)
	}
	if r.readsAfter != n-workers {
		t.Fatalf("%d reads started after the failure, want %d (every chunk not yet started)", r.readsAfter, n-workers)
	}
}

func TestFixedStopsAtTheFailure(t *testing.T) {
	_, r := pack(t, PackFixed, 1)
	if !errors.Is(r.err, ErrRead) {
		t.Fatalf("err = %v, want ErrRead", r.err)
	}
	if r.readsAfter != 0 {
		t.Fatalf("%d reads started after the failure, want 0", r.readsAfter)
	}
}

// Without a failure both write the reference container.
func TestBothPackCorrectly(t *testing.T) {
	for name, p := range map[string]packer{"broken": PackBroken, "fixed": PackFixed} {
		frames, r := pack(t, p, -1)
		if r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
		var out []byte
		for _, f := range frames {
			out = append(out, f.Encode()...)
		}
		if !bytes.Equal(out, pipeline.Pack(data, chunkSize)) {
			t.Fatalf("%s: output differs from the sequential reference", name)
		}
	}
}

func show(t *testing.T, p packer) {
	_, r := pack(t, p, 1)
	fmt.Printf("chunk 1 of %d fails, %d workers\nerror:                          %v\nreads started after the failure: %d\nfake time until Wait returned:   %v\n",
		n, workers, r.err, r.readsAfter, r.fakeDuration)
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: a zero errgroup.Group")
	show(t, PackBroken)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: errgroup.WithContext, gctx checked before each task and passed to the read")
	show(t, PackFixed)
}
