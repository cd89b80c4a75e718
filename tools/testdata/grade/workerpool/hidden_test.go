package workerpool

// The graded behaviours of Run. Each test's name is the behaviour it
// proves, and each failure message says what went wrong and where to look.
// Time-dependent tests run in a synctest bubble: time.Sleep there is
// virtual, so "slow" tasks cost nothing and nothing depends on the
// machine's speed.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestRunsEveryTaskExactlyOnce(t *testing.T) {
	for _, workers := range []int{1, 3, 8} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 100
				var calls [n]atomic.Int32
				err := runWithin(t, n, workers, func(ctx context.Context, i int) error {
					if i < 0 || i >= n {
						t.Errorf("task called with i = %d, want 0 <= i < %d", i, n)
						return nil
					}
					calls[i].Add(1)
					time.Sleep(delay(i))
					return nil
				})
				if err != nil {
					t.Fatalf("Run returned %v, want nil when every task succeeds (workers=%d)", err, workers)
				}
				for i := range calls {
					if got := calls[i].Load(); got != 1 {
						t.Fatalf("task %d ran %d times, want exactly once (workers=%d)", i, got, workers)
					}
				}
			})
		})
	}
}

func TestNeverRunsMoreThanWorkersTasksAtOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 5} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g gauge
				err := runWithin(t, 60, workers, func(ctx context.Context, i int) error {
					defer g.enter()()
					time.Sleep(delay(i))
					return nil
				})
				if err != nil {
					t.Fatalf("Run returned %v, want nil", err)
				}
				if hw := g.highWater(); hw > int64(workers) {
					t.Fatalf("%d tasks ran at once with workers=%d: never run more tasks at once than there are workers", hw, workers)
				}
			})
		})
	}
}

func TestKeepsEveryWorkerBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers = 4
		var g gauge
		err := runWithin(t, 40, workers, func(ctx context.Context, i int) error {
			defer g.enter()()
			time.Sleep(time.Millisecond)
			return nil
		})
		if err != nil {
			t.Fatalf("Run returned %v, want nil", err)
		}
		if hw := g.highWater(); hw < workers {
			t.Fatalf("at most %d task(s) ever ran at once with workers=%d and 40 slow tasks: run the tasks on all the workers in parallel", hw, workers)
		}
	})
}

func TestStartsNoGoroutinePerTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, workers = 500, 4
		before := runtime.NumGoroutine()
		var most atomic.Int64
		err := runWithin(t, n, workers, func(ctx context.Context, i int) error {
			raise(&most, int64(runtime.NumGoroutine()-before))
			time.Sleep(time.Millisecond)
			return nil
		})
		if err != nil {
			t.Fatalf("Run returned %v, want nil", err)
		}
		// runWithin itself runs Run on one goroutine; allow two more for a
		// feeder and a closer.
		if extra := most.Load() - 1; extra > workers+2 {
			t.Fatalf("Run had %d goroutines at once for %d tasks with workers=%d: start the workers once and hand them the indexes, rather than a goroutine per task", extra, n, workers)
		}
	})
}

var errFirst = errors.New("task 3 failed")

func TestReturnsTheFirstError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := runWithin(t, 50, 4, func(ctx context.Context, i int) error {
			if i == 3 {
				time.Sleep(time.Millisecond)
				return errFirst
			}
			// The others fail too, later: cancelled by the first failure,
			// or else giving up after an hour.
			select {
			case <-ctx.Done():
				return fmt.Errorf("task %d: %w", i, ctx.Err())
			case <-time.After(time.Hour):
				return fmt.Errorf("task %d gave up waiting", i)
			}
		})
		if !errors.Is(err, errFirst) {
			t.Fatalf("Run returned %s, want the first error, %q: keep the first error a task returns and drop the ones after it (they are usually the cancellation it caused)", errText(err), errFirst)
		}
		if errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %s, which is also context.Canceled: return the first error alone, not joined with the cancellations it caused in the other tasks (a caller would take the run for cancelled)", errText(err))
		}
	})
}

