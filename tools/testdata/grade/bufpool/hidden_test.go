package bufpool

// The graded behaviours of Pool. Each test's name is the behaviour it
// proves, and each failure message says what went wrong and where to look.
// Tests that wait run in a synctest bubble: time there is virtual, so
// nothing depends on the machine's speed, and synctest.Wait tells when
// every goroutine is blocked.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestNewRejectsBadSizes(t *testing.T) {
	for _, c := range []struct{ n, size int }{{0, 64}, {-1, 64}, {4, 0}, {4, -8}} {
		if p, err := New(c.n, c.size); err == nil || p != nil {
			t.Errorf("New(%d, %d) = %v, %v; want nil and an error naming the bad argument", c.n, c.size, p, err)
		}
	}
}

func TestGetReturnsDistinctBuffersOfTheRightSize(t *testing.T) {
	const n, size = 4, 100
	p := newPool(t, n, size)
	seen := map[*byte]bool{}
	for i := range n {
		buf := get(t, p)
		if len(buf) != size {
			t.Fatalf("Get %d returned a buffer of len %d, want %d", i+1, len(buf), size)
		}
		if cap(buf) != size {
			t.Fatalf("Get %d returned a buffer of cap %d, want %d: with room past its len, an append writes memory that is not its own (the next buffer's, if they are cut from one array: cut them with buf[lo:hi:hi])", i+1, cap(buf), size)
		}
		if seen[&buf[0]] {
			t.Fatalf("Get %d returned a buffer that was already out: each owner must get a buffer of its own", i+1)
		}
		seen[&buf[0]] = true
	}
	if out := p.Out(); out != n {
		t.Fatalf("Out() = %d after %d Gets, want %d", out, n, n)
	}
}

func TestNeverHandsOutMoreThanNBuffers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, size, owners, rounds = 3, 16, 12, 20
		p := newPool(t, n, size)
		var (
			mu       sync.Mutex
			held     = map[*byte]bool{} // buffers out now, by first byte
			distinct = map[*byte]bool{} // every buffer ever handed out
			most     int
			problems []string
		)
		report := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
		var wg sync.WaitGroup
		for o := range owners {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(o), 7))
				for range rounds {
					buf, err := p.Get(t.Context())
					if err != nil {
						mu.Lock()
						report("Get returned %v with nothing cancelled", err)
						mu.Unlock()
						return
					}
					key := &buf[:1][0]
					mu.Lock()
					if held[key] {
						report("the same buffer was handed to two owners at once: a buffer must not be back in the pool while someone holds it")
					}
					held[key], distinct[key] = true, true
					most = max(most, len(held))
					if out := p.Out(); out > n {
						report("Out() = %d with n=%d", out, n)
					}
					mu.Unlock()

					time.Sleep(time.Duration(r.IntN(1000)) * time.Microsecond)
					buf[0] = byte(o) // the owner writes to its buffer: the race detector is watching

					mu.Lock()
					delete(held, key)
					mu.Unlock()
					if err := p.Put(buf); err != nil {
						mu.Lock()
						report("Put of a buffer just taken with Get returned %v, want nil", err)
						mu.Unlock()
						return
					}
				}
			})
		}
		wg.Wait()
		if len(problems) > 0 {
			t.Fatalf("%s", problems[0])
		}
		if most > n {
			t.Fatalf("%d buffers were out at once with n=%d: Get must wait while all n are out", most, n)
		}
		if len(distinct) > n {
			t.Fatalf("the pool handed out %d different buffers with n=%d: hand out the buffers given back with Put instead of making new ones", len(distinct), n)
		}
		if out := p.Out(); out != 0 {
			t.Fatalf("Out() = %d after every buffer was given back, want 0", out)
		}
	})
}

