package lanes

// The graded behaviours of Run. Each test's name is the behaviour it
// proves, and each failure message says what went wrong and where to look.
// Every test runs in a synctest bubble: a job "runs" by waiting on a timer
// of bubble time, so an hour-long job costs nothing, and the tests compare
// when jobs start and end in that virtual time, counted, never measured on
// a clock.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

const (
	testThreshold = 1 << 20 // a job of at most 1 MiB is small
	testSmallSize = 64 << 10
	testLargeSize = 1 << 30
	ms            = time.Millisecond
)

// A HOL (head-of-line) test: huge jobs come first and hold the large
// lane for an hour; the small jobs behind them must still run, in the
// small lane's own slots.
func TestSmallJobsFinishWhileHugeJobsRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 2}
		var items []testItem
		for range 4 {
			items = append(items, testItem{size: testLargeSize, d: time.Hour})
		}
		for range 20 {
			items = append(items, testItem{size: testSmallSize, d: 10 * ms})
		}
		h := newHarness(cfg, items)
		if err := h.run(t, t.Context()); err != nil {
			t.Fatalf("Run returned %v for jobs that never fail", err)
		}
		h.checkEachRanOnce(t)
		// 20 small jobs of 10ms in 2 slots of their own: 10 rounds.
		for _, r := range h.ofLane(testSmall) {
			if r.end > 100*ms {
				t.Fatalf("small job %d finished at %v, behind 4 huge jobs of an hour each; with 2 small slots, 20 small jobs of 10ms are all done by 100ms: a small job must never wait behind a large one, so give each lane its own queue and its own slots", r.nth, r.end)
			}
		}
	})
}

func TestNeverRunsMoreJobsThanTheSlots(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := Config{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 3}
				h := newHarness(cfg, randomTestItems(seed, 200))
				if err := h.run(t, t.Context()); err != nil {
					t.Fatalf("Run returned %v for jobs that never fail", err)
				}
				h.checkEachRanOnce(t)
				if most := h.most[testLarge]; most > cfg.LargeSlots {
					t.Fatalf("%d large jobs ran at once with LargeSlots=%d: a large job runs only in a large slot, and takes it until it returns", most, cfg.LargeSlots)
				}
				if most := h.mostTotal; most > cfg.SmallSlots+cfg.LargeSlots {
					t.Fatalf("%d jobs ran at once with SmallSlots=%d and LargeSlots=%d: at most %d may; is a slot given back twice, or to the wrong lane, when a small job that borrowed a large slot ends?", most, cfg.SmallSlots, cfg.LargeSlots, cfg.SmallSlots+cfg.LargeSlots)
				}
			})
		})
	}
}

func TestStartsTheJobsOfALaneInOrder(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := Config{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 2}
				h := newHarness(cfg, randomTestItems(seed+10, 200))
				if err := h.run(t, t.Context()); err != nil {
					t.Fatalf("Run returned %v for jobs that never fail", err)
				}
				h.checkEachRanOnce(t)
				for _, l := range []testLane{testSmall, testLarge} {
					var order []int
					for _, r := range h.byStart(l) {
						order = append(order, r.nth)
					}
					if !slices.IsSorted(order) {
						t.Fatalf("the %s jobs started in the order %v, want the order they were sent in (0, 1, 2, ...): each lane is a FIFO queue, so take its oldest job first", l, order[:min(len(order), 12)])
					}
				}
			})
		})
	}
}

// Four small jobs and two large ones, then a stream of small jobs: with
// one slot of each kind, the first two small jobs take both slots (no
// large job has come yet), and when they end at 5ms the large slot must go
// to the large job that is waiting, not to the next small job.
func TestGivesAFreedLargeSlotToALargeJobFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
		var items []testItem
		for range 4 {
			items = append(items, testItem{size: testSmallSize, d: 5 * ms})
		}
		items = append(items, testItem{size: testLargeSize, d: 7 * ms}, testItem{size: testLargeSize, d: 7 * ms})
		for range 40 {
			items = append(items, testItem{size: testSmallSize, d: 5 * ms})
		}
		h := newHarness(cfg, items)
		if err := h.run(t, t.Context()); err != nil {
			t.Fatalf("Run returned %v for jobs that never fail", err)
		}
		h.checkEachRanOnce(t)
		bigs := h.ofLane(testLarge)
		for i, want := range []time.Duration{5 * ms, 12 * ms} {
			if got := bigs[i].start; got != want {
				t.Fatalf("large job %d started at %v, want %v, when the large slot freed: while a large job waits, a freed large slot is its, never a small job's; otherwise small jobs that keep coming keep the large ones waiting for ever", i, got, want)
			}
		}
	})
}