func TestKeepsOneErrorWhenSeveralFailAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Every task of the first batch fails at the same moment, on its
		// own worker: keeping the first error must be safe when several
		// arrive together (the race detector watches), and a second
		// error must not block anybody.
		err := runWithin(t, 8, 4, func(ctx context.Context, i int) error {
			time.Sleep(time.Millisecond)
			return fmt.Errorf("task %d failed", i)
		})
		i := -1
		if err != nil {
			fmt.Sscanf(err.Error(), "task %d failed", &i)
		}
		if i < 0 || i >= 4 {
			t.Fatalf("Run returned %s when tasks 0 to 3 all failed at once, want one of their errors: keep the first error under a lock (or sync.Once), and never block a worker that has a second error to report", errText(err))
		}
	})
}

func TestCancelsTheOtherTasksOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers = 4
		var notCancelled atomic.Int32
		err := runWithin(t, workers, workers, func(ctx context.Context, i int) error {
			if i == 0 {
				time.Sleep(time.Millisecond)
				return errFirst
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Hour):
				notCancelled.Add(1)
			}
			return nil
		})
		if !errors.Is(err, errFirst) {
			t.Errorf("Run returned %v, want %q", err, errFirst)
		}
		if n := notCancelled.Load(); n > 0 {
			t.Fatalf("%d running task(s) still had a live context an hour after task 0 failed: when a task fails, cancel the context Run passes to the tasks", n)
		}
	})
}

func TestStopsStartingTasksAfterAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, workers = 1000, 2
		var started atomic.Int32
		err := runWithin(t, n, workers, func(ctx context.Context, i int) error {
			started.Add(1)
			if i == 0 {
				return errFirst
			}
			time.Sleep(time.Millisecond)
			return nil
		})
		if !errors.Is(err, errFirst) {
			t.Errorf("Run returned %v, want %q", err, errFirst)
		}
		if s := started.Load(); s > 4*workers+4 {
			t.Fatalf("Run started %d of %d tasks though task 0 failed at once (workers=%d): stop handing out tasks once one has failed", s, n, workers)
		}
	})
}

func TestStopsWhenTheContextIsCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, workers = 10000, 3
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		time.AfterFunc(10*time.Millisecond, cancel)
		var started atomic.Int32
		err := within(t, "Run", func() error {
			return Run(ctx, n, workers, func(context.Context, int) error {
				started.Add(1)
				time.Sleep(time.Millisecond) // a task that ignores its ctx
				return nil
			})
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v after its context was cancelled, want context.Canceled", err)
		}
		if s := started.Load(); s > n/2 {
			t.Fatalf("Run started %d of %d tasks though its context was cancelled after 10ms: check ctx before handing out each task", s, n)
		}
	})
}

func TestWaitsForRunningTasksBeforeReturning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running atomic.Int32
		err := runWithin(t, 4, 4, func(ctx context.Context, i int) error {
			if i == 0 {
				time.Sleep(time.Millisecond) // the others have all started by now
				return errFirst
			}
			running.Add(1)
			defer running.Add(-1)
			time.Sleep(5 * time.Millisecond) // ignores ctx, as real work often does
			return nil
		})
		if !errors.Is(err, errFirst) {
			t.Errorf("Run returned %v, want %q", err, errFirst)
		}
		if r := running.Load(); r > 0 {
			t.Fatalf("Run returned while %d task(s) were still running: wait for every task it started, so that no goroutine outlives Run", r)
		}
	})
}

