package budget

// The graded behaviours of Budget. Each test's name is the behaviour it
// proves, and each failure message says what went wrong and where to look.
// Tests that wait run in a synctest bubble: time there is virtual, and
// synctest.Wait returns once every other goroutine is blocked, so "still
// waiting" and "returned" are facts, not guesses about timing.

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestNewRejectsBadSizes(t *testing.T) {
	for _, size := range []int64{0, -1} {
		if b, err := New(size); err == nil || b != nil {
			t.Errorf("New(%d) = %v, %v; want nil and an error", size, b, err)
		}
	}
}

func TestAcquireTakesWhatIsFreeAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		for _, n := range []int64{3, 7} {
			r := acquire(b, t.Context(), n)
			synctest.Wait()
			if !r.returned() {
				t.Fatalf("Acquire(%d) with %d of 10 free is still waiting: units that are free must be granted at once (all of them: asking for exactly what is free fits)", n, 10-b.InUse())
			}
			if err := r.err(); err != nil {
				t.Fatalf("Acquire(%d) with enough free returned %v, want nil", n, err)
			}
		}
		if got := b.InUse(); got != 10 {
			t.Fatalf("InUse() = %d after Acquire(3) and Acquire(7), want 10", got)
		}
	})
}

func TestARequestLargerThanTheBudgetFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel() // only to end a request that waits, once the test has failed
		r := acquire(b, ctx, 11)
		synctest.Wait()
		if !r.returned() {
			t.Fatalf("Acquire(11) on a budget of 10 is waiting: it can never be granted, even with every unit free, so it must fail at once instead of waiting for ever")
		}
		err := r.err()
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Acquire(11) on a budget of 10 returned %v, want an error wrapping ErrTooLarge (fmt.Errorf with %%w)", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "11") || !strings.Contains(msg, "10") {
			t.Errorf("the error %q does not say how much was asked (11) and how much the budget holds (10): say both, so the caller knows what to change", msg)
		}
		if got := b.InUse(); got != 0 {
			t.Errorf("InUse() = %d after a refused request, want 0: a refused request takes nothing", got)
		}
	})
}

func TestAcquireWaitsUntilEnoughIsReleased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 8)
		r := acquire(b, t.Context(), 5)
		synctest.Wait()
		if r.returned() {
			t.Fatalf("Acquire(5) with only 2 of 10 free returned %v: it must wait until 5 are free", r.err())
		}
		b.Release(2) // 4 free: still not enough
		synctest.Wait()
		if r.returned() {
			t.Fatalf("Acquire(5) returned (%v) with only 4 units free: a request is granted whole, never in part", r.err())
		}
		b.Release(1) // 5 free
		synctest.Wait()
		if !r.returned() {
			t.Fatalf("Acquire(5) still waits with 5 units free: Release must grant the waiting requests that now fit")
		}
		if err := r.err(); err != nil {
			t.Fatalf("Acquire(5) returned %v once 5 units were free, want nil", err)
		}
		if got := b.InUse(); got != 10 {
			t.Fatalf("InUse() = %d, want 10 (5 still held by the test, 5 granted)", got)
		}
	})
}

// Two requests of 3 on a budget of 4, the units freed one at a time: taken
// piece by piece, each request gets 2 and waits for ever for a third that
// the other holds. Taken whole, the first gets its 3, finishes, and the
// second follows.
func TestTakesARequestWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		b := newBudget(t, 4)
		hold(t, b, 4)
		first := acquire(b, ctx, 3)
		synctest.Wait()
		second := acquire(b, ctx, 3)
		synctest.Wait()
		for range 4 {
			b.Release(1)
			synctest.Wait()
		}
		if !first.returned() {
			cancel() // unblock both for the leak check
			synctest.Wait()
			t.Fatalf("two requests of 3 on a budget of 4, units freed one by one: neither was granted, each holding part of the budget and waiting for the rest: a deadlock. Take a request whole: all n units at once, or none")
		}
		if err := first.err(); err != nil {
			t.Fatalf("the first Acquire(3) returned %v, want nil", err)
		}
		if second.returned() {
			t.Fatalf("the second Acquire(3) returned (%v) with only 1 unit free", second.err())
		}
		b.Release(3)
		synctest.Wait()
		if !second.returned() || second.err() != nil {
			t.Fatalf("the second Acquire(3) was not granted once the first gave its 3 back")
		}
	})
}

