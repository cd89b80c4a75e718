package leak

// The graded behaviours of Sums. Each test's name is the behaviour it
// proves, and each failure message says what went wrong and where to look.
// Leaks are found with goleak: after Sums returns, no goroutine it started
// may be left, whichever way it returned.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

const chunkSize = 64

func TestWritesOneSumPerChunkInOrder(t *testing.T) {
	for _, workers := range []int{1, 3, 8} {
		for _, n := range []int{0, 1, chunkSize - 1, chunkSize, 300*chunkSize + 7} {
			t.Run(fmt.Sprintf("workers=%d,bytes=%d", workers, n), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					input := data(n)
					var dst strings.Builder
					if err := Sums(t.Context(), &dst, bytes.NewReader(input), chunkSize, workers); err != nil {
						t.Fatalf("Sums of %d bytes returned %v, want nil", n, err)
					}
					checkLines(t, dst.String(), want(input), fmt.Sprintf("%d bytes, workers=%d", n, workers))
				})
			})
		}
	}
}

var (
	errRead  = errors.New("disk on fire")
	errWrite = errors.New("disk full")
)

func TestReturnsTheReadError(t *testing.T) {
	src := io.MultiReader(bytes.NewReader(data(40*chunkSize)), errReader{errRead})
	err := Sums(t.Context(), io.Discard, src, chunkSize, 4)
	if !errors.Is(err, errRead) {
		t.Fatalf("Sums over a reader that fails after 40 chunks returned %v, want the read error %q", err, errRead)
	}
}

func TestReturnsTheWriteError(t *testing.T) {
	err := Sums(t.Context(), &failingWriter{okLines: 3}, bytes.NewReader(data(1000*chunkSize)), chunkSize, 4)
	if !errors.Is(err, errWrite) {
		t.Fatalf("Sums into a writer that fails on its 4th line returned %v, want the write error %q", err, errWrite)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatalf("Sums into a writer that fails on its 4th line returned %q, which is also context.Canceled: return the write error alone, not joined with the cancellation Sums's own cancel caused in the reader (a caller would take the run for cancelled)", err)
	}
}

func TestReturnsTheContextError(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := &endlessReader{cancelAt: 10, cancel: cancel}
	err := Sums(ctx, io.Discard, src, chunkSize, 4)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sums returned %v after its context was cancelled, want context.Canceled", err)
	}
}

// TestReturnsTheContextErrorWhenNothingElseFails cancels the context at
// moments when no sum is left on its way to the writer, so the writer's own
// ctx check never sees it: the stage that stops because of ctx must report
// ctx's error itself, not return nil as if the input had ended. Which way
// a select goes when several cases are ready is random, so each case runs
// 16 times: a stage that returns nil on ctx.Done() is caught on one of
// them with a probability of at least 1 - 2^-16.
func TestReturnsTheContextErrorWhenNothingElseFails(t *testing.T) {
	t.Run("cancelled before the start", func(t *testing.T) {
		for range 16 {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				err := Sums(ctx, io.Discard, &slowReader{}, chunkSize, 4)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Sums with a context cancelled before the start returned %s, want context.Canceled: a stage that stops because ctx is done must return ctx.Err(), and Sums must return it", errText(err))
				}
			})
		}
	})
	t.Run("cancelled with every sum written", func(t *testing.T) {
		for range 16 {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				src := &drainedReader{cancelAt: 10, cancel: cancel}
				err := Sums(ctx, io.Discard, src, chunkSize, 4)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Sums returned %s after its context was cancelled while the reader read chunk 10 (every earlier sum already written), want context.Canceled: a stage that stops because ctx is done must return ctx.Err(), not nil", errText(err))
				}
			})
		}
	})
}