// TestWaitsForEveryTaskHoweverLongItTakes holds tasks on a channel that
// only the test closes. Bubble time jumps an hour ahead while they wait: a
// Run that "waits" by sleeping wakes up and returns with them still
// running; a Run that joins its workers stays blocked until they return.
func TestWaitsForEveryTaskHoweverLongItTakes(t *testing.T) {
	for _, failing := range []bool{false, true} {
		name := "when every task succeeds"
		if failing {
			name = "after a task fails"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				var running atomic.Int32
				done := make(chan error, 1)
				go func() {
					done <- Run(t.Context(), 4, 4, func(ctx context.Context, i int) error {
						if failing && i == 0 {
							time.Sleep(time.Millisecond) // the others have all started by now
							return errFirst
						}
						running.Add(1)
						defer running.Add(-1)
						<-release // ignores ctx, as a slow write often does
						return nil
					})
				}()
				time.Sleep(time.Hour) // a Run that sleeps instead of joining returns meanwhile
				select {
				case err := <-done:
					r := running.Load()
					close(release)
					t.Fatalf("Run returned %s while %d task(s) were still running (it should have waited for them however long they take): join the workers (sync.WaitGroup's Wait, or a channel each closes) rather than sleep and hope they are done", errText(err), r)
				default:
				}
				close(release)
				<-done
			})
		})
	}
}

// TestSharesTheWorkAmongTheWorkers makes task 0 take an hour and the rest
// a millisecond each. Workers that take their next task from one shared
// queue finish every other task while task 0 runs; workers given a fixed
// share in advance (worker k runs k, k+w, ...; or a block each) leave the
// rest of task 0's share waiting behind it.
func TestSharesTheWorkAmongTheWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, workers = 20, 2
		var finished atomic.Int32   // tasks other than 0 that have returned
		var finishedBy atomic.Int32 // how many had when task 0 finished
		finishedBy.Store(-1)        // -1 until it has
		err := runWithin(t, n, workers, func(ctx context.Context, i int) error {
			if i == 0 {
				time.Sleep(time.Hour)
				finishedBy.Store(finished.Load())
				return nil
			}
			time.Sleep(time.Millisecond)
			finished.Add(1)
			return nil
		})
		if err != nil {
			t.Fatalf("Run returned %v, want nil", err)
		}
		by := finishedBy.Load()
		if by < 0 {
			time.Sleep(2 * time.Hour) // let task 0 finish before the bubble ends
			t.Fatalf("Run returned before task 0 (an hour long) had finished: wait for every task it started before returning")
		}
		if by < n-1 {
			t.Fatalf("while task 0 took an hour, only %d of the other %d one-millisecond tasks finished (workers=%d): the free worker sat idle while tasks waited behind task 0; let every worker take its next task from one shared channel, instead of splitting the tasks among the workers in advance or in batches", by, n-1, workers)
		}
	})
}

// TestStartsNoTaskOnceATaskHasFailed: task 0 fails after 1ms while the
// other workers' tasks sleep until 3ms, so nothing else happens at that
// moment. From then on no task may start: a task whose context is already
// cancelled when it starts was handed out after the failure.
func TestStartsNoTaskOnceATaskHasFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, workers = 100, 4
		var late, lateTask atomic.Int32
		err := runWithin(t, n, workers, func(ctx context.Context, i int) error {
			if ctx.Err() != nil {
				late.Add(1)
				lateTask.CompareAndSwap(0, int32(i))
				return ctx.Err()
			}
			if i == 0 {
				time.Sleep(time.Millisecond)
				return errFirst
			}
			time.Sleep(3 * time.Millisecond)
			return nil
		})
		if !errors.Is(err, errFirst) {
			t.Errorf("Run returned %s, want %q", errText(err), errFirst)
		}
		if l := late.Load(); l > 0 {
			t.Fatalf("%d task(s) (the first, task %d) started after task 0 had failed, with their context already cancelled: each worker must check ctx before it starts a task, because an index already handed out (queued in a buffer, or a send that was waiting) still reaches a worker after the failure", l, lateTask.Load())
		}
	})
}