// A large request at the head of the line is not overtaken by smaller
// ones that would fit: otherwise a steady stream of small requests could
// keep it waiting for ever.
func TestALargeRequestIsNotOvertaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 6)
		large := acquire(b, t.Context(), 8)
		synctest.Wait()
		small := acquire(b, t.Context(), 2)
		synctest.Wait()
		if small.returned() {
			t.Fatalf("Acquire(2) was granted (%v) while an earlier Acquire(8) waited: requests are served in the order they came, so a request that fits must still wait behind an earlier one that does not", small.err())
		}
		b.Release(6) // 10 free: 8 for the large one, then 2 for the small one
		synctest.Wait()
		if !large.returned() || !small.returned() {
			t.Fatalf("after Release(6) the large request returned: %v, the small one: %v; want both granted (8 + 2 = 10)", large.returned(), small.returned())
		}
	})
}

func TestReleaseGrantsEveryWaiterThatFits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 10)
		var waiting []*request
		for range 3 {
			waiting = append(waiting, acquire(b, t.Context(), 3))
			synctest.Wait()
		}
		b.Release(10)
		synctest.Wait()
		for i, r := range waiting {
			if !r.returned() {
				t.Fatalf("after Release(10), waiter %d of 3 (each asking 3) still waits: one Release must grant every waiter at the head of the line that fits, not only the first", i+1)
			}
		}
		if got := b.InUse(); got != 9 {
			t.Fatalf("InUse() = %d, want 9", got)
		}
	})
}

func TestACancelledWaiterTakesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 10)
		ctx, cancel := context.WithCancel(t.Context())
		r := acquire(b, ctx, 5)
		synctest.Wait()
		cancel()
		synctest.Wait()
		if !r.returned() {
			t.Fatalf("Acquire(5) still waits after its context was cancelled: wait in a select that also watches ctx.Done()")
		}
		if err := r.err(); !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled Acquire returned %v, want ctx's error, context.Canceled", err)
		}
		b.Release(10)
		if got := b.InUse(); got != 0 {
			t.Fatalf("InUse() = %d after every unit was released, want 0: a request whose context was cancelled must leave the line, or a later Release grants units to nobody", got)
		}
		later := acquire(b, t.Context(), 10)
		synctest.Wait()
		if !later.returned() || later.err() != nil {
			t.Fatalf("Acquire(10) on an empty budget did not succeed after a cancelled request: the cancelled one must not keep its place or its units")
		}
	})
}

// The head of the line gives up: the requests behind it that fit the
// units already free must be granted then, not at some later Release that
// may never come.
func TestCancellingTheHeadGrantsThoseBehindIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 6)
		ctx, cancel := context.WithCancel(t.Context())
		head := acquire(b, ctx, 8)
		synctest.Wait()
		behind := acquire(b, t.Context(), 2)
		synctest.Wait()
		cancel()
		synctest.Wait()
		if !head.returned() {
			t.Fatalf("the cancelled Acquire(8) still waits: watch ctx.Done() while waiting")
		}
		if !behind.returned() {
			b.Release(6) // let it go, for the leak check
			synctest.Wait()
			t.Fatalf("Acquire(2) still waits with 4 units free after the request ahead of it gave up: when a waiter leaves the line, grant those behind it that now fit")
		}
		if err := behind.err(); err != nil {
			t.Fatalf("Acquire(2) returned %v, want nil", err)
		}
	})
}