// A small job that comes when both kinds of slot are free takes its own
// lane's slot, and leaves the large slot to a large job.
func TestALargeJobFindsItsSlotFree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
		h := newHarness(cfg, []testItem{
			{size: testSmallSize, d: time.Hour},
			{at: 1 * ms, size: testLargeSize, d: 3 * ms},
		})
		if err := h.run(t, t.Context()); err != nil {
			t.Fatalf("Run returned %v for jobs that never fail", err)
		}
		h.checkEachRanOnce(t)
		if got := h.ofLane(testLarge)[0].start; got != 1*ms {
			t.Fatalf("a large job sent at 1ms started at %v, while the only job running was a small one and the small slot was free when it came: a small job takes a slot of its own lane first, and borrows a large slot only when every small slot is taken", got)
		}
	})
}

func TestAJobAtTheThresholdIsSmall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: 1000, SmallSlots: 1, LargeSlots: 1}
		h := newHarness(cfg, []testItem{
			{size: 5000, d: time.Hour},          // holds the large slot
			{at: 1 * ms, size: 1000, d: 1 * ms}, // exactly the threshold: small
			{at: 5 * ms, size: 1001, d: 1 * ms}, // just above it: large, waits
		})
		if err := h.run(t, t.Context()); err != nil {
			t.Fatalf("Run returned %v for jobs that never fail", err)
		}
		h.checkEachRanOnce(t)
		if got := h.records[1].start; got != 1*ms {
			t.Fatalf("a job of Size 1000 with Threshold 1000, sent at 1ms with the small slot free, started at %v: a job of Size at most Threshold is small (<=, not <)", got)
		}
		if got := h.records[2].start; got != time.Hour {
			t.Fatalf("a job of Size 1001 with Threshold 1000 started at %v, while the only large slot was taken until 1h: a job larger than Threshold is large, and never takes a small slot", got)
		}
	})
}

// Jobs that come one by one, over time, on a channel that stays open: each
// must start the moment it comes or a slot it may take frees, not on the
// next tick of a poll, and not once the channel is closed.
func TestStartsAJobAsSoonAsASlotIsFree(t *testing.T) {
	const us = time.Microsecond
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
		h := newHarness(cfg, []testItem{
			{at: 0, size: testSmallSize, d: 10300 * us},        // small slot until 10.3ms
			{at: 2100 * us, size: testLargeSize, d: 5200 * us}, // large slot until 7.3ms
			{at: 4100 * us, size: testSmallSize, d: 1100 * us}, // both taken: borrows the large slot at 7.3ms
			{at: 9100 * us, size: testSmallSize, d: 700 * us},  // small slot still taken, large free: borrows at once
			{at: 20100 * us, size: testLargeSize, d: 700 * us}, // both free
		})
		h.closeAt = 30 * ms
		want := []time.Duration{0, 2100 * us, 7300 * us, 9100 * us, 20100 * us}
		if err := h.run(t, t.Context()); err != nil {
			t.Fatalf("Run returned %v for jobs that never fail", err)
		}
		h.checkEachRanOnce(t)
		for i, r := range h.records {
			if r.start != want[i] {
				t.Fatalf("job %d (%s, sent at %v) started at %v, want %v: when a slot is free and a job that may take it waits, start the job at once, without polling, and without waiting for the channel to close (job starts: %v)", i, r.l, r.sent, r.start, want[i], h.starts())
			}
		}
	})
	t.Run("small jobs borrow the idle large slots", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 2}
			h := newHarness(cfg, []testItem{{size: testSmallSize, d: 10 * ms}, {size: testSmallSize, d: 10 * ms}, {size: testSmallSize, d: 10 * ms}})
			if err := h.run(t, t.Context()); err != nil {
				t.Fatalf("Run returned %v for jobs that never fail", err)
			}
			h.checkEachRanOnce(t)
			for i, r := range h.records {
				if r.start != 0 {
					t.Fatalf("small job %d started at %v, with 1 small slot and 2 large slots free and no large job at all: a small job borrows a free large slot when its own are taken and no large job waits; a slot left idle while a job waits is wasted", i, r.start)
				}
			}
		})
	})
}

func TestBoundsItsGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 2}
		var items []testItem
		for i := range 60 {
			size := int64(testSmallSize)
			if i%3 == 0 {
				size = testLargeSize
			}
			items = append(items, testItem{size: size, d: time.Duration(3+i%5) * ms})
		}
		h := newHarness(cfg, items)
		done, stop := h.start(t.Context())
		defer stop()
		most := 0
		var where string
		for {
			synctest.Wait() // every goroutine of the bubble is blocked: count them
			if n := goroutinesOfRun(); n > most {
				most, where = n, whereStuck()
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run returned %v for jobs that never fail", err)
				}
				if limit := cfg.SmallSlots + cfg.LargeSlots + 1; most > limit {
					t.Fatalf("%d goroutines of Run's package were alive at once with %d slots (at most %d: one per running job and Run's own)%s: start a job's goroutine when it has a slot, not when it arrives", most, limit-1, limit, where)
				}
				return
			default:
			}
			time.Sleep(ms)
		}
	})
}

func TestReturnsTheFirstError(t *testing.T) {
	for _, slots := range []int{1, 3} {
		t.Run(fmt.Sprintf("slots=%d", slots), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := Config{Threshold: testThreshold, SmallSlots: slots, LargeSlots: slots}
				items := []testItem{
					{size: testLargeSize, d: time.Hour},
					{size: testSmallSize, d: time.Hour},
					{size: testSmallSize, d: 5 * ms, fail: errBoom},
				}
				for range 10 {
					items = append(items, testItem{size: testSmallSize, d: time.Hour}, testItem{size: testLargeSize, d: time.Hour})
				}
				h := newHarness(cfg, items)
				err := h.run(t, t.Context())
				if !errors.Is(err, errBoom) {
					t.Fatalf("Run returned %v when a job failed with %q and the jobs still running then returned the cancellation it caused: return the first error, not the ones after it", err, errBoom)
				}
				if errors.Is(err, context.Canceled) {
					t.Fatalf("Run returned %q when a job failed with %q and the jobs still running then returned the cancellation it caused: that is the first error joined with the ones after it, and a caller would take the run for cancelled; return the first error alone", err, errBoom)
				}
			})
		})
	}
}

func TestCancelsTheRunningJobsOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 2}
		h := newHarness(cfg, []testItem{
			{size: testLargeSize, d: time.Hour},
			{size: testLargeSize, d: time.Hour},
			{size: testSmallSize, d: time.Hour},
			{size: testSmallSize, d: 5 * ms, fail: errBoom},
		})
		err := h.run(t, t.Context())
		if !errors.Is(err, errBoom) {
			t.Fatalf("Run returned %v, want the job's error %q", err, errBoom)
		}
		if failed := h.failedAt(); h.took > failed {
			t.Fatalf("Run returned at %v when a job failed at %v and the others, an hour long, stop as soon as their ctx is done: cancel the context the running jobs were given at the first error, then wait for them", h.took, failed)
		}
	})
}

func TestStartsNoJobAfterTheFirstError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
		items := []testItem{{size: testLargeSize, d: time.Hour}, {size: testSmallSize, d: 5 * ms, fail: errBoom}}
		for range 20 {
			items = append(items, testItem{size: testSmallSize, d: ms}, testItem{size: testLargeSize, d: ms})
		}
		h := newHarness(cfg, items)
		err := h.run(t, t.Context())
		if !errors.Is(err, errBoom) {
			t.Fatalf("Run returned %v, want the job's error %q", err, errBoom)
		}
		if late := h.startedAfterTheFailure(); late > 0 {
			t.Fatalf("%d job(s) started after a job failed at %v: the first error ends the run, so start none of the jobs still waiting", late, h.failedAt())
		}
	})
}

func TestStopsWhenCancelled(t *testing.T) {
	const us = time.Microsecond
	for _, tc := range []struct {
		name     string
		every, d time.Duration // a job comes every so often, and runs d
		deadline time.Duration
	}{
		{"with jobs running and waiting", 250 * us, 2 * ms, 5300 * us},
		{"with no job running", ms, 500 * us, 5700 * us},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				deadline := tc.deadline
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
				var items []testItem
				for i := range 200 {
					size := int64(testSmallSize)
					if i%2 == 0 {
						size = testLargeSize
					}
					items = append(items, testItem{at: time.Duration(i) * tc.every, size: size, d: tc.d})
				}
				h := newHarness(cfg, items)
				err := h.run(t, ctx)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Run returned %v when its ctx's deadline passed at %v with jobs still coming (%s): return ctx's error", err, deadline, tc.name)
				}
				if late := h.startedAfter(deadline); late > 0 {
					t.Fatalf("%d job(s) started after ctx was done at %v (%s): watch ctx.Done() while you wait, and start nothing once ctx is done", late, deadline, tc.name)
				}
				if h.took > deadline {
					t.Fatalf("Run returned at %v for a ctx done at %v (%s), with jobs that stop when their ctx is done: watch ctx.Done() while you wait, and give the jobs a context that is cancelled with it", h.took, deadline, tc.name)
				}
			})
		})
	}
}