func TestGetWaitsForAPut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 2, 8)
		a, _ := get(t, p), get(t, p)
		got := make(chan []byte, 1)
		go func() {
			buf, err := p.Get(t.Context())
			if err != nil {
				t.Errorf("Get returned %v while waiting, want a buffer once one is put back", err)
			}
			got <- buf
		}()
		synctest.Wait()
		select {
		case buf := <-got:
			t.Fatalf("Get returned a buffer (len %d) while both buffers were out: it must wait until one is put back", len(buf))
		default:
		}
		put(t, p, a)
		synctest.Wait()
		select {
		case buf := <-got:
			if len(buf) == 0 || &buf[0] != &a[0] {
				t.Fatalf("the waiting Get returned a buffer that is not the one just put back")
			}
		default:
			t.Fatalf("Get was still waiting after a buffer was put back: a Put must wake a waiting Get")
		}
	})
}

func TestGetStopsWhenItsContextIsDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 2
		p := newPool(t, n, 8)
		bufs := [][]byte{get(t, p), get(t, p)}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			buf, err := p.Get(ctx)
			if buf != nil {
				t.Errorf("Get returned a buffer (len %d) with all %d out: it must wait, and give up when its context is done", len(buf), n)
			}
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Get with all buffers out returned %v when its context timed out, want an error wrapping context.DeadlineExceeded", err)
			}
		case <-time.After(time.Hour):
			t.Fatalf("Get was still waiting an hour after its context timed out: wait for a buffer or for ctx.Done(), whichever comes first")
		}
		if out := p.Out(); out != n {
			t.Fatalf("Out() = %d after a cancelled Get, want %d: a Get that fails takes nothing", out, n)
		}
		put(t, p, bufs[0])
		if buf := get(t, p); &buf[0] != &bufs[0][0] {
			t.Fatalf("after a cancelled Get, the next Get did not return the buffer just put back")
		}
	})
}

// errCause is the cause a test cancels ctx with: not what Get returns.
var errCause = errors.New("the cause given to cancel")

// A Get that gives up because its ctx was cancelled with a cause
// (context.WithCancelCause) returns ctx.Err(), context.Canceled, as the
// README says ("ctx's error"): the cause is for whoever cancelled, through
// context.Cause.
func TestAGetThatGivesUpReturnsCtxErrNotItsCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, 8)
		buf := get(t, p)
		ctx, cancel := context.WithCancelCause(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := p.Get(ctx)
			done <- err
		}()
		synctest.Wait() // Get is waiting: its only buffer is out
		cancel(errCause)
		if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, errCause) {
			t.Fatalf("a waiting Get whose ctx was cancelled with a cause returned %v, want ctx.Err(), context.Canceled: return the context's own error, not context.Cause(ctx)", err)
		}
		put(t, p, buf)
	})
}

// New makes all n buffers: Get hands them out and never makes one, so
// the pool's memory is fixed when New returns. The first n Gets, on a
// pool of 8 buffers of 64 KiB, allocate less than one buffer's worth.
func TestNewMakesEveryBufferGetMakesNone(t *testing.T) {
	const n, size = 8, 64 << 10
	p := newPool(t, n, size)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	bufs := make([][]byte, 0, n)
	for range n {
		bufs = append(bufs, get(t, p))
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got >= size {
		t.Fatalf("the first %d Gets on a new pool of %d buffers of %d bytes allocated %d bytes: New must make every buffer (\"all allocated now\"), and Get only hand them out", n, n, size, got)
	}
	for _, b := range bufs {
		put(t, p, b)
	}
}

// A Get whose context is done while a buffer is free may return either:
// select picks at random between a ready buffer and ctx.Done(). If it
// returns ctx's error, the buffer stays in the pool. Called many times
// with a done context on a pool of one buffer, so that both happen: a
// buffer taken and then dropped for the error is lost for good, and the
// last Get waits for ever.
func TestAGetThatGivesUpLeavesTheBufferInThePool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, 1, 8)
		done, cancel := context.WithCancel(t.Context())
		cancel()
		for i := range 64 {
			buf, err := p.Get(done)
			if err == nil {
				put(t, p, buf) // it may pick the buffer: then it owns it
				continue
			}
			if buf != nil {
				t.Fatalf("Get returned a buffer (len %d) and the error %v: a Get that fails returns no buffer", len(buf), err)
			}
			if out := p.Out(); out != 0 {
				t.Fatalf("Out() = %d after Get with a done context returned %v (call %d), want 0: a Get that fails takes nothing", out, err, i+1)
			}
		}
		ctx, stop := context.WithCancel(t.Context())
		defer stop()
		got := make(chan error, 1)
		go func() {
			buf, err := p.Get(ctx)
			if err == nil {
				err = p.Put(buf)
			}
			got <- err
		}()
		synctest.Wait()
		select {
		case err := <-got:
			if err != nil {
				t.Fatalf("Get with a live context on a pool whose one buffer is back returned %v, want the buffer", err)
			}
		default:
			stop()
			synctest.Wait()
			t.Fatalf("64 calls of Get with a done context on a pool of 1 buffer, each given back when it came: now Get waits for ever with nothing out (Out() = %d): a Get that received a buffer and then returned ctx's error dropped it; once you hold a buffer, return it, or put it back before returning the error", p.Out())
		}
	})
}