func TestACancelledContextNeverAcquires(t *testing.T) {
	b := newBudget(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Acquire(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with a context already cancelled returned %v, want context.Canceled: check ctx.Err() before taking anything, even when the units are free", err)
	}
	if got := b.InUse(); got != 0 {
		t.Fatalf("InUse() = %d after an Acquire with a cancelled context, want 0", got)
	}
}

func TestReleasingMoreThanHeldPanics(t *testing.T) {
	b := newBudget(t, 10)
	hold(t, b, 3)
	defer func() {
		if recover() == nil {
			t.Fatalf("Release(4) with 3 units in use did not panic: giving back more than was taken is a bug in the caller, and must stop the program before the budget grants units it does not have")
		}
		if got := b.InUse(); got != 3 {
			t.Errorf("InUse() = %d after the refused Release, want 3", got)
		}
	}()
	b.Release(4)
}

// Goroutines on real threads acquire and release random amounts while
// another reads InUse: with the race detector on, an InUse that reads
// without the lock is reported; and the units held never exceed the size.
func TestInUseIsSafeToReadWhileOthersAcquire(t *testing.T) {
	const size = 10
	b := newBudget(t, size)
	var held atomic.Int64
	var over atomic.Int64
	stop := make(chan struct{})
	reader := make(chan struct{})
	go func() {
		defer close(reader)
		for {
			select {
			case <-stop:
				return
			default:
				if n := b.InUse(); n < 0 || n > size {
					over.Store(n)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range 300 {
				n := 1 + r.Int64N(size)
				if err := b.Acquire(context.Background(), n); err != nil {
					t.Errorf("Acquire(%d) returned %v", n, err)
					return
				}
				if h := held.Add(n); h > size {
					over.Store(h)
				}
				held.Add(-n)
				b.Release(n)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-reader
	if n := over.Load(); n != 0 {
		t.Fatalf("%d units were held at once on a budget of %d: grant a request only when all its units are free", n, size)
	}
	if got := b.InUse(); got != 0 {
		t.Fatalf("InUse() = %d after every Acquire was released, want 0", got)
	}
}

func TestARequestForLessThanOneUnitIsRefused(t *testing.T) {
	b := newBudget(t, 10)
	hold(t, b, 10)
	for _, n := range []int64{0, -5} {
		if err := b.Acquire(context.Background(), n); err == nil {
			t.Errorf("Acquire(%d) returned nil, want an error: a request takes at least 1 unit (a negative one would lower InUse and let later requests take more than the budget holds)", n)
		}
		if got := b.InUse(); got != 10 {
			t.Fatalf("InUse() = %d after Acquire(%d) on a full budget of 10, want 10: a refused request changes nothing", got, n)
		}
	}
}

// A waiter whose context has a deadline gets ctx.Err(), which says why it
// ended: context.DeadlineExceeded, not always context.Canceled.
func TestAWaiterPastItsDeadlineGetsDeadlineExceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 10)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		r := acquire(b, ctx, 5)
		time.Sleep(2 * time.Second) // virtual time: the deadline passes
		synctest.Wait()
		if !r.returned() {
			t.Fatalf("Acquire(5) still waits after its context's deadline passed: watch ctx.Done() while waiting")
		}
		if err := r.err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire(5) past its deadline returned %v, want ctx.Err(), context.DeadlineExceeded: return the context's own error, which says why it ended", err)
		}
		if got := b.InUse(); got != 10 {
			t.Fatalf("InUse() = %d, want 10: a request that gave up takes nothing", got)
		}
	})
}

// One Release grants the waiters at the head of the line that fit, and
// stops at the first that does not: those behind it wait, even when they
// would fit, or a stream of small requests could overtake a large one for
// ever.
func TestReleaseStopsAtTheFirstWaiterThatDoesNotFit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 10)
		large := acquire(b, t.Context(), 8)
		synctest.Wait()
		small := acquire(b, t.Context(), 2)
		synctest.Wait()
		b.Release(3) // 3 free: not enough for 8; the 2 fits but is behind it
		synctest.Wait()
		if small.returned() {
			t.Fatalf("with Acquire(8) then Acquire(2) waiting, Release(3) granted the 2 (%v): a request that fits must still wait behind an earlier one that does not; grant from the head of the line and stop at the first that does not fit", small.err())
		}
		if large.returned() {
			t.Fatalf("Acquire(8) returned (%v) with 3 units free", large.err())
		}
		b.Release(7) // 10 free: 8, then 2
		synctest.Wait()
		if !large.returned() || !small.returned() {
			t.Fatalf("after Release(7), 10 free: the large request returned: %v, the small one: %v; want both granted, in order", large.returned(), small.returned())
		}
	})
}

