package ordered

// The graded behaviours of Map. Each test's name is the behaviour it
// proves, and each failure message says what went wrong and where to look.
// The tests run in a synctest bubble: time.Sleep there is virtual, so slow
// calls of f cost nothing and nothing depends on the machine's speed, and a
// goroutine left blocked when a test ends fails that test.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestKeepsOrderUnderRandomDelays(t *testing.T) {
	for _, workers := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 200
				delays := randomDelays(uint64(workers), n)
				in, _ := produce(t.Context(), n)
				out := Map(t.Context(), in, workers, func(c []byte) []byte {
					time.Sleep(delays[index(c)])
					return result(c)
				})
				got := drain(t, out)
				checkResults(t, got, n, fmt.Sprintf("workers=%d", workers))
			})
		})
	}
}

func TestRunsUpToWorkersCallsAtOnce(t *testing.T) {
	for _, workers := range []int{1, 3, 6} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g gauge
				delays := randomDelays(7, 60)
				in, _ := produce(t.Context(), 60)
				out := Map(t.Context(), in, workers, func(c []byte) []byte {
					defer g.enter()()
					time.Sleep(time.Millisecond + delays[index(c)])
					return result(c)
				})
				checkResults(t, drain(t, out), 60, fmt.Sprintf("workers=%d", workers))
				hw := g.highWater()
				if hw > int64(workers) {
					t.Fatalf("%d calls of f ran at once with workers=%d: never run more calls at once than there are workers", hw, workers)
				}
				if hw < int64(workers) {
					t.Fatalf("at most %d call(s) of f ever ran at once with workers=%d and slow calls: run workers calls in parallel", hw, workers)
				}
			})
		})
	}
}

func TestBoundsTheChunksInFlight(t *testing.T) {
	const n, workers = 100, 3
	t.Run("one slow chunk", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			in, taken := produce(t.Context(), n)
			out := Map(t.Context(), in, workers, func(c []byte) []byte {
				if index(c) == 0 {
					time.Sleep(time.Hour)
				}
				return result(c)
			})
			got := make(chan [][]byte, 1)
			go func() { got <- drainAll(out) }()
			synctest.Wait() // everything that can happen before chunk 0 is done has happened
			if k := taken.Load(); k > workers+1 {
				t.Errorf("Map took %d chunks from in while chunk 0 was still being worked on (workers=%d): a chunk is in flight from when Map receives it until its result is sent on the output, and at most workers+1 may be; hold each chunk's slot (a token, or its place in the FIFO) until its result is sent, not only until f returns", k, workers)
			}
			checkResults(t, <-got, n, "one slow chunk")
		})
	})
	t.Run("a consumer that does not read", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			in, taken := produce(t.Context(), n)
			out := Map(t.Context(), in, workers, result)
			synctest.Wait() // Map has done all it can with nobody reading out
			if k := taken.Load(); k > workers+1 {
				t.Errorf("Map took %d chunks from in while nobody read its output (workers=%d): at most workers+1 chunks may be in flight; a slow consumer must slow the input down", k, workers)
			}
			checkResults(t, drain(t, out), n, "a consumer that does not read")
		})
	})
	// The chunk the allowance is for only waits for room: no call of f
	// works on it. So the calls of f started never run more than workers
	// ahead of the results the consumer has received.
	for _, workers := range []int{1, workers} {
		t.Run(fmt.Sprintf("calls of f with a consumer that does not read, workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in, _ := produce(t.Context(), n)
				var calls atomic.Int64
				out := Map(t.Context(), in, workers, func(c []byte) []byte {
					calls.Add(1)
					return result(c)
				})
				synctest.Wait() // Map has done all it can with nobody reading out
				if k := calls.Load(); k > int64(workers) {
					t.Errorf("Map started %d calls of f while nobody read its output (workers=%d): a chunk is held until its result is sent, so give its slot (token) back after the send on the output, not when its result is ready", k, workers)
				}
				checkResults(t, drain(t, out), n, "a consumer that does not read")
			})
		})
	}
}

func TestClosesTheOutputWhenTheInputEnds(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		t.Run(fmt.Sprintf("chunks=%d", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in, _ := produce(t.Context(), n)
				checkResults(t, drain(t, Map(t.Context(), in, 2, result)), n, fmt.Sprintf("%d chunks", n))
			})
		})
	}
}