func TestPutRejectsAForeignBuffer(t *testing.T) {
	const n, size = 2, 32
	p := newPool(t, n, size)
	other := newPool(t, n, size)
	mine := get(t, p)
	foreign := []struct {
		what string
		buf  []byte
	}{ // in a fixed order, so that the same mistake gets the same message
		{"a buffer of the right size made with make", make([]byte, size)},
		{"a buffer from another pool", get(t, other)},
		{"a slice starting inside a pool buffer", mine[1:]},
		{"an empty slice", []byte{}},
		{"nil", nil},
	}
	for _, f := range foreign {
		what, buf := f.what, f.buf
		err := p.Put(buf)
		if err == nil {
			t.Fatalf("Put of %s returned nil, want an error: take back only buffers this pool handed out", what)
		}
		if !errors.Is(err, ErrForeign) {
			t.Fatalf("Put of %s returned %q, want ErrForeign (errors.Is): a buffer this pool never handed out is foreign", what, err)
		}
		if out := p.Out(); out != 1 {
			t.Fatalf("Out() = %d after a rejected Put of %s, want 1: a rejected Put must leave the pool as it was", out, what)
		}
	}
	put(t, p, mine)
	for range n {
		if buf := get(t, p); len(buf) != size {
			t.Fatalf("after the foreign Puts were rejected, Get returned a buffer of len %d, want %d", len(buf), size)
		}
	}
}

func TestPutRejectsABufferPutTwice(t *testing.T) {
	const n = 3
	p := newPool(t, n, 8)
	a, b := get(t, p), get(t, p)
	put(t, p, a)
	if err := p.Put(a); !errors.Is(err, ErrReturned) {
		t.Fatalf("a second Put of the same buffer returned %v, want ErrReturned (errors.Is): the buffer was already back in the pool, and taking it twice would hand it to two owners", err)
	}
	if out := p.Out(); out != 1 {
		t.Fatalf("Out() = %d after a rejected second Put with one buffer still out, want 1", out)
	}
	seen := map[*byte]bool{&b[0]: true}
	for i := range n - 1 {
		c := get(t, p)
		if seen[&c[0]] {
			t.Fatalf("after a double Put, Get %d returned a buffer that was already out: a buffer put twice is now in the pool twice", i+1)
		}
		seen[&c[0]] = true
	}
}

func TestPutTakesBackAShortenedBuffer(t *testing.T) {
	const size = 64
	p := newPool(t, 1, size)
	buf := get(t, p)
	if err := p.Put(buf[:10]); err != nil {
		t.Fatalf("Put(buf[:10]) returned %v, want nil: a reslice that starts at the buffer's first byte is still the buffer", err)
	}
	again := get(t, p)
	if len(again) != size {
		t.Fatalf("after Put(buf[:10]), Get returned a buffer of len %d, want %d: hand buffers out at full length", len(again), size)
	}
	if err := p.Put(again[:0]); err != nil {
		t.Fatalf("Put(buf[:0]) returned %v, want nil", err)
	}
	third := get(t, p)
	if err := p.Put(third[:10:10]); err != nil {
		t.Fatalf("Put(buf[:10:10]) returned %v, want nil: a reslice that starts at the buffer's first byte is still the buffer, whatever its capacity; know a buffer by the address of its first byte", err)
	}
	if again := get(t, p); len(again) != size {
		t.Fatalf("after Put(buf[:10:10]), Get returned a buffer of len %d, want %d", len(again), size)
	}
}