// TestReturnsTheContextErrorWhenLinesAreLost cancels the context inside
// the first write, once the reader has reached the end of src and the one
// hasher holds the last sum: the hasher stops on ctx and drops that sum,
// and the writer then sees sums closed, as at a normal end. The output
// is a line short, so Sums must return ctx's error, not nil.
func TestReturnsTheContextErrorWhenLinesAreLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		w := &cancellingWriter{cancel: cancel}
		input := data(2 * chunkSize)
		err := Sums(ctx, w, bytes.NewReader(input), chunkSize, 1)
		lines := strings.Count(w.String(), "\n")
		if err == nil && lines < len(want(input)) {
			t.Fatalf("Sums returned nil having written %d of %d lines, after its context was cancelled during the first write (the reader had already reached the end of src): a stage stopped by ctx that drops a sum must lead Sums to return ctx's error; the reader's nil and a closed sums channel do not mean every line was written", lines, len(want(input)))
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("Sums returned %q after its context was cancelled during the first write, want context.Canceled", err)
		}
	})
}

func TestLeavesNoGoroutineAfterSuccess(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	if err := Sums(t.Context(), io.Discard, bytes.NewReader(data(500*chunkSize)), chunkSize, 4); err != nil {
		t.Fatalf("Sums returned %v, want nil", err)
	}
	checkNoLeak(t, ignore, "after a successful run")
}

func TestLeavesNoGoroutineAfterAReadError(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	src := io.MultiReader(bytes.NewReader(data(40*chunkSize)), errReader{errRead})
	_ = Sums(t.Context(), io.Discard, src, chunkSize, 4)
	checkNoLeak(t, ignore, "after a read error")
}

func TestLeavesNoGoroutineAfterAWriteError(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	_ = Sums(t.Context(), &failingWriter{okLines: 3}, bytes.NewReader(data(1000*chunkSize)), chunkSize, 4)
	checkNoLeak(t, ignore, "after a write error")
}

func TestLeavesNoGoroutineAfterCancel(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_ = Sums(ctx, io.Discard, &endlessReader{cancelAt: 10, cancel: cancel}, chunkSize, 4)
	checkNoLeak(t, ignore, "after its context was cancelled")
}

func TestStopsReadingWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := &endlessReader{cancelAt: 10, cancel: cancel}
	ignore := goleak.IgnoreCurrent()
	_ = Sums(ctx, io.Discard, src, chunkSize, 4)
	atReturn := src.chunksAfterCancel()
	_ = goleak.Find(ignore) // gives stray goroutines time to finish, and read
	if after := src.chunksAfterCancel(); after > 16 {
		t.Fatalf("Sums read %d more chunks after its context was cancelled (%d of them after it had returned): the reading loop must check ctx and stop, not read on until the input ends", after, after-atReturn)
	}
}

// TestStartsNoReadAfterTheCancellingOne cancels the context inside a Read,
// once every earlier sum has been written, so hashers are idle and waiting
// for a chunk. The reader must start no other Read: check ctx before each
// Read. A select between sending the chunk and ctx.Done() alone picks at
// random when both are ready, so a reader that relies on it reads on about
// every other time; the case runs 32 times, so such a reader passes them
// all with a probability of 2^-32.
func TestStartsNoReadAfterTheCancellingOne(t *testing.T) {
	for range 32 {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			src := &drainedReader{cancelAt: 5, cancel: cancel}
			_ = Sums(ctx, io.Discard, src, chunkSize, 4)
			if after := src.reads.Load() - (5 + 1); after > 0 {
				t.Fatalf("Sums read src %d more time(s) after the Read during which its context was cancelled: check ctx before each Read (a select on ctx.Done() around the send is a coin toss when a hasher is waiting too)", after)
			}
		})
	}
}

// TestReadsNothingWithADoneContext calls Sums with a context already
// cancelled: the reader must not Read src at all. It checks ctx before
// each Read, the first one too, not only after a Read.
func TestReadsNothingWithADoneContext(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				src := &slowReader{}
				err := Sums(ctx, io.Discard, src, chunkSize, workers)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Sums with a context cancelled before the call returned %s, want context.Canceled", errText(err))
				}
				if n := src.reads.Load(); n > 0 {
					t.Fatalf("Sums with a context cancelled before the call read src %d time(s), want none: check ctx before each Read, the first one too, not after it", n)
				}
			})
		})
	}
}