// After the first error Run stops receiving: a job sent while it waits
// for a running job (one that ignores its ctx) is not taken.
func TestStopsReceivingAfterTheFirstError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jobs := make(chan Job)
		res := make(chan error, 1)
		go func() {
			res <- Run(context.Background(), Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}, jobs)
		}()
		jobs <- Job{Size: testSmallSize, Run: func(context.Context) error { time.Sleep(ms); return errBoom }}
		jobs <- Job{Size: testSmallSize, Run: func(context.Context) error { time.Sleep(time.Hour); return nil }} // ignores its ctx
		time.Sleep(2 * ms)
		synctest.Wait()
		select {
		case jobs <- Job{Size: testSmallSize, Run: func(context.Context) error { return nil }}:
			t.Errorf("Run received a job after a job failed, while it waited for another to stop: at the first error, stop receiving")
		case <-time.After(ms):
		}
		close(jobs)
		if err := <-res; !errors.Is(err, errBoom) {
			t.Errorf("Run returned %v, want the job's error %q", err, errBoom)
		}
	})
}

// ctx is done while jobs wait in line: none of them starts, even if the
// running jobs take their cancellation as a clean stop (return nil).
func TestStartsNoWaitingJobOnceCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started atomicCount
		ctx, cancel := context.WithCancel(t.Context())
		jobs := make(chan Job, 6)
		for range 6 {
			jobs <- Job{Size: testSmallSize, Run: func(ctx context.Context) error {
				started.add()
				select {
				case <-time.After(time.Hour):
				case <-ctx.Done():
				}
				return nil // cancellation is a clean stop for this job
			}}
		}
		close(jobs)
		time.AfterFunc(5*ms, cancel)
		err := Run(ctx, Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}, jobs)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v when ctx was cancelled, want ctx's error", err)
		}
		if n := started.get(); n != 2 {
			t.Fatalf("%d jobs started with two slots and ctx cancelled while the first two ran: once ctx is done, start none of the jobs waiting, whatever the running ones return", n)
		}
	})
}

// With ctx already done, Run starts no job, however many are ready: a
// select that picks among a ready job and ctx.Done() at random is not
// enough; check ctx before starting each job.
func TestStartsNothingWithADoneContext(t *testing.T) {
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var started atomicCount
			jobs := make(chan Job, 10)
			for range 10 {
				jobs <- Job{Size: testSmallSize, Run: func(context.Context) error { started.add(); return nil }}
			}
			close(jobs)
			err := Run(ctx, Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}, jobs)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run with a ctx already cancelled returned %v, want context.Canceled", err)
			}
			if n := started.get(); n != 0 {
				t.Fatalf("Run started %d job(s) with a ctx already cancelled: check ctx before starting each job (a select picks at random among its ready cases)", n)
			}
		})
	}
}

// A job fails, and the caller's ctx is cancelled only later, while Run
// waits for a job that is slow to stop: the first error is still the one
// returned.
func TestAFirstErrorBeatsALaterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		jobs := make(chan Job, 2)
		jobs <- Job{Size: testSmallSize, Run: func(context.Context) error { time.Sleep(ms); return errBoom }}
		jobs <- Job{Size: testSmallSize, Run: func(context.Context) error { time.Sleep(10 * ms); return nil }} // slow to stop
		close(jobs)
		time.AfterFunc(5*ms, cancel)
		if err := Run(ctx, Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}, jobs); !errors.Is(err, errBoom) {
			t.Fatalf("Run returned %v when a job failed at 1ms and ctx was cancelled at 5ms, while Run waited for the other job: return the first cause, the job's error %q", err, errBoom)
		}
	})
}

// errCause is the cause a test cancels ctx with.
var errCause = errors.New("test: stopped, with a cause")