// Two owners Put the same buffer at the same moment: exactly one Put takes
// it back, the other is refused, and the count of buffers out drops by
// one. Checking "is it out?" and marking it returned in two steps lets
// both through. A stress test on real threads: such a mistake is caught
// with a high probability on each run, not every time.
func TestTwoPutsOfOneBufferAtOnceTakeItBackOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	p := newPool(t, 4, 64)
	get(t, p) // two held for the whole test: room in the free list for a
	get(t, p) // buffer wrongly taken back twice, so it shows, not hangs
	for round := range 20_000 {
		b := get(t, p)
		var wg sync.WaitGroup
		start := make(chan struct{})
		var errs [2]error
		for k := range 2 {
			wg.Go(func() { <-start; errs[k] = p.Put(b) })
		}
		close(start)
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: two Puts of one buffer at the same moment returned %v and %v (Out() = %d): exactly one may take it back; check that it is out and mark it returned in one step, under one lock", round, errs[0], errs[1], p.Out())
		}
		if out := p.Out(); out != 2 {
			t.Fatalf("round %d: Out() = %d after the buffer came back, want 2", round, out)
		}
	}
}

func TestOutCountsTheBuffersOut(t *testing.T) {
	p := newPool(t, 3, 8)
	var bufs [][]byte
	for i := range 3 {
		if out := p.Out(); out != i {
			t.Fatalf("Out() = %d with %d buffer(s) out", out, i)
		}
		bufs = append(bufs, get(t, p))
	}
	for i, b := range bufs {
		put(t, p, b)
		if out := p.Out(); out != 2-i {
			t.Fatalf("Out() = %d with %d buffer(s) out", out, 2-i)
		}
	}
}

func TestIsSafeForConcurrentUse(t *testing.T) {
	const n, owners = 4, 8
	p := newPool(t, n, 8)
	var wg sync.WaitGroup
	var failures, badCounts atomic.Int32
	// An observer that only ever calls Out: it shares no lock or channel
	// with the owners unless the pool provides one, so the race detector
	// sees any count read without one.
	stop := make(chan struct{})
	observing, observed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(observed)
		close(observing)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if out := p.Out(); out < 0 || out > n {
				badCounts.Add(1)
			}
		}
	}()
	<-observing // the owners start once the observer is running
	// A refused Put loses a buffer; cancelling then lets the owners still
	// waiting in Get stop, rather than wait for ever.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for range owners {
		wg.Go(func() {
			for range 200 {
				buf, err := p.Get(ctx)
				if err != nil {
					if ctx.Err() == nil {
						failures.Add(1)
					}
					return
				}
				buf[0]++
				_ = p.Out()
				if p.Put(buf) != nil {
					failures.Add(1)
					cancel()
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-observed
	if f := failures.Load(); f > 0 {
		t.Fatalf("%d Get or Put calls failed with %d goroutines sharing the pool, want none", f, owners)
	}
	if b := badCounts.Load(); b > 0 {
		t.Fatalf("Out() returned a count below 0 or above n=%d %d time(s) while the pool was in use", n, b)
	}
	if out := p.Out(); out != 0 {
		t.Fatalf("Out() = %d after every buffer was given back by %d goroutines, want 0: the count must be updated under the same lock as the rest", out, owners)
	}
}

// TestARefusedDoublePutChangesNothing puts a buffer back twice while the
// pool's other buffers are out, so the only buffer in the pool is that
// one: if the refused Put still put it back, the next two Gets both get it.
func TestARefusedDoublePutChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 3
		p := newPool(t, n, 8)
		a, b, c := get(t, p), get(t, p), get(t, p)
		put(t, p, a)
		if err := p.Put(a); !errors.Is(err, ErrReturned) {
			t.Fatalf("a second Put of the same buffer returned %v, want ErrReturned", err)
		}
		if out := p.Out(); out != n-1 {
			t.Fatalf("Out() = %d after a refused second Put with %d buffers still out, want %d: a refused Put must leave the pool as it was", out, n-1, n-1)
		}
		first := get(t, p)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		second, err := p.Get(ctx) // must wait: every buffer is out again
		if err == nil {
			switch {
			case &second[0] == &first[0]:
				t.Fatalf("after a refused second Put, two Gets returned the same buffer: the refused Put still put it back in the pool, so it now has two owners; refuse before touching the free list")
			case &second[0] == &b[0] || &second[0] == &c[0]:
				t.Fatalf("after a refused second Put, Get returned a buffer that was already out")
			default:
				t.Fatalf("with all %d buffers out, Get returned another buffer: the pool has grown", n)
			}
		}
	})
}