// errCause is the cause a test cancels ctx with.
var errCause = errors.New("test: stopped, with a cause")

// TestReturnsCtxErrNotItsCause cancels the context with a cause: ctx's
// error is still ctx.Err(), context.Canceled (or DeadlineExceeded).
// context.Cause(ctx) is the cause, for whoever cancelled ctx to read; it
// is not the error Sums returns.
func TestReturnsCtxErrNotItsCause(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T) error
		want error
	}{
		{"cancelled before the start", func(t *testing.T) error {
			ctx, cancel := context.WithCancelCause(t.Context())
			cancel(errCause)
			return Sums(ctx, io.Discard, &slowReader{}, chunkSize, 4)
		}, context.Canceled},
		{"cancelled inside a Read", func(t *testing.T) error {
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			src := &drainedReader{cancelAt: 5, cancel: func() { cancel(errCause) }}
			return Sums(ctx, io.Discard, src, chunkSize, 4)
		}, context.Canceled},
		{"cancelled inside a write", func(t *testing.T) error {
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			w := &cancellingWriter{cancel: func() { cancel(errCause) }}
			return Sums(ctx, w, bytes.NewReader(data(20*chunkSize)), chunkSize, 4)
		}, context.Canceled},
		{"past its deadline while reading", func(t *testing.T) error {
			ctx, cancel := context.WithTimeoutCause(t.Context(), 5500*time.Microsecond, errCause)
			defer cancel()
			return Sums(ctx, io.Discard, &slowReader{}, chunkSize, 4)
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := tc.run(t)
				if !errors.Is(err, tc.want) || errors.Is(err, errCause) {
					t.Fatalf("Sums returned %s when its context was %s with a cause, %q: return ctx's error, ctx.Err() (%q), not context.Cause(ctx), which is the cause", errText(err), tc.name, errCause, tc.want)
				}
			})
		})
	}
}

// TestWaitsForItsReaderBeforeReturning checks the contract at the moment
// Sums returns, not a little later: the reader must have stopped by then.
// In a synctest bubble each Read of src takes 1ms and the first write fails
// after 0.5ms, so the write fails while the reader is inside a Read. Sums
// must wait for that Read to end (and its reader to stop) before it
// returns; goroutines that only exit "soon after" break the contract, and
// the caller may already be closing src.
//
// In the second case the first two Reads take no time and there is one
// hasher, so when the write fails that hasher holds a sum and leaves by
// ctx.Done: draining sums then proves nothing about the reader, which is
// inside its third Read. Sums must still wait for it, on a write error as
// on a cancel.
func TestWaitsForItsReaderBeforeReturning(t *testing.T) {
	for _, c := range []struct {
		name          string
		fast, workers int
	}{
		{"every stage waiting on the reader", 0, 4},
		{"the hasher leaving by ctx.Done", 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src := &slowReader{fast: int64(c.fast)}
				err := Sums(t.Context(), &slowFailingWriter{}, src, chunkSize, c.workers)
				if !errors.Is(err, errWrite) {
					t.Fatalf("Sums returned %v, want the write error %q", err, errWrite)
				}
				inRead := src.inRead.Load()
				src.returned.Store(true)
				time.Sleep(time.Hour) // whatever is still running runs now
				if inRead > 0 {
					t.Fatalf("Sums returned after a write error while its reader was still inside src.Read: after cancelling, wait for every goroutine it started (the reader too, whatever the error) before returning")
				}
				if n := src.readsAfterReturn.Load(); n > 0 {
					t.Fatalf("src was read %d more time(s) after Sums had returned: wait for the reader to stop before returning", n)
				}
			})
		})
	}
}

