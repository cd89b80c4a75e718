package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The order of acquisition, tested on the Governor itself: two
// goroutines, each wanting the same two resources, with just enough of
// each for one of them. Taken in opposite orders they deadlock; taken in
// the Governor's order (bytes first, then a token) they never can.

// docs:region wrong-order
// wrongOrder is two goroutines of two files, each taking what the other
// needs: a worker that holds a CPU token and then waits for its chunk's
// bytes, and a reader that holds a chunk's bytes and then waits for a CPU
// token. Both have taken their first resource before either asks for its
// second (held is that moment), so each waits for what the other holds.
func wrongOrder(ctx context.Context, g *Governor, cost int64, held *sync.WaitGroup) (worker, reader func() error) {
	worker = func() error {
		if err := acquire(ctx, g.cpu, &g.busy, 1); err != nil {
			return err
		}
		defer release(g.cpu, &g.busy, 1)
		held.Done()
		held.Wait()
		if err := g.acquireBytes(ctx, cost); err != nil { // waits for the reader's bytes
			return err
		}
		g.releaseBytes(cost)
		return nil
	}
	reader = func() error {
		if err := g.acquireBytes(ctx, cost); err != nil {
			return err
		}
		defer g.releaseBytes(cost)
		held.Done()
		held.Wait()
		return g.withCPU(ctx, func() error { return nil }) // waits for the worker's token
	}
	return worker, reader
}

// docs:endregion wrong-order

// rightOrder is the same two goroutines in the Governor's order: each
// takes the chunk's bytes first, then a CPU token for the step, and
// gives the token back before anything else.
func rightOrder(ctx context.Context, g *Governor, cost int64) func() error {
	return func() error {
		if err := g.acquireBytes(ctx, cost); err != nil {
			return err
		}
		defer g.releaseBytes(cost)
		return g.withCPU(ctx, func() error { return nil })
	}
}

// oneOfEach is a Governor with one CPU token and bytes for one chunk.
func oneOfEach(t *testing.T, cost int64) *Governor {
	g, err := NewGovernor(Limits{CPU: 1, IO: 1, Bytes: cost})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Taken in opposite orders, the two resources deadlock, and the bubble
// sees it at once: synctest.Wait returns when every goroutine is blocked,
// and both are still waiting, each for the other. Nothing but the
// cancellation below could ever wake them. Then the same two goroutines
// in the Governor's order both finish.
func TestTheWrongOrderDeadlocksAndTheRightOneCannot(t *testing.T) {
	const cost = 100
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		g := oneOfEach(t, cost)
		var held sync.WaitGroup
		held.Add(2)
		worker, reader := wrongOrder(ctx, g, cost, &held)
		errs := runBoth(worker, reader)
		synctest.Wait() // every goroutine of the bubble is blocked
		select {
		case err := <-errs:
			t.Fatalf("a goroutine finished (%v): the wrong order did not deadlock", err)
		default:
		}
		s := g.Stats()
		if s.CPU != 1 || s.Bytes != cost {
			t.Fatalf("deadlocked holding %d CPU tokens and %d bytes, want each holding one: 1 and %d", s.CPU, s.Bytes, cost)
		}
		t.Logf("wrong order: both goroutines blocked for good, one holding the CPU token, the other the %d bytes", s.Bytes)
		cancel() // the only way out
		for range 2 {
			if err := <-errs; !errors.Is(err, context.Canceled) {
				t.Errorf("a deadlocked goroutine returned %v once cancelled, want context.Canceled", err)
			}
		}

		g = oneOfEach(t, cost)
		errs = runBoth(rightOrder(context.Background(), g, cost), rightOrder(context.Background(), g, cost))
		for range 2 {
			if err := <-errs; err != nil {
				t.Errorf("right order: %v", err)
			}
		}
		if s := g.Stats(); s.CPU != 0 || s.Bytes != 0 {
			t.Errorf("right order: %d CPU tokens and %d bytes still held, want none", s.CPU, s.Bytes)
		}
		t.Log("right order: both goroutines finished")
	})
}