// ctx's error is ctx.Err(): context.Canceled, or DeadlineExceeded, even
// when ctx was cancelled with a cause. context.Cause(ctx) is the cause,
// for whoever cancelled ctx to read; it is not the error Run returns.
func TestReturnsCtxErrNotItsCause(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func(context.Context) (context.Context, func())
		want error
	}{
		{"cancelled before the start", func(parent context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(parent)
			cancel(errCause)
			return ctx, func() {}
		}, context.Canceled},
		{"cancelled with jobs running and waiting", func(parent context.Context) (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(parent)
			time.AfterFunc(5*ms, func() { cancel(errCause) })
			return ctx, func() { cancel(nil) }
		}, context.Canceled},
		{"past its deadline with jobs running and waiting", func(parent context.Context) (context.Context, func()) {
			return context.WithTimeoutCause(parent, 5*ms, errCause)
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := tc.ctx(t.Context())
				defer cancel()
				cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
				var items []testItem
				for range 5 {
					items = append(items, testItem{size: testSmallSize, d: time.Hour}, testItem{size: testLargeSize, d: time.Hour})
				}
				h := newHarness(cfg, items)
				err := h.run(t, ctx)
				if !errors.Is(err, tc.want) || errors.Is(err, errCause) {
					t.Fatalf("Run returned %s when ctx was %s with a cause, %q: return ctx's error, ctx.Err() (%q), not context.Cause(ctx), which is the cause", errText(err), tc.name, errCause, tc.want)
				}
			})
		})
	}
}

// A job's error that wraps context.Canceled, returned while Run has
// cancelled nothing and ctx is live, is that job's own failure (its own
// sub-operation was cancelled, say): it is the first error, and it stops
// the run like any other. Only the errors of jobs that return after Run
// has stopped are the cancellations it caused.
func TestAJobsOwnCanceledErrorStopsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errOwn := fmt.Errorf("job: upload aborted: %w", context.Canceled)
		cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
		items := []testItem{
			{size: testLargeSize, d: time.Hour},
			{size: testSmallSize, d: 5 * ms, fail: errOwn},
		}
		for range 5 {
			items = append(items, testItem{size: testSmallSize, d: time.Hour}, testItem{size: testLargeSize, d: time.Hour})
		}
		h := newHarness(cfg, items)
		err := h.run(t, t.Context())
		if !errors.Is(err, errOwn) {
			t.Fatalf("Run returned %s when a job failed at 5ms with %q, while ctx was live and Run had cancelled nothing: that error is the job's own, the first error of the run, even though it wraps context.Canceled; return it, and stop the run", errText(err), errOwn)
		}
		if failed := h.failedAt(); h.took > failed {
			t.Fatalf("Run returned at %v when a job failed at %v with an error wrapping context.Canceled: a job's own error stops the run whatever it wraps; cancel the running jobs then", h.took, failed)
		}
		if late := h.startedAfterTheFailure(); late > 0 {
			t.Fatalf("%d job(s) started after a job failed at %v with an error wrapping context.Canceled: a job's own error stops the run whatever it wraps", late, h.failedAt())
		}
	})
}

// Once Run is stopping, the jobs it cancels may return any error, not only
// ctx.Err(): they are the consequence of the stop, never its reason. When
// ctx is done first Run returns ctx's error, and after a job's error that
// error, even when it wraps context.Canceled and a job stopped by the
// cancel returns an error of its own.
func TestKeepsTheFirstErrorWhateverTheStoppedJobsReturn(t *testing.T) {
	errInterrupted := errors.New("job: interrupted")
	t.Run("ctx cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			time.AfterFunc(5*ms, cancel)
			cfg := Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}
			var items []testItem
			for range 5 {
				items = append(items,
					testItem{size: testSmallSize, d: time.Hour, onDone: errInterrupted},
					testItem{size: testLargeSize, d: time.Hour, onDone: errInterrupted})
			}
			h := newHarness(cfg, items)
			err := h.run(t, ctx)
			if !errors.Is(err, context.Canceled) || errors.Is(err, errInterrupted) {
				t.Fatalf("Run returned %s when ctx was cancelled at 5ms and the running jobs then returned %q: ctx was done first, so return ctx's error; the errors of the jobs it stopped come after it", errText(err), errInterrupted)
			}
		})
	})
	t.Run("a job's error wrapping context.Canceled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			errOwn := fmt.Errorf("job: upload aborted: %w", context.Canceled)
			cfg := Config{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 2}
			items := []testItem{
				{size: testLargeSize, d: time.Hour, onDone: errInterrupted},
				{size: testSmallSize, d: time.Hour, onDone: errInterrupted},
				{size: testSmallSize, d: 5 * ms, fail: errOwn},
				{size: testLargeSize, d: time.Hour, onDone: errInterrupted},
			}
			h := newHarness(cfg, items)
			err := h.run(t, t.Context())
			if !errors.Is(err, errOwn) || errors.Is(err, errInterrupted) {
				t.Fatalf("Run returned %s when a job failed at 5ms with %q and the jobs still running, cancelled by Run, then returned %q: return the first error, the job's, even though it wraps context.Canceled", errText(err), errOwn, errInterrupted)
			}
		})
	})
}