// TestLeavesNoHasherRunningAtReturn checks the hashers at the moment Sums
// returns after a cancel, without the retries goleak allows: a hasher that
// exits "soon after" still breaks the contract. With one processor, a
// goroutine Sums did not wait for has not run yet when Sums returns, so
// it shows in the stack dump taken right then.
func TestLeavesNoHasherRunningAtReturn(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const runs = 50
	late := 0
	for range runs {
		ctx, cancel := context.WithCancel(t.Context())
		src := &endlessReader{cancelAt: 20, cancel: cancel}
		err := Sums(ctx, io.Discard, src, chunkSize, 4)
		left := goroutinesInThisPackage()
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Sums returned %v after ctx was cancelled, want context.Canceled", err)
		}
		if left > 0 {
			late++
		}
	}
	if late > 0 {
		t.Fatalf("in %d of %d runs, goroutines of Sums were still alive when it returned after a cancel: cancel, then wait for every stage (drain what the hashers send, or wait on a WaitGroup) before returning", late, runs)
	}
}

// goroutinesInThisPackage counts the goroutines, other than the caller and
// the tests, with a function of this package on their stack.
func goroutinesInThisPackage() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the caller
		}
		for _, line := range strings.Split(g, "\n") {
			if strings.Contains(line, "/leak.") && !strings.Contains(line, "/leak.Test") {
				n++
				break
			}
		}
	}
	return n
}

// TestLeavesNoGoroutineWhenAWriteFailsUnderBackpressure makes the
// write-error path deterministic: the writer is slow, so by the time its
// third line fails every hasher holds a sum it cannot hand over and the
// reader holds a chunk no hasher takes. Every one of them must still get
// out. The bubble fails the test if any goroutine is left blocked.
func TestLeavesNoGoroutineWhenAWriteFailsUnderBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &slowWriter{okLines: 2}
		err := Sums(t.Context(), w, bytes.NewReader(data(1000*chunkSize)), chunkSize, 4)
		if !errors.Is(err, errWrite) {
			t.Fatalf("Sums into a slow writer that fails on its 3rd line returned %v, want the write error %q", err, errWrite)
		}
		time.Sleep(time.Hour) // then every goroutine Sums started must have exited
	})
}

func TestRejectsBadArguments(t *testing.T) {
	for _, c := range []struct{ size, workers int }{{0, 2}, {-1, 2}, {64, 0}, {64, -1}} {
		t.Run(fmt.Sprintf("size=%d,workers=%d", c.size, c.workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				if err := Sums(t.Context(), io.Discard, bytes.NewReader(data(1000)), c.size, c.workers); err == nil {
					t.Fatalf("Sums with size %d and workers %d returned nil, want an error naming the bad argument", c.size, c.workers)
				}
			})
		})
	}
}

// data returns n bytes of input that differ from chunk to chunk.
func data(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/chunkSize)
	}
	return b
}

// want returns the lines Sums must write for input.
func want(input []byte) []string {
	var lines []string
	for len(input) > 0 {
		c := input[:min(chunkSize, len(input))]
		lines = append(lines, fmt.Sprintf("%x", sha256.Sum256(c)))
		input = input[len(c):]
	}
	return lines
}