// A waiter in the middle of the line gives up: it alone leaves, and the
// others keep their order.
func TestCancellingAWaiterInTheMiddleKeepsTheOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 10)
		ctx, cancel := context.WithCancel(t.Context())
		a := acquire(b, t.Context(), 4)
		synctest.Wait()
		middle := acquire(b, ctx, 4)
		synctest.Wait()
		c := acquire(b, t.Context(), 6)
		synctest.Wait()
		d := acquire(b, t.Context(), 2)
		synctest.Wait()
		cancel()
		synctest.Wait()
		if !middle.returned() || !errors.Is(middle.err(), context.Canceled) {
			t.Fatalf("the cancelled waiter (second in line) did not return context.Canceled")
		}
		b.Release(10) // 10 free: 4 for the first, 6 for the third; the fourth waits
		synctest.Wait()
		if !a.returned() || !c.returned() {
			t.Fatalf("line: 4, 4 (cancelled), 6, 2; after Release(10) the first (4) returned: %v, the third (6): %v; want both granted: remove exactly the waiter that gave up, keep the others in their order", a.returned(), c.returned())
		}
		if d.returned() {
			t.Fatalf("the fourth waiter (2) was granted (%v) ahead of, or with, the third (6): removing a waiter must not reorder the line", d.err())
		}
		if got := b.InUse(); got != 10 {
			t.Fatalf("InUse() = %d, want 10 (4 + 6): units went to a waiter that had left the line", got)
		}
	})
}