// errText quotes err's message, or says nil.
func errText(err error) string {
	if err == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", err)
}

// atomicCount counts from several goroutines.
type atomicCount struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCount) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *atomicCount) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestLeavesNoGoroutineBehind(t *testing.T) {
	for _, tc := range []struct {
		name  string
		items []testItem
		ctx   func(context.Context) (context.Context, context.CancelFunc)
	}{
		{"after the last job", randomTestItems(7, 40), nil},
		{"after a job fails", []testItem{
			{size: testLargeSize, d: time.Hour, ignoresCtx: true},
			{size: testSmallSize, d: time.Hour, ignoresCtx: true},
			{size: testSmallSize, d: 3 * ms, fail: errBoom},
		}, nil},
		{"after a cancel", append(randomTestItems(8, 30), testItem{size: testLargeSize, d: time.Hour, ignoresCtx: true}), func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 20*ms)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				if tc.ctx != nil {
					ctx, cancel = tc.ctx(t.Context())
				}
				defer cancel()
				cfg := Config{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 2}
				h := newHarness(cfg, tc.items)
				h.run(t, ctx)
				if h.runningAtReturn > 0 {
					t.Errorf("%d job(s) were still running when Run returned %s: wait for every job you started before returning, even one that ignores its ctx", h.runningAtReturn, tc.name)
				}
				synctest.Wait() // goroutines on their way out finish; none that waits on anything does
				if left := goroutinesOfRun(); left > 0 {
					t.Errorf("%d goroutine(s) of Run's package were still there after it returned %s%s", left, tc.name, whereStuck())
				}
				time.Sleep(24 * time.Hour) // let any job left behind end, so the bubble can
			})
		})
	}
}

func TestReturnsAtOnceForNoJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(Config{Threshold: testThreshold, SmallSlots: 1, LargeSlots: 1}, nil)
		if err := h.run(t, t.Context()); err != nil {
			t.Fatalf("Run returned %v for a closed channel with no job in it, want nil", err)
		}
		if h.took != 0 {
			t.Fatalf("Run took %v of bubble time for no jobs, want 0", h.took)
		}
	})
}

func TestRejectsALaneWithNoSlots(t *testing.T) {
	for _, cfg := range []Config{
		{Threshold: testThreshold, SmallSlots: 0, LargeSlots: 2},
		{Threshold: testThreshold, SmallSlots: 2, LargeSlots: 0},
		{Threshold: testThreshold, SmallSlots: -1, LargeSlots: -1},
	} {
		synctest.Test(t, func(t *testing.T) {
			jobs := make(chan Job, 1)
			jobs <- Job{Size: 1, Run: func(context.Context) error { return nil }}
			close(jobs)
			done := make(chan error, 1)
			go func() { done <- Run(t.Context(), cfg, jobs) }()
			synctest.Wait()
			select {
			case err := <-done:
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("Run with %+v returned %v, want an error wrapping ErrConfig", cfg, err)
				}
			default:
				t.Fatalf("Run with %+v did not return at once: a lane with no slot could never run its jobs, so refuse the config with ErrConfig", cfg)
			}
			if len(jobs) != 1 {
				t.Fatalf("Run with the bad config %+v received a job: check the config before anything else", cfg)
			}
		})
	}
}

// The harness: items become jobs sent on an unbuffered channel at their
// times, and every job's start and end are recorded in bubble time.

var errBoom = errors.New("job: boom")

// A kind is the lane a job belongs to by its size.
type testLane int

const (
	testSmall testLane = iota
	testLarge
)

func (l testLane) String() string { return [...]string{"small", "large"}[l] }

