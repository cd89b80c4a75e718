package govern_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/final/govern"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLimitsDefaults(t *testing.T) {
	got := govern.New(govern.Limits{}).Limits()
	want := govern.Limits{
		CPU:        runtime.GOMAXPROCS(0),
		IO:         govern.DefaultIO,
		Bytes:      govern.DefaultBytes,
		SmallFile:  govern.DefaultSmallFile,
		SmallBytes: govern.DefaultBytes / 8,
	}
	assert.Equal(t, want, got)
	assert.Equal(t, got, govern.New(got).Limits(), "New(g.Limits()) must make an equal governor")

	noLane := govern.New(govern.Limits{Bytes: 100, SmallBytes: -5}).Limits()
	assert.Equal(t, int64(-1), noLane.SmallBytes, "a negative SmallBytes means no lane")
	assert.Equal(t, noLane, govern.New(noLane).Limits())

	capped := govern.New(govern.Limits{Bytes: 100, SmallBytes: 90}).Limits()
	assert.Equal(t, int64(50), capped.SmallBytes, "the lane is capped at half the budget")
}

// A request larger than the budget must fail at once. Inside a synctest
// bubble a request that waited forever would be reported as a deadlock, so
// this test cannot hang.
func TestRequestLargerThanBudgetFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 100, SmallBytes: 20, SmallFile: 10})
		ctx := context.Background()

		err := g.AcquireBytes(ctx, 81)
		require.ErrorIs(t, err, govern.ErrOverBudget)
		assert.Contains(t, err.Error(), "81 asked")
		assert.Contains(t, err.Error(), "holds 80")

		err = g.File(5).AcquireBytes(ctx, 81)
		assert.ErrorIs(t, err, govern.ErrOverBudget, "a small file may not exceed the shared budget either")
		assert.Zero(t, g.Stats().BytesInUse)
	})
}

// With eight goroutines following the documented order (bytes, then one
// token), what is held never exceeds the limits, and the waits are counted.
func TestHeldNeverExceedsLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{CPU: 2, IO: 1, Bytes: 10, SmallBytes: -1})
		ctx := context.Background()
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if !assert.NoError(t, g.AcquireBytes(ctx, 3)) {
					return
				}
				defer g.ReleaseBytes(3)
				if !assert.NoError(t, g.AcquireCPU(ctx)) {
					return
				}
				<-gate
				g.ReleaseCPU()
			})
		}
		synctest.Wait() // every goroutine is now holding or waiting
		s := g.Stats()
		assert.Equal(t, int64(9), s.BytesInUse, "three requests of 3 fit in 10")
		assert.Equal(t, 2, s.CPUInUse)
		assert.Equal(t, int64(5), s.BytesWaits, "five requests found the budget full")
		assert.Equal(t, int64(1), s.CPUWaits, "the third holder of bytes waits for a token")

		close(gate)
		wg.Wait()
		s = g.Stats()
		assert.Zero(t, s.BytesInUse)
		assert.Zero(t, s.CPUInUse)
		assert.Equal(t, int64(9), s.PeakBytes)
		assert.Equal(t, 2, s.PeakCPU)
	})
}

func TestCancelledContextNeverAcquires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{CPU: 1, IO: 1, Bytes: 10})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		assert.ErrorIs(t, g.AcquireCPU(ctx), context.Canceled)
		assert.ErrorIs(t, g.AcquireIO(ctx), context.Canceled)
		assert.ErrorIs(t, g.AcquireBytes(ctx, 1), context.Canceled)
		assert.ErrorIs(t, g.File(1).AcquireBytes(ctx, 1), context.Canceled)
		assert.Equal(t, govern.Stats{}, g.Stats(), "nothing was taken, nothing waited")
	})
}

func TestCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{CPU: 1, Bytes: 10, SmallBytes: -1})
		require.NoError(t, g.AcquireCPU(context.Background()))
		require.NoError(t, g.AcquireBytes(context.Background(), 10))

		ctx, cancel := context.WithCancel(context.Background())
		errs := make(chan error, 2)
		go func() { errs <- g.AcquireCPU(ctx) }()
		go func() { errs <- g.AcquireBytes(ctx, 1) }()
		synctest.Wait()
		cancel()
		assert.ErrorIs(t, <-errs, context.Canceled)
		assert.ErrorIs(t, <-errs, context.Canceled)

		s := g.Stats()
		assert.Equal(t, 1, s.CPUInUse, "a cancelled wait takes nothing")
		assert.Equal(t, int64(10), s.BytesInUse)
		g.ReleaseCPU()
		g.ReleaseBytes(10)
	})
}

// waiter runs acquire in a goroutine and reports on done when it returns.
func waiter(acquire func() error) (done chan error) {
	done = make(chan error, 1)
	go func() { done <- acquire() }()
	return done
}

func returned(done chan error) bool {
	select {
	case err := <-done:
		done <- err // keep it for a later look
		return true
	default:
		return false
	}
}

// releasesUntil releases one unit at a time with release, and returns how
// many releases it took for done to be signalled (at most limit).
func releasesUntil(done chan error, limit int, release func()) int {
	for n := 0; n < limit; n++ {
		synctest.Wait()
		if returned(done) {
			return n
		}
		release()
	}
	synctest.Wait()
	if returned(done) {
		return limit
	}
	return -1
}