func checkLines(t *testing.T, got string, want []string, where string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if got == "" {
		lines = nil
	}
	for i := range min(len(lines), len(want)) {
		if lines[i] != want[i] {
			t.Fatalf("line %d is %q, want %q, the sum of chunk %d (%s): one line per chunk, in chunk order", i+1, lines[i], want[i], i, where)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("Sums wrote %d lines, want %d, one per chunk (%s)", len(lines), len(want), where)
	}
}

var leakedAt = regexp.MustCompile(`in state ([^,]+), with (\S+) on top of the stack`)

// checkNoLeak fails the test if goroutines other than those ignored are
// still running, naming where the first one is stuck.
func checkNoLeak(t *testing.T, ignore goleak.Option, when string) {
	t.Helper()
	err := goleak.Find(ignore)
	if err == nil {
		return
	}
	found := leakedAt.FindAllStringSubmatch(err.Error(), -1)
	if len(found) == 0 {
		t.Fatalf("Sums left goroutines running %s: %v", when, err)
	}
	// Name a goroutine stuck in this package's code if there is one: that
	// is where the fix goes.
	first := found[0]
	for _, f := range found {
		if strings.Contains(f[2], "/leak.") {
			first = f
			break
		}
	}
	t.Fatalf("Sums left %d goroutine(s) running %s, one blocked in %q in %s: every send must also select on ctx.Done(), and Sums must cancel and wait for its stages before returning", len(found), when, first[1], first[2])
}

// An errReader fails every Read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// A failingWriter accepts okLines lines and fails every write after them.
type failingWriter struct {
	okLines int
	lines   int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte("\n"))
	if w.lines > w.okLines {
		return 0, errWrite
	}
	return len(p), nil
}

// An endlessReader never runs out. It calls cancel once cancelAt chunks
// have been read, and counts what is read after that; so that a Sums that
// never stops still ends, it fails after 10000 more chunks.
type endlessReader struct {
	cancelAt int
	cancel   context.CancelFunc
	read     atomic.Int64 // bytes
	after    atomic.Int64 // bytes read after cancel
}

func (r *endlessReader) Read(p []byte) (int, error) {
	total := r.read.Add(int64(len(p)))
	if total > int64(r.cancelAt*chunkSize) {
		r.cancel()
		if r.after.Add(int64(len(p))) > 10000*chunkSize {
			return 0, errors.New("read 10000 chunks after cancel")
		}
	}
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

func (r *endlessReader) chunksAfterCancel() int64 {
	return r.after.Load() / chunkSize
}

// A drainedReader never ends. Before its chunk cancelAt it waits until
// everything else in the bubble has settled (every earlier sum written),
// then calls cancel and returns the chunk.
type drainedReader struct {
	cancelAt int
	cancel   context.CancelFunc
	reads    atomic.Int64
}

func (r *drainedReader) Read(p []byte) (int, error) {
	if r.reads.Load() == int64(r.cancelAt) {
		time.Sleep(time.Millisecond) // the pipeline drains meanwhile
		r.cancel()
	}
	r.reads.Add(1)
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

// errText quotes err's message, or says nil.
func errText(err error) string {
	if err == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", err)
}

// A slowReader takes 1ms (of bubble time) per Read, but for its first
// fast Reads, and never ends. It counts the Reads in progress, and those
// begun once returned is set.
type slowReader struct {
	fast             int64
	reads            atomic.Int64
	inRead           atomic.Int64
	returned         atomic.Bool
	readsAfterReturn atomic.Int64
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.returned.Load() {
		r.readsAfterReturn.Add(1)
	}
	r.inRead.Add(1)
	defer r.inRead.Add(-1)
	if r.reads.Add(1) > r.fast {
		time.Sleep(time.Millisecond)
	}
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

// A slowFailingWriter fails its first write after 0.5ms (of bubble time).
type slowFailingWriter struct{}

func (slowFailingWriter) Write([]byte) (int, error) {
	time.Sleep(500 * time.Microsecond)
	return 0, errWrite
}

// A slowWriter takes 1ms (of bubble time) per write, accepts okLines
// lines and fails every write after them.
type slowWriter struct {
	okLines int
	lines   int
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	if w.lines >= w.okLines {
		return 0, errWrite
	}
	w.lines++
	return len(p), nil
}

// A cancellingWriter keeps what it is given. Each write waits until
// everything else in the bubble has settled, calls cancel, and waits again
// so that the stages that see ctx done act on it.
type cancellingWriter struct {
	strings.Builder
	cancel context.CancelFunc
}

func (w *cancellingWriter) Write(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	w.cancel()
	time.Sleep(time.Millisecond)
	return w.Builder.Write(p)
}