// An item is a job to send: at that bubble time (after the one before it
// has been received), of that size, running for d unless its ctx is done
// first (or whatever its ctx does, if ignoresCtx), then failing with fail;
// when its ctx is done first, it returns onDone, or ctx.Err() if that is
// nil.
type testItem struct {
	at         time.Duration
	size       int64
	d          time.Duration
	fail       error
	onDone     error // returned when its ctx is done, if not nil; else ctx.Err()
	ignoresCtx bool
	l          testLane // set by newHarness
}

// A record is what happened to one job, in bubble time since the run began.
type testRecord struct {
	testItem
	nth        int // its place among its lane's jobs
	sent       time.Duration
	start, end time.Duration
	startSeq   int // when it started, in the order of every start and end
	endSeq     int
	started    bool
	ended      bool
}

type testHarness struct {
	cfg     Config
	closeAt time.Duration // when to close the channel, if later than the last item
	t0      time.Time

	mu        sync.Mutex
	records   []*testRecord
	running   [2]int
	seq       int // starts and ends so far
	most      [2]int
	mostTotal int

	took            time.Duration // how long Run took
	runningAtReturn int
}

func newHarness(cfg Config, items []testItem) *testHarness {
	h := &testHarness{cfg: cfg}
	var counts [2]int
	for _, it := range items {
		it.l = testSmall
		if it.size > cfg.Threshold {
			it.l = testLarge
		}
		h.records = append(h.records, &testRecord{testItem: it, nth: counts[it.l]})
		counts[it.l]++
	}
	return h
}

func (h *testHarness) now() time.Duration { return time.Since(h.t0) }

func (h *testHarness) job(r *testRecord) Job {
	return Job{Size: r.size, Run: func(ctx context.Context) error {
		h.mu.Lock()
		if r.started {
			h.mu.Unlock()
			panic(fmt.Sprintf("lanes test: a %s job was run twice", r.l))
		}
		r.started, r.start = true, h.now()
		h.seq++
		r.startSeq = h.seq
		h.running[r.l]++
		h.most[r.l] = max(h.most[r.l], h.running[r.l])
		h.mostTotal = max(h.mostTotal, h.running[testSmall]+h.running[testLarge])
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			r.ended, r.end = true, h.now()
			h.seq++
			r.endSeq = h.seq
			h.running[r.l]--
			h.mu.Unlock()
		}()
		done := ctx.Done()
		if r.ignoresCtx {
			done = nil
		}
		select {
		case <-time.After(r.d):
			return r.fail
		case <-done:
			if r.onDone != nil {
				return r.onDone
			}
			return ctx.Err()
		}
	}}
}

// run sends the items and runs Run on them, and returns Run's error. A
// Run that has not returned after a day of bubble time fails the test.
func (h *testHarness) run(t *testing.T, ctx context.Context) error {
	t.Helper()
	done, stop := h.start(ctx)
	defer stop()
	select {
	case err := <-done:
		return err
	case <-time.After(24 * time.Hour):
		t.Fatalf("Run never returned (a day of bubble time)%s: every wait in Run must end when the jobs end, the channel is closed, or ctx is done", whereStuck())
		return nil
	}
}

// start starts sending the items and running Run on them, and returns
// where Run's error will come, and a func that stops the sending.
func (h *testHarness) start(ctx context.Context) (done <-chan error, stop func()) {
	h.t0 = time.Now()
	jobs := make(chan Job)
	quit := make(chan struct{})
	go h.send(jobs, quit)
	errc := make(chan error, 1)
	go func() {
		err := Run(ctx, h.cfg, jobs)
		h.mu.Lock()
		h.took = h.now()
		h.runningAtReturn = h.running[testSmall] + h.running[testLarge]
		h.mu.Unlock()
		errc <- err
	}()
	return errc, func() { close(quit) }
}

// send sends each item's job at its time, then closes the channel. It
// gives up when stop is closed: Run may stop receiving after an error.
func (h *testHarness) send(jobs chan<- Job, stop <-chan struct{}) {
	for _, r := range h.records {
		if wait := r.at - h.now(); wait > 0 {
			select {
			case <-time.After(wait):
			case <-stop:
				return
			}
		}
		select {
		case jobs <- h.job(r):
			h.mu.Lock()
			r.sent = h.now()
			h.mu.Unlock()
		case <-stop:
			return
		}
	}
	if wait := h.closeAt - h.now(); wait > 0 {
		select {
		case <-time.After(wait):
		case <-stop:
			return
		}
	}
	close(jobs)
}