// TestNeverHandsABufferToTwoOwners runs owners on real threads, not in a
// bubble, so that Get and Put really overlap: bookkeeping done in two
// steps, such as putting a buffer back on the free list before marking it
// returned, is seen half-done by another owner. Each owner writes its tag
// over the whole buffer, yields, and checks the tag is intact before
// giving it back; every Put of a buffer just taken must succeed. This is a
// stress test, so a mistake is caught with a high probability on each run
// rather than every time.
func TestNeverHandsABufferToTwoOwners(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	// One buffer: every Put hands it straight to a waiting Get. Two: Gets
	// and Puts of different buffers overlap as well.
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) { shareBetweenOwners(t, n) })
	}
}

// shareBetweenOwners is TestNeverHandsABufferToTwoOwners with n buffers.
func shareBetweenOwners(t *testing.T, n int) {
	const size, owners, rounds = 64, 8, 10000
	p := newPool(t, n, size)
	// A refused Put loses a buffer for good; cancelling then stops the
	// owners still waiting in Get, rather than leave them waiting for ever.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var (
		mu       sync.Mutex
		problems []string
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
		cancel()
	}
	var wg sync.WaitGroup
	for o := range owners {
		wg.Go(func() {
			tag := byte(o + 1)
			for range rounds {
				buf, err := p.Get(ctx)
				if err != nil {
					return // cancelled after a problem
				}
				for i := range buf {
					buf[i] = tag
				}
				runtime.Gosched()
				for i := range buf {
					if buf[i] != tag {
						report("a buffer was handed to two owners at once: owner %d found owner %d's tag in the buffer it held; the pool's record of which buffers are out must change in one step with the free list (under one lock)", tag, buf[i])
						return
					}
				}
				if err := p.Put(buf); err != nil {
					report("Put of a buffer its owner had just taken with Get returned %q with %d goroutines sharing the pool: a buffer must be marked returned before it goes back on the free list (where another Get can take it at once), both in one step under the lock", err, owners)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(problems) > 0 {
		t.Fatalf("%s", problems[0])
	}
	if out := p.Out(); out != 0 {
		t.Fatalf("Out() = %d after every buffer was given back, want 0", out)
	}
}

func newPool(t *testing.T, n, size int) *Pool {
	t.Helper()
	p, err := New(n, size)
	if err != nil {
		t.Fatalf("New(%d, %d) returned %v, want a pool", n, size, err)
	}
	if p == nil {
		t.Fatalf("New(%d, %d) returned a nil pool", n, size)
	}
	return p
}

// get takes a buffer that must be there: the test knows one is free.
func get(t *testing.T, p *Pool) []byte {
	t.Helper()
	buf, err := p.Get(t.Context())
	if err != nil {
		t.Fatalf("Get with a buffer free returned %v, want a buffer", err)
	}
	if len(buf) == 0 {
		t.Fatalf("Get returned an empty buffer")
	}
	return buf
}

func put(t *testing.T, p *Pool, buf []byte) {
	t.Helper()
	if err := p.Put(buf); err != nil {
		t.Fatalf("Put of a buffer from Get returned %v, want nil", err)
	}
}