func TestStopsWhenCancelled(t *testing.T) {
	t.Run("while the consumer reads", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			in, _ := produce(ctx, 1<<30) // more than anyone will read
			out := Map(ctx, in, 3, func(c []byte) []byte {
				time.Sleep(time.Millisecond)
				return result(c)
			})
			for range 5 {
				<-out
			}
			synctest.Wait() // Map is as far as it can get: blocked, or waiting on ctx
			cancel()
			drain(t, out) // fails the test if out is never closed
			// Calls of f still going after the close are another test's
			// business: let them finish rather than fail here.
			time.Sleep(time.Hour)
		})
	})
	t.Run("when the consumer walks away", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			in, _ := produce(ctx, 1<<30)
			out := Map(ctx, in, 3, result)
			for range 5 {
				<-out
			}
			synctest.Wait() // Map is as far as it can get: blocked, or waiting on ctx
			cancel()        // ... and never read out again
			synctest.Wait() // every goroutine has exited or is blocked for good
			if left := goroutinesOfMap(); left > 0 {
				t.Fatalf("%d goroutine(s) of Map were still blocked after ctx was cancelled and the consumer stopped reading: every send and receive in Map must also select on ctx.Done()", left)
			}
		})
	})
}

func TestClosesTheOutputOnlyAfterEveryCallReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var closed atomic.Bool
		var late atomic.Int64 // calls of f that returned after out was closed
		in, _ := produce(ctx, 1<<30)
		out := Map(ctx, in, 4, func(c []byte) []byte {
			defer func() {
				if closed.Load() {
					late.Add(1)
				}
			}()
			// Staggered, so that when chunk 0's result arrives the
			// calls for chunks 1 to 3 are still asleep.
			time.Sleep(time.Duration(index(c)%4+1) * 10 * time.Millisecond)
			return result(c)
		})
		<-out
		cancel()
		drain(t, out)
		// Bubble time stands still until this goroutine sleeps, so no call
		// of f can return between the close and this line.
		closed.Store(true)
		time.Sleep(time.Hour) // any call still going returns meanwhile
		if n := late.Load(); n > 0 {
			t.Fatalf("the output was closed while %d call(s) of f were still running: close it only after every call has returned (wait for them), so the caller knows Map is done with its chunks", n)
		}
	})
}

// The input stays open and quiet, and ctx is cancelled: Map must close
// its output all the same. A receive from in that does not also watch
// ctx.Done() waits for ever.
func TestClosesTheOutputOnCancelWhileTheInputIsIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		in := make(chan []byte) // never sent on, never closed
		out := Map(ctx, in, 2, result)
		closed := make(chan struct{})
		go func() {
			for range out {
			}
			close(closed)
		}()
		synctest.Wait()
		cancel()
		select {
		case <-closed:
		case <-time.After(time.Second):
			t.Fatalf("the output was still open a second after ctx was cancelled, with the input open and idle: receive from in in a select that also watches ctx.Done()")
		}
	})
}

// Cancelled mid-stream with input always ready: once the output is
// closed, no call of f starts. Closing before every goroutine started has
// returned (a WaitGroup Add inside the goroutine it counts, or a wait that
// does not first stop the dispatcher) lets one start late. Repeated, as
// the late start depends on the interleaving.
func TestStartsNoCallAfterTheOutputIsClosed(t *testing.T) {
	const runs = 300
	late := 0
	for range runs {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			in := make(chan []byte, 64)
			for j := range 64 {
				in <- chunk(j)
			}
			close(in)
			var closed, lateCalls atomic.Int64
			out := Map(ctx, in, 4, func(c []byte) []byte {
				if closed.Load() != 0 {
					lateCalls.Add(1)
				}
				return result(c)
			})
			n := 0
			for range out {
				if n++; n == 3 {
					cancel()
				}
			}
			closed.Store(1)
			synctest.Wait()
			if lateCalls.Load() > 0 {
				late++
			}
		})
	}
	if late > 0 {
		t.Fatalf("in %d of %d runs cancelled mid-stream, a call of f started after the output was closed: close it only once the goroutine that starts calls has stopped and every call has returned (count each call with wg.Add before its goroutine starts)", late, runs)
	}
}

func TestTreatsWorkersBelowOneAsOne(t *testing.T) {
	for _, workers := range []int{0, -3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in, _ := produce(t.Context(), 10)
				checkResults(t, drain(t, Map(t.Context(), in, workers, result)), 10, fmt.Sprintf("workers=%d", workers))
			})
		})
	}
}

// A chunk is its index, 8 bytes big-endian, followed by some text; its
// result is the same bytes followed by "!".

func chunk(i int) []byte {
	return fmt.Appendf(binary.BigEndian.AppendUint64(nil, uint64(i)), " chunk %d", i)
}

func index(c []byte) int { return int(binary.BigEndian.Uint64(c)) }