// A chunk's bytes taken in two requests (the input buffer's, then the
// frame buffer's) are a wrong order too: two files each get the first
// half, and each waits for a second half that only the other could give
// back. ChunkCost is one request for both buffers for this reason.
func TestAChunksBytesInTwoRequestsDeadlock(t *testing.T) {
	const half = 50
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		g := oneOfEach(t, 2*half) // bytes for one whole chunk
		var held sync.WaitGroup
		held.Add(2)
		inTwoRequests := func() error {
			if err := g.acquireBytes(ctx, half); err != nil { // the input buffer
				return err
			}
			defer g.releaseBytes(half)
			held.Done()
			held.Wait()
			if err := g.acquireBytes(ctx, half); err != nil { // the frame buffer: never free
				return err
			}
			g.releaseBytes(half)
			return nil
		}
		errs := runBoth(inTwoRequests, inTwoRequests)
		synctest.Wait()
		select {
		case err := <-errs:
			t.Fatalf("a file finished (%v): taking a chunk's bytes in two requests did not deadlock", err)
		default:
		}
		if b := g.Stats().Bytes; b != 2*half {
			t.Fatalf("deadlocked holding %d bytes, want the whole budget, %d", b, 2*half)
		}
		cancel()
		for range 2 {
			<-errs
		}

		g = oneOfEach(t, 2*half)
		errs = runBoth(rightOrder(context.Background(), g, 2*half), rightOrder(context.Background(), g, 2*half))
		for range 2 {
			if err := <-errs; err != nil {
				t.Errorf("one request per chunk: %v", err)
			}
		}
	})
}

// runBoth runs f and h in goroutines of their own and delivers their
// errors as they return.
func runBoth(f, h func() error) <-chan error {
	errs := make(chan error, 2)
	go func() { errs <- f() }()
	go func() { errs <- h() }()
	return errs
}

// orderChildEnv names the test a child process runs.
const orderChildEnv = "LESSON06_ORDER_CHILD"

// TestHelperWrongOrderInABubble is the wrong order with nobody to cancel
// it. It runs only in a child process started by
// TestTheBubbleReportsTheWrongOrder, which reads how it dies.
func TestHelperWrongOrderInABubble(t *testing.T) {
	if os.Getenv(orderChildEnv) != t.Name() {
		t.Skip("helper: runs only in a child process started by TestTheBubbleReportsTheWrongOrder")
	}
	synctest.Test(t, func(t *testing.T) {
		var held sync.WaitGroup
		held.Add(2)
		worker, reader := wrongOrder(context.Background(), oneOfEach(t, 100), 100, &held)
		errs := runBoth(worker, reader)
		<-errs // never arrives: the bubble's goroutines are all blocked
	})
}

// The same deadlock with no cancellation at all: a real program would hang
// here for ever, but in a synctest bubble the runtime sees that every
// goroutine of the bubble is blocked and fails the test with a panic
// saying so, and with where each goroutine waits. The child that shows it
// takes milliseconds.
func TestTheBubbleReportsTheWrongOrder(t *testing.T) {
	const helper = "TestHelperWrongOrderInABubble"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard only
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), orderChildEnv+"="+helper)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the child exited with %v, want a failure; output:\n%s", err, out)
	}
	const want = "deadlock: all goroutines in bubble are blocked"
	if !strings.Contains(string(out), want) {
		t.Fatalf("the child's output does not say %q:\n%s", want, out)
	}
	for _, where := range []string{"(*Governor).acquireBytes", "(*Governor).withCPU"} {
		if !strings.Contains(string(out), where) {
			t.Errorf("the child's stacks do not show a goroutine waiting in %s:\n%s", where, out)
		}
	}
	t.Logf("the bubble's report: %s", firstLineWith(string(out), "deadlock"))
}

// firstLineWith returns the first line of s that contains sub.
func firstLineWith(s, sub string) string {
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}
