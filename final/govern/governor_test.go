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

		_, err := g.File(-1).AcquireBytes(ctx, 81)
		require.ErrorIs(t, err, govern.ErrOverBudget)
		assert.Contains(t, err.Error(), "81 asked")
		assert.Contains(t, err.Error(), "holds 80")

		_, err = g.File(5).AcquireBytes(ctx, 81)
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
				bytes, err := g.File(-1).AcquireBytes(ctx, 3)
				if !assert.NoError(t, err) {
					return
				}
				defer bytes.Release()
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
		for _, size := range []int64{-1, 1} { // large and small files
			_, err := g.File(size).AcquireBytes(ctx, 1)
			assert.ErrorIs(t, err, context.Canceled)
		}
		assert.Equal(t, govern.Stats{}, g.Stats(), "nothing was taken, nothing waited")
	})
}

func TestCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{CPU: 1, Bytes: 10, SmallBytes: -1})
		require.NoError(t, g.AcquireCPU(context.Background()))
		held := acquire(t, g.File(-1), 10)

		ctx, cancel := context.WithCancel(context.Background())
		errs := make(chan error, 2)
		go func() { errs <- g.AcquireCPU(ctx) }()
		go func() {
			_, err := g.File(-1).AcquireBytes(ctx, 1)
			errs <- err
		}()
		synctest.Wait()
		cancel()
		assert.ErrorIs(t, <-errs, context.Canceled)
		assert.ErrorIs(t, <-errs, context.Canceled)

		s := g.Stats()
		assert.Equal(t, 1, s.CPUInUse, "a cancelled wait takes nothing")
		assert.Equal(t, int64(10), s.BytesInUse)
		g.ReleaseCPU()
		held.Release()
	})
}

// acquire takes n bytes for f, failing the test if it cannot.
func acquire(t *testing.T, f *govern.FileGov, n int64) govern.Grant {
	t.Helper()
	g, err := f.AcquireBytes(context.Background(), n)
	require.NoError(t, err)
	return g
}

// bytesOneByOne takes n grants of one byte each for f, so that a test can
// give them back one at a time.
func bytesOneByOne(t *testing.T, f *govern.FileGov, n int) (release func()) {
	grants := make([]govern.Grant, n)
	for i := range grants {
		grants[i] = acquire(t, f, 1)
	}
	return func() {
		grants[0].Release()
		grants = grants[1:]
	}
}

// acquiring asks f for n bytes in a goroutine; done reports the error when
// the request returns, and the grant is sent on grant.
func acquiring(f *govern.FileGov, n int64) (done chan error, grant chan govern.Grant) {
	grant = make(chan govern.Grant, 1)
	return waiter(func() error {
		g, err := f.AcquireBytes(context.Background(), n)
		grant <- g
		return err
	}), grant
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
		huge := g.File(1 << 40)
		releaseOne := bytesOneByOne(t, huge, 10)
		hugeNext, hugeGrant := acquiring(huge, 4)
		synctest.Wait()
		small, smallGrant := acquiring(g.File(10), 1)

		n := releasesUntil(small, 10, releaseOne)
		assert.Equal(t, 5, n, "the small request waits for four releases feeding the huge request, then one of its own")
		require.NoError(t, <-hugeNext)
		require.NoError(t, <-small)
		for range 10 - n {
			releaseOne()
		}
		(<-hugeGrant).Release()
		(<-smallGrant).Release()
		assert.Zero(t, g.Stats().BytesInUse)
	})
}

// With the lane, the small file gets its bytes while the huge file keeps
// the shared budget full and queued: zero releases of the huge file.
func TestSmallLaneNeedsNoReleaseOfHugeFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 10, SmallBytes: 2, SmallFile: 100})
		huge := g.File(1 << 40)
		require.False(t, huge.Small())
		held := acquire(t, huge, 8)
		hugeNext, hugeGrant := acquiring(huge, 4)
		synctest.Wait()

		small := g.File(10)
		require.True(t, small.Small())
		done, smallGrant := acquiring(small, 1)
		assert.Equal(t, 0, releasesUntil(done, 10, func() { t.Fatal("the small file needed a release") }))
		require.NoError(t, <-done)
		smallBytes := <-smallGrant
		assert.True(t, held.Wanted(), "the huge file's own request waits on the shared budget")
		assert.False(t, smallBytes.Wanted(), "nobody waits on the lane")

		smallBytes.Release()
		held.Release()
		require.NoError(t, <-hugeNext)
		(<-hugeGrant).Release()
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

func TestGrantReturnsToItsLane(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 10, SmallBytes: 2, SmallFile: 100})
		huge, small := g.File(-1), g.File(1)
		hugeBytes := acquire(t, huge, 7)
		shared := acquire(t, small, 1) // the last free shared byte
		lane := acquire(t, small, 1)   // from the lane
		assert.Equal(t, int64(9), g.Stats().BytesInUse, "one count for both lanes")

		// Each grant goes back to the lane it came from: with the shared
		// byte back, a large file's byte fits again; with only the lane's,
		// it would not.
		lane.Release()
		_, ok := huge.TryAcquireBytes(1)
		assert.False(t, ok, "the lane's byte is not the shared budget's")
		shared.Release()
		last, ok := huge.TryAcquireBytes(1)
		assert.True(t, ok)
		last.Release()
		hugeBytes.Release()
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
					bytes, err := f.AcquireBytes(ctx, n)
					if err != nil {
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
					bytes.Release()
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

func TestWanted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{Bytes: 10, SmallBytes: -1})
		a, b := g.File(-1), g.File(-1)
		first, second := acquire(t, a, 5), acquire(t, a, 5)
		assert.False(t, first.Wanted(), "nobody waits")
		done, grant := acquiring(b, 5)
		synctest.Wait()
		assert.True(t, first.Wanted(), "b waits for bytes a could give back")
		first.Release()
		require.NoError(t, <-done)
		assert.False(t, second.Wanted())
		second.Release()
		(<-grant).Release()
		assert.Zero(t, g.Stats().BytesInUse)
		var zero govern.Grant
		assert.False(t, zero.Wanted())
		zero.Release() // holds nothing: a no-op
	})
}