// result is the f of most tests: it copies the chunk rather than append to
// it, so it never writes to memory the test still reads.
func result(c []byte) []byte { return append(bytes.Clone(c), '!') }

// produce sends chunk(0) ... chunk(n-1) on the returned channel, then
// closes it. It stops early if ctx is done. taken counts the chunks Map has
// received.
func produce(ctx context.Context, n int) (in <-chan []byte, taken *atomic.Int64) {
	ch := make(chan []byte)
	taken = new(atomic.Int64)
	go func() {
		defer close(ch)
		for i := range n {
			select {
			case ch <- chunk(i):
				taken.Add(1)
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, taken
}

// drain reads out until it is closed and returns what it read. It fails
// the test if out is still open after a day of bubble time, far longer than
// any test's work takes.
func drain(t *testing.T, out <-chan []byte) [][]byte {
	t.Helper()
	done := make(chan [][]byte, 1)
	go func() { done <- drainAll(out) }()
	select {
	case got := <-done:
		return got
	case <-time.After(24 * time.Hour):
		t.Fatalf("the output channel was never closed%s: close it once the input is closed and every result is sent, or once ctx is done", whereStuck())
		return nil
	}
}

func drainAll(out <-chan []byte) [][]byte {
	var got [][]byte
	for r := range out {
		got = append(got, r)
	}
	return got
}

// checkResults fails the test unless got holds the results of chunk(0) ...
// chunk(n-1), in that order.
func checkResults(t *testing.T, got [][]byte, n int, where string) {
	t.Helper()
	for i := range min(len(got), n) {
		if want := result(chunk(i)); !bytes.Equal(got[i], want) {
			t.Fatalf("result %d was the result of %s, want that of chunk %d (%s): results must leave in the order their chunks arrived, whatever order the calls finish in", i, describe(got[i]), i, where)
		}
	}
	if len(got) != n {
		t.Fatalf("got %d results for %d chunks (%s): send exactly one result per chunk", len(got), n, where)
	}
}

func describe(r []byte) string {
	if len(r) < 8 {
		return fmt.Sprintf("%q (not a result of f)", r)
	}
	return fmt.Sprintf("chunk %d", index(r))
}

// randomDelays returns n made-up durations, up to 10ms, the same for the
// same seed.
func randomDelays(seed uint64, n int) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 42))
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = time.Duration(r.IntN(10_000)) * time.Microsecond
	}
	return d
}

// A gauge counts the calls running now and remembers the most at once.
type gauge struct {
	now, most atomic.Int64
}

// enter counts a call in and returns the function that counts it out.
func (g *gauge) enter() (leave func()) {
	v := g.now.Add(1)
	for {
		m := g.most.Load()
		if v <= m || g.most.CompareAndSwap(m, v) {
			break
		}
	}
	return func() { g.now.Add(-1) }
}

func (g *gauge) highWater() int64 { return g.most.Load() }

// goroutinesOfMap counts the goroutines that are running, or were started
// by, the code under test: those whose stack names a file of this package
// that is not a test. (runtime.NumGoroutine would also count the runtime's
// finalizer goroutine whenever it happens to be running a finalizer.)
func goroutinesOfMap() int {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, m := range sourceFile.FindAllStringSubmatch(g, -1) {
			if !strings.HasSuffix(m[1], "_test") {
				count++
				break
			}
		}
	}
	return count
}

// whereStuck says where this package's goroutines are blocked, from a dump
// of every goroutine: ", in chan send at ordered.go:40", for up to
// three places; "" if there are none.
func whereStuck() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var places []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		state := goroutineState.FindStringSubmatch(g)
		var at []string
		for _, m := range codeLine.FindAllStringSubmatch(g, -1) {
			if !strings.HasSuffix(m[1], "_test.go") {
				at = m
				break
			}
		}
		if state == nil || at == nil {
			continue
		}
		place := fmt.Sprintf("%s at %s:%s", strings.TrimSuffix(state[1], " (durable)"), at[1], at[2])
		if !slices.Contains(places, place) && len(places) < 3 {
			places = append(places, place)
		}
	}
	if len(places) == 0 {
		return ""
	}
	return ", with your goroutines stuck in " + strings.Join(places, ", ")
}

var (
	goroutineState = regexp.MustCompile(`^goroutine \d+ \[([^,\]]+)`)
	// codeLine is the first line of a goroutine's stack in a file of the
	// package under test that is not a test file.
	codeLine = regexp.MustCompile(`/ordered/(\w+\.go):(\d+)`)
)

// sourceFile matches a file of this package in a stack trace.
var sourceFile = regexp.MustCompile(`/ordered/(\w+)\.go:\d+`)