// Release grants a waiter its units under the lock, before it returns:
// InUse counts them at once, and nobody else can take them in between.
// (A waiter that adds its own units when it wakes leaves a moment when
// they look free, and the budget can be overcommitted.)
func TestUnitsGrantedToAWaiterAreTakenAtOnce(t *testing.T) {
	for range 50 {
		synctest.Test(t, func(t *testing.T) {
			b := newBudget(t, 10)
			hold(t, b, 10)
			w := acquire(b, t.Context(), 6)
			synctest.Wait()
			b.Release(10)
			if got := b.InUse(); got != 6 {
				t.Fatalf("InUse() = %d right after Release(10) granted a waiting Acquire(6), want 6: take the waiter's units in the grant, under the lock; if it takes them when it wakes, they look free until then and another request can take them too", got)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			other := acquire(b, ctx, 6)
			synctest.Wait()
			if other.returned() && other.err() == nil {
				t.Fatalf("two Acquire(6) were granted on a budget of 10 (InUse %d): the units granted to a waiter were taken again before it woke", b.InUse())
			}
			if !w.returned() || w.err() != nil {
				t.Fatalf("the waiting Acquire(6) was not granted by Release(10)")
			}
		})
	}
}

// A waiter's context ends just as a Release grants it: both its channel
// and ctx.Done() are ready, and select picks either. If it returns ctx's
// error, it must give the granted units back and grant those behind it;
// if it returns nil, it keeps them. Repeated, so that both happen.
func TestAWaiterCancelledAsItIsGrantedLeavesNothingBehind(t *testing.T) {
	var cancelled, granted int
	for range 100 {
		synctest.Test(t, func(t *testing.T) {
			b := newBudget(t, 10)
			hold(t, b, 10)
			ctx, cancel := context.WithCancel(t.Context())
			w := acquire(b, ctx, 6)
			synctest.Wait()
			behind := acquire(b, t.Context(), 6)
			synctest.Wait()
			cancel()
			b.Release(10) // grants w; behind does not fit with it
			synctest.Wait()
			if !w.returned() {
				t.Fatalf("the first waiter neither returned after its context was cancelled nor after it was granted")
			}
			if err := w.err(); err != nil {
				cancelled++
				if !behind.returned() || behind.err() != nil {
					t.Fatalf("a waiter granted just as its context ended returned %v, and the Acquire(6) behind it still waits (InUse %d): when it gives up, give the granted units back and grant those behind it that now fit", err, b.InUse())
				}
			} else {
				granted++
				if behind.returned() {
					t.Fatalf("both Acquire(6) returned on a budget of 10")
				}
				b.Release(6)
				synctest.Wait()
			}
			if got := b.InUse(); got != 6 {
				t.Fatalf("InUse() = %d with one Acquire(6) granted, want 6: a waiter that returns ctx's error must hold nothing", got)
			}
		})
	}
	if cancelled == 0 {
		t.Logf("in 100 runs the waiter was never cancelled as it was granted (granted %d times): this test proved nothing this time", granted)
	}
}

// The other order: Release grants a waiter, and its context ends before
// the waiter has woken. Its select may then see both its grant and
// ctx.Done(): if it returns ctx's error, it must not keep the units it was
// granted, or nobody will ever release them. Repeated, so that the waiter
// meets both cases.
func TestAWaiterCancelledJustAfterItIsGrantedHoldsNothingIfItFails(t *testing.T) {
	for range 100 {
		synctest.Test(t, func(t *testing.T) {
			b := newBudget(t, 10)
			hold(t, b, 10)
			ctx, cancel := context.WithCancel(t.Context())
			w := acquire(b, ctx, 6)
			synctest.Wait()
			behind := acquire(b, t.Context(), 6)
			synctest.Wait()
			b.Release(10) // grants w; behind does not fit with it
			cancel()      // before w has (most likely) woken
			synctest.Wait()
			if !w.returned() {
				t.Fatalf("the first waiter did not return after Release(10) granted it")
			}
			if err := w.err(); err != nil {
				if !behind.returned() || behind.err() != nil {
					t.Fatalf("a waiter granted by Release, whose context ended before it woke, returned %v, and the Acquire(6) behind it still waits (InUse %d): a waiter that returns an error must hold nothing; if you check ctx after being granted, give the units back (and grant those behind) under the lock, or just return nil: the grant came first", err, b.InUse())
				}
			} else {
				if behind.returned() {
					t.Fatalf("both Acquire(6) returned on a budget of 10")
				}
				b.Release(6)
				synctest.Wait()
			}
			if got := b.InUse(); got != 6 {
				t.Fatalf("InUse() = %d with one Acquire(6) granted, want 6: a waiter that returns ctx's error must hold nothing", got)
			}
		})
	}
}

// An Acquire whose deadline has already passed gets ctx.Err(),
// context.DeadlineExceeded, even when the units are free: the error says
// why it ended.
func TestAnAcquirePastItsDeadlineGetsDeadlineExceeded(t *testing.T) {
	b := newBudget(t, 10)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if err := b.Acquire(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire with a context whose deadline had passed returned %v, want ctx.Err(), context.DeadlineExceeded: return the context's own error, not a constant", err)
	}
	if got := b.InUse(); got != 0 {
		t.Fatalf("InUse() = %d after an Acquire past its deadline, want 0", got)
	}
}

// A waiter that gives up must leave the line from wherever it stands
// now, not from where it stood when it joined: requests ahead of it may
// have been granted or have left since.
func TestACancelledWaiterLeavesFromWhereItNowStands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(t, 10)
		hold(t, b, 10)
		first := acquire(b, t.Context(), 10)
		synctest.Wait()
		ctx, cancel := context.WithCancel(t.Context())
		second := acquire(b, ctx, 5)
		synctest.Wait()
		lastCtx, unblockLast := context.WithCancel(t.Context())
		defer unblockLast()
		last := acquire(b, lastCtx, 5)
		synctest.Wait()
		b.Release(10) // grants the first: the line is now second, last
		synctest.Wait()
		if !first.returned() || first.err() != nil {
			t.Fatalf("Release(10) did not grant the waiting Acquire(10)")
		}
		cancel() // the second, now at the head, gives up
		synctest.Wait()
		if !second.returned() || !errors.Is(second.err(), context.Canceled) {
			t.Fatalf("the cancelled Acquire(5) did not return context.Canceled")
		}
		b.Release(10) // the first's units: the last Acquire(5) fits
		synctest.Wait()
		if !last.returned() {
			unblockLast()
			synctest.Wait()
			t.Fatalf("line: 10, 5 (cancelled after the 10 was granted), 5; after Release(10) the last Acquire(5) still waits (InUse %d): the cancelled waiter removed another request from the line, or stayed in it, because it looked itself up by where it stood when it joined; find it by identity when it leaves", b.InUse())
		}
		if err := last.err(); err != nil {
			t.Fatalf("the last Acquire(5) returned %v, want nil", err)
		}
		if got := b.InUse(); got != 5 {
			t.Fatalf("InUse() = %d with one Acquire(5) granted, want 5: units went to a waiter that had left the line", got)
		}
	})
}