// The problem the small lane solves: in one FIFO queue, a huge file's large
// request at the head holds back a small file's request that would fit,
// until the huge file has released enough for its own request first.
func TestWithoutLaneSmallFileWaitsBehindHugeRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 10, SmallBytes: -1, SmallFile: 100})
		ctx := context.Background()
		huge := g.File(1 << 40)
		require.NoError(t, huge.AcquireBytes(ctx, 10))
		hugeNext := waiter(func() error { return huge.AcquireBytes(ctx, 4) })
		synctest.Wait()
		small := waiter(func() error { return g.File(10).AcquireBytes(ctx, 1) })

		n := releasesUntil(small, 10, func() { huge.ReleaseBytes(1) })
		assert.Equal(t, 5, n, "the small request waits for four releases feeding the huge request, then one of its own")
		require.NoError(t, <-hugeNext)
		require.NoError(t, <-small)
	})
}

// With the lane, the small file gets its bytes while the huge file keeps
// the shared budget full and queued: zero releases of the huge file.
func TestSmallLaneNeedsNoReleaseOfHugeFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 10, SmallBytes: 2, SmallFile: 100})
		ctx := context.Background()
		huge := g.File(1 << 40)
		require.False(t, huge.Small())
		require.NoError(t, huge.AcquireBytes(ctx, 8))
		hugeNext := waiter(func() error { return huge.AcquireBytes(ctx, 4) })
		synctest.Wait()

		small := g.File(10)
		require.True(t, small.Small())
		done := waiter(func() error { return small.AcquireBytes(ctx, 1) })
		assert.Equal(t, 0, releasesUntil(done, 10, func() { huge.ReleaseBytes(1) }))
		require.NoError(t, <-done)
		assert.Equal(t, int64(1), g.Stats().SmallInUse)
		assert.True(t, huge.Contended(), "the huge file's own request waits on the shared budget")

		small.ReleaseBytes(1)
		huge.ReleaseBytes(8)
		require.NoError(t, <-hugeNext)
		huge.ReleaseBytes(4)
		assert.Zero(t, g.Stats().BytesInUse)
	})
}

// CPU tokens have no lanes: FIFO bounds a small file's wait by the tokens
// queued ahead of it, however long the huge file keeps working.
func TestCPUWaitBoundedByWorkersQueuedAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers = 4
		g := govern.New(govern.Limits{CPU: 2})
		ctx, stop := context.WithCancel(context.Background())
		steps := make(chan struct{}) // each send lets one huge-file worker finish one chunk
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for g.AcquireCPU(ctx) == nil {
					select {
					case <-steps:
						g.ReleaseCPU()
					case <-ctx.Done():
						g.ReleaseCPU()
						return
					}
				}
			})
		}
		synctest.Wait() // two workers hold tokens, two are queued
		small := waiter(func() error { return g.AcquireCPU(ctx) })

		n := releasesUntil(small, 10, func() { steps <- struct{}{} })
		assert.Equal(t, workers-2+1, n, "the two queued workers go first, then the small file")
		require.NoError(t, <-small)
		g.ReleaseCPU()
		stop()
		wg.Wait()
	})
}

func TestSmallLaneReturnedFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 10, SmallBytes: 2, SmallFile: 100})
		ctx := context.Background()
		huge, small := g.File(-1), g.File(1)
		require.NoError(t, huge.AcquireBytes(ctx, 7))
		require.NoError(t, small.AcquireBytes(ctx, 1)) // the last free shared byte
		require.NoError(t, small.AcquireBytes(ctx, 1)) // from the lane
		assert.Equal(t, int64(1), g.Stats().SmallInUse)
		assert.Equal(t, int64(2), small.BytesInUse())

		small.ReleaseBytes(1)
		assert.Zero(t, g.Stats().SmallInUse, "the lane gets its byte back first")
		small.ReleaseBytes(1)
		huge.ReleaseBytes(7)
		assert.Zero(t, g.Stats().BytesInUse)
	})
}

// Goroutines that follow the documented order (bytes, then one token at a
// time) cannot deadlock, whatever the sizes and lanes: a deadlock inside a
// synctest bubble fails the test instead of hanging it.
func TestDocumentedOrderNeverDeadlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := govern.Limits{CPU: 2, IO: 1, Bytes: 64, SmallBytes: 8, SmallFile: 8}
		g := govern.New(l)
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 16 {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			f := g.File(int64(rng.IntN(16)))
			wg.Go(func() {
				for range 50 {
					n := int64(1 + rng.IntN(8))
					if err := f.AcquireBytes(ctx, n); err != nil {
						t.Error(err)
						return
					}
					for _, tok := range []struct {
						acquire func(context.Context) error
						release func()
					}{{f.AcquireIO, f.ReleaseIO}, {f.AcquireCPU, f.ReleaseCPU}} {
						if err := tok.acquire(ctx); err != nil {
							t.Error(err)
							return
						}
						runtime.Gosched()
						tok.release()
					}
					f.ReleaseBytes(n)
				}
			})
		}
		wg.Wait()
		s := g.Stats()
		assert.Zero(t, s.BytesInUse+int64(s.CPUInUse+s.IOInUse))
		assert.LessOrEqual(t, s.PeakBytes, l.Bytes)
		assert.LessOrEqual(t, s.PeakCPU, l.CPU)
		assert.LessOrEqual(t, s.PeakIO, l.IO)
	})
}

func TestContended(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 10, SmallBytes: -1})
		ctx := context.Background()
		a, b := g.File(-1), g.File(-1)
		require.NoError(t, a.AcquireBytes(ctx, 10))
		assert.False(t, a.Contended(), "nobody waits")
		done := waiter(func() error { return b.AcquireBytes(ctx, 5) })
		synctest.Wait()
		assert.True(t, a.Contended(), "b waits for bytes a could give back")
		a.ReleaseBytes(5)
		require.NoError(t, <-done)
		assert.False(t, a.Contended())
		a.ReleaseBytes(5)
		b.ReleaseBytes(5)
	})
}