// ofLane returns the records of lane l's jobs, in the order they were sent.
func (h *testHarness) ofLane(l testLane) []*testRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var rs []*testRecord
	for _, r := range h.records {
		if r.l == l {
			rs = append(rs, r)
		}
	}
	return rs
}

// byStart returns lane l's records that started, in the order they did.
func (h *testHarness) byStart(l testLane) []*testRecord {
	rs := slices.DeleteFunc(h.ofLane(l), func(r *testRecord) bool { return !r.started })
	slices.SortStableFunc(rs, func(a, b *testRecord) int { return int(a.start - b.start) })
	return rs
}

func (h *testHarness) startedAfter(t time.Duration) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.records {
		if r.started && r.start > t {
			n++
		}
	}
	return n
}

// startedAfterTheFailure counts the jobs that started after the first
// job that failed had returned. It counts events, not bubble time: jobs
// started at the very instant of the failure are caught too.
func (h *testHarness) startedAfterTheFailure() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	failed := -1
	for _, r := range h.records {
		if r.fail != nil && r.ended && (failed < 0 || r.endSeq < failed) {
			failed = r.endSeq
		}
	}
	n := 0
	for _, r := range h.records {
		if failed >= 0 && r.started && r.startSeq > failed {
			n++
		}
	}
	return n
}

// failedAt returns when the first job that failed ended.
func (h *testHarness) failedAt() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := time.Duration(-1)
	for _, r := range h.records {
		if r.fail != nil && r.ended && (first < 0 || r.end < first) {
			first = r.end
		}
	}
	return first
}

func (h *testHarness) starts() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s []string
	for _, r := range h.records {
		s = append(s, r.start.String())
	}
	return strings.Join(s, ", ")
}

func (h *testHarness) checkEachRanOnce(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, r := range h.records {
		if !r.started || !r.ended {
			t.Fatalf("job %d (%s, the %dth of its lane) never ran, in a run that returned nil: run every job received", i, r.l, r.nth)
		}
	}
}

// randomItems returns n jobs, about a third of them large, with made-up
// durations of 1 to 12ms, sent at made-up times; the same for the same
// seed.
func randomTestItems(seed uint64, n int) []testItem {
	rnd := rand.New(rand.NewPCG(seed, 42))
	var items []testItem
	at := time.Duration(0)
	for range n {
		size := int64(1 + rnd.IntN(testThreshold))
		if rnd.IntN(3) == 0 {
			size = testThreshold + 1 + rnd.Int64N(testLargeSize)
		}
		at += time.Duration(rnd.IntN(2000)) * time.Microsecond
		items = append(items, testItem{at: at, size: size, d: time.Duration(1000+rnd.IntN(11000)) * time.Microsecond})
	}
	return items
}

// goroutinesOfRun counts the goroutines running code of the package under
// test: those whose stack names a file of it that is not a test file.
func goroutinesOfRun() int {
	count := 0
	for _, g := range goroutineDump() {
		if _, _, ok := codeLineIn(g); ok {
			count++
		}
	}
	return count
}

func goroutineDump() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// whereStuck says where this package's goroutines are blocked: ", with
// your goroutines in chan receive at lanes.go:40", for up to three places;
// "" if there are none.
func whereStuck() string {
	var places []string
	for _, g := range goroutineDump() {
		state := goroutineState.FindStringSubmatch(g)
		file, line, ok := codeLineIn(g)
		if state == nil || !ok {
			continue
		}
		place := fmt.Sprintf("%s at %s:%s", strings.TrimSuffix(state[1], " (durable)"), file, line)
		if !slices.Contains(places, place) && len(places) < 3 {
			places = append(places, place)
		}
	}
	if len(places) == 0 {
		return ""
	}
	return ", with your goroutines in " + strings.Join(places, ", ")
}

// codeLineIn returns the first file:line of stack text s that is in the
// package under test and not in a test file.
func codeLineIn(s string) (file, line string, ok bool) {
	for _, m := range sourceLine.FindAllStringSubmatch(s, -1) {
		if !strings.HasSuffix(m[1], "_test.go") {
			return m[1], m[2], true
		}
	}
	return "", "", false
}

var (
	goroutineState = regexp.MustCompile(`^goroutine \d+ \[([^,\]]+)`)
	sourceLine     = regexp.MustCompile(`/lanes/(\w+\.go):(\d+)`)
)