// Giving back nothing, or less than nothing, is as much a caller's bug as
// giving back more than was taken: Release(-3) would raise InUse without
// any Acquire.
func TestReleasingLessThanOneUnitPanics(t *testing.T) {
	for _, n := range []int64{0, -3} {
		func() {
			b := newBudget(t, 10)
			hold(t, b, 3)
			defer func() {
				if recover() == nil {
					t.Errorf("Release(%d) did not panic: a Release of less than 1 unit is a bug in the caller (a negative one would raise InUse with no Acquire); panic, as for more than is in use", n)
				}
				if got := b.InUse(); got != 3 {
					t.Errorf("InUse() = %d after the refused Release(%d), want 3", got, n)
				}
			}()
			b.Release(n)
		}()
	}
}

// A request that is wrong in itself is refused as such, even when ctx is
// done too: the caller learns the mistake that no retry will fix, not a
// cancellation it may take for a normal stop.
func TestABadRequestIsRefusedEvenWhenCtxIsDone(t *testing.T) {
	b := newBudget(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Acquire(ctx, 11); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Acquire(11) on a budget of 10 with a cancelled ctx returned %v, want an error wrapping ErrTooLarge: check the request before ctx", err)
	}
	if err := b.Acquire(ctx, 0); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("Acquire(0) with a cancelled ctx returned %v, want the refusal of a request for less than 1 unit: check the request before ctx", err)
	}
}

// Whatever path grants a waiter, the line and InUse are touched under the
// lock: here a waiter gives up while another goroutine releases units, so
// a grant made outside the lock (say, on the way out of a cancelled
// Acquire) races with the Release, which the race detector reports.
func TestAWaiterLeavingWhileUnitsAreReleasedIsSafe(t *testing.T) {
	for range 50 {
		synctest.Test(t, func(t *testing.T) {
			b := newBudget(t, 10)
			hold(t, b, 10)
			ctx, cancel := context.WithCancel(t.Context())
			leaving := acquire(b, ctx, 8)
			synctest.Wait()
			behind := acquire(b, t.Context(), 2)
			synctest.Wait()
			released := make(chan struct{})
			go func() {
				defer close(released)
				b.Release(10)
			}()
			cancel()
			synctest.Wait()
			<-released
			if !leaving.returned() || !behind.returned() {
				t.Fatalf("after a cancel and a Release(10) at once, the cancelled Acquire(8) returned: %v, the Acquire(2) behind it: %v; want both", leaving.returned(), behind.returned())
			}
			want := int64(2)
			if leaving.err() == nil {
				want = 10
			}
			if got := b.InUse(); got != want {
				t.Fatalf("InUse() = %d, want %d", got, want)
			}
		})
	}
}

// newBudget makes a budget or stops the test.
func newBudget(t *testing.T, size int64) *Budget {
	t.Helper()
	b, err := New(size)
	if err != nil || b == nil {
		t.Fatalf("New(%d) = %v, %v; want a budget", size, b, err)
	}
	return b
}

// hold takes n units that are free, or stops the test.
func hold(t *testing.T, b *Budget, n int64) {
	t.Helper()
	if err := b.Acquire(context.Background(), n); err != nil {
		t.Fatalf("Acquire(%d) with %d units free returned %v, want nil", n, n, err)
	}
}

// A request is one Acquire running in a goroutine of its own.
type request struct {
	done chan error
	got  error
	seen bool
}

func acquire(b *Budget, ctx context.Context, n int64) *request {
	r := &request{done: make(chan error, 1)}
	go func() { r.done <- b.Acquire(ctx, n) }()
	return r
}

// returned reports whether Acquire has returned (without waiting).
func (r *request) returned() bool {
	if r.seen {
		return true
	}
	select {
	case r.got = <-r.done:
		r.seen = true
	default:
	}
	return r.seen
}

// err is what Acquire returned; call it only after returned says so.
func (r *request) err() error { return r.got }