// TestStartsNoTaskOnceTheCallerHasCancelled: one worker, and task k
// cancels the caller's ctx and returns nil, so task k+1, the last, must
// not start, and Run must return context.Canceled. The cancel can land
// while the feeder is between two hand-outs: its next select then finds a
// worker waiting and ctx done at once, and picks either. So a worker must
// check ctx after it receives an index, and an index dropped that way is
// a task not run. Each round is one toss of that select's coin; a
// thousand rounds, with k from 0 to 3 and a single P (so that the worker
// runs on until it waits again before the feeder resumes), leave nothing
// to chance.
func TestStartsNoTaskOnceTheCallerHasCancelled(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for round := range 1000 {
		k := round % 4
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			late := -1
			err := within(t, "Run", func() error {
				return Run(ctx, k+2, 1, func(ctx context.Context, i int) error {
					if ctx.Err() != nil {
						late = i // one worker: tasks run one at a time
						return ctx.Err()
					}
					if i == k {
						cancel()
					}
					return nil
				})
			})
			if late >= 0 {
				t.Fatalf("task %d started with its context already cancelled: task %d had cancelled the caller's ctx and returned, and the worker still started the next index it was handed (the feeder's select found the worker waiting and ctx done at once, and picked the send): check ctx after receiving an index, before starting its task", late, k)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run(ctx, %d, 1, task) returned %s after task %d cancelled the caller's ctx, and task %d never started; want context.Canceled: ctx was done before every task had started. An index handed out just as ctx ended and dropped by the worker is a task not run: note it, and return ctx's error even though the feeder handed out every index", k+2, errText(err), k, k+1)
			}
		})
		if t.Failed() {
			return
		}
	}
}

// The caller's ctx has a deadline, and the tasks ignore ctx and succeed:
// only Run can report it, with ctx's own error, which says why the run
// ended.
func TestReturnsDeadlineExceededPastTheCallersDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		err := Run(ctx, 10, 2, func(context.Context, int) error {
			time.Sleep(time.Second)
			return nil
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run returned %v when its ctx's deadline passed with tasks not yet started, want ctx.Err(), context.DeadlineExceeded (not a constant context.Canceled)", err)
		}
	})
}

// n=3 tasks on 2 workers, each task a second long and ignoring ctx; the
// caller cancels at 0.5s, before task 2 has started: Run starts it not,
// and returns ctx's error, though every task that ran succeeded. A buffered
// channel of indexes lets the feeder finish early and the cancel go unseen.
func TestReturnsTheCallersErrorWhenCancelledBeforeTheLastTaskStarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var started atomic.Int64
		time.AfterFunc(500*time.Millisecond, cancel)
		err := Run(ctx, 3, 2, func(context.Context, int) error {
			started.Add(1)
			time.Sleep(time.Second) // ignores ctx, succeeds
			return nil
		})
		if n := started.Load(); n == 3 {
			t.Fatalf("task 2 started after the caller cancelled at 0.5s (tasks 0 and 1 ran until 1s): hand out an index only in a select that also watches ctx.Done(), on an unbuffered channel")
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled: ctx was cancelled before task 2 started (%d of 3 started), so the run did not do all its work", err, started.Load())
		}
	})
}

func TestLeavesNoGoroutineBehind(t *testing.T) {
	cases := []struct {
		name string
		task func(ctx context.Context, i int) error
	}{
		{"when every task succeeds", func(context.Context, int) error { return nil }},
		{"when a task fails", func(_ context.Context, i int) error {
			if i == 5 {
				return errFirst
			}
			return nil
		}},
		{"when every task fails", func(_ context.Context, i int) error { return fmt.Errorf("task %d failed", i) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			_ = Run(t.Context(), 100, 4, c.task)
			if err := goleak.Find(ignore); err != nil {
				t.Fatalf("Run left goroutines running %s: %s", c.name, leakSummary(err))
			}
		})
	}
}

// n=2 tasks on 2 workers, each an hour long and ignoring ctx; the caller
// cancels half an hour in, once both have started. Every task started and
// succeeded, so Run returns nil: ctx's error is for a run that ctx stopped
// before every task had started.
func TestReturnsNilWhenCancelledAfterEveryTaskStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		time.AfterFunc(30*time.Minute, cancel)
		err := Run(ctx, 2, 2, func(context.Context, int) error {
			time.Sleep(time.Hour) // ignores ctx, succeeds
			return nil
		})
		if err != nil {
			t.Fatalf("Run returned %v when the caller cancelled after both tasks had started, and both succeeded: return ctx's error only if ctx is done before every task has started; after that the tasks' own errors decide", err)
		}
	})
}

func TestAcceptsAnEmptyBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		err := runWithin(t, 0, 2, func(context.Context, int) error {
			calls.Add(1)
			return nil
		})
		if err != nil {
			t.Errorf("Run(ctx, 0, 2, task) returned %v, want nil: n = 0 is an empty batch, not a bad argument (only n < 0 is)", err)
		}
		if c := calls.Load(); c > 0 {
			t.Errorf("Run(ctx, 0, 2, task) called task %d time(s), want none", c)
		}
	})
}

func TestRejectsBadArguments(t *testing.T) {
	cases := []struct{ n, workers int }{{10, 0}, {10, -1}, {-1, 2}}
	for _, c := range cases {
		t.Run(fmt.Sprintf("n=%d,workers=%d", c.n, c.workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var calls atomic.Int32
				err := runWithin(t, c.n, c.workers, func(context.Context, int) error {
					calls.Add(1)
					return nil
				})
				if err == nil {
					t.Errorf("Run(ctx, %d, %d, task) returned nil, want an error naming the bad argument", c.n, c.workers)
				}
				if calls.Load() > 0 {
					t.Errorf("Run(ctx, %d, %d, task) called task %d time(s), want none", c.n, c.workers, calls.Load())
				}
			})
		})
	}
}

// runWithin runs Run(t.Context(), n, workers, task) and returns its error,
// failing the test if Run has not returned after a day of bubble time.
func runWithin(t *testing.T, n, workers int, task func(context.Context, int) error) error {
	t.Helper()
	return within(t, fmt.Sprintf("Run(ctx, %d, %d, task)", n, workers), func() error {
		return Run(t.Context(), n, workers, task)
	})
}

// within runs f on its own goroutine and returns its result. If f has not
// returned after a day of bubble time (far longer than any task here
// takes), the test stops there: something in f waits for an event that
// never comes.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(24 * time.Hour):
		t.Fatalf("%s had not returned after a day: it is blocked for ever%s (a receive from a channel nobody sends on or closes? a send nobody receives, such as a second error on a channel with room for one? a worker waiting for work after the last task?)", what, whereStuck())
		return nil
	}
}

// errText quotes err's message, or says nil.
func errText(err error) string {
	if err == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", err)
}

// delay is task i's made-up duration: uneven, so tasks finish out of order.
func delay(i int) time.Duration {
	return time.Duration((i*7919)%13) * time.Millisecond
}

// A gauge counts the tasks running now and remembers the most at once.
type gauge struct {
	now, most atomic.Int64
}

// enter counts a task in and returns the function that counts it out.
func (g *gauge) enter() (leave func()) {
	raise(&g.most, g.now.Add(1))
	return func() { g.now.Add(-1) }
}

func (g *gauge) highWater() int64 { return g.most.Load() }

// raise sets max to v if v is larger.
func raise(max *atomic.Int64, v int64) {
	for {
		m := max.Load()
		if v <= m || max.CompareAndSwap(m, v) {
			return
		}
	}
}

// whereStuck says where this package's goroutines are blocked, from a dump
// of every goroutine: ", in chan send at workerpool.go:40 (feed)", for up to
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
	codeLine = regexp.MustCompile(`/workerpool/(\w+\.go):(\d+)`)
)

var leakedAt = regexp.MustCompile(`in state ([^,]+), with (\S+) on top of the stack`)

// leakSummary turns goleak's report into one line: how many goroutines,
// where they are stuck and in what state.
func leakSummary(err error) string {
	found := leakedAt.FindAllStringSubmatch(err.Error(), -1)
	if len(found) == 0 {
		return err.Error()
	}
	return fmt.Sprintf("%d goroutine(s), the first blocked in %q in %s", len(found), found[0][1], found[0][2])
}
