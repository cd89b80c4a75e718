package engine_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"packcourse/lessons/00-the-job/pipetest"
	lesson02 "packcourse/lessons/02-bounded-fanout/engine"
	"packcourse/lessons/03-channel-pipeline/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The pipeline writes exactly the oracle's bytes, restores exactly the
// input, rejects damage with the right kind, and survives failing and slow
// readers and writers and cancellation without leaking a goroutine.
func TestConformance(t *testing.T) {
	pipetest.Run(t, func(workers int) pipetest.Engine { return &engine.Engine{Workers: workers} })
}

// With a writer slower than the workers, chunks pile up in front of it.
// Both lessons bound them. Lesson 02 bounds them by its worker count,
// because every chunk in flight holds a goroutine; lesson 03 by its FIFO,
// Queue+2 chunks, while its goroutines stay at Workers+2 (the workers, the
// reader and the writer) however many chunks there are.
func TestBoundsUnderASlowWriter(t *testing.T) {
	const chunks = 256
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	container := pipetest.OraclePack(t, data, fast)
	for _, workers := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			var out bytes.Buffer
			l02 := &lesson02.Engine{Workers: workers}
			packMustMatchOracle(t, l02, pipetest.SlowWriter{W: &out}, &out, data, container)
			s02 := l02.Stats()
			if s02.PeakInFlight > workers {
				t.Errorf("lesson 02: %d chunks in flight, want at most Workers = %d", s02.PeakInFlight, workers)
			}

			out.Reset()
			e := &engine.Engine{Workers: workers}
			packMustMatchOracle(t, e, pipetest.SlowWriter{W: &out}, &out, data, container)
			checkBounds(t, "Pack", e.Stats(), workers, chunks)

			out.Reset()
			if err := e.Unpack(context.Background(), pipetest.SlowWriter{W: &out}, bytes.NewReader(container), fast); err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Fatal("Unpack's output differs from the original")
			}
			checkBounds(t, "Unpack", e.Stats(), workers, chunks)
			t.Logf("lesson 02: %d in flight, %d goroutines; lesson 03: %d in flight (bound %d), %d goroutines",
				s02.PeakInFlight, s02.PeakGoroutines, e.Stats().PeakInFlight, 2*workers+2, e.Stats().PeakGoroutines)
		})
	}
}

// checkBounds checks lesson 03's figures for a run with the default Queue
// (2*workers) that went through all its chunks.
func checkBounds(t *testing.T, what string, s engine.Stats, workers, chunks int) {
	t.Helper()
	if queue := 2 * workers; s.PeakInFlight > queue+2 {
		t.Errorf("%s: %d chunks in flight, want at most Queue+2 = %d", what, s.PeakInFlight, queue+2)
	}
	if s.PeakGoroutines != workers+2 {
		t.Errorf("%s: %d goroutines at once, want Workers+2 = %d", what, s.PeakGoroutines, workers+2)
	}
	if s.Chunks != chunks {
		t.Errorf("%s: wrote %d chunks, want %d", what, s.Chunks, chunks)
	}
}

// Hold chunk 0 back and let everything else run until it blocks:
// synctest.Wait returns only once every goroutine of the bubble is
// blocked. Then the writer is waiting for chunk 0, the FIFO is full, and
// the reader holds one more chunk: the bound Queue+2, reached exactly.
// Meanwhile the other workers encoded the Queue chunks behind chunk 0.
func TestFullPipelineHoldsExactlyQueuePlusTwoChunks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, queue = 3, 5
		release := make(chan struct{})
		var ahead atomic.Int64 // chunks encoded while chunk 0 is held back
		e := &engine.Engine{Workers: workers, Queue: queue, EncodeHook: func(index int) error {
			if index == 0 {
				<-release
			} else {
				ahead.Add(1)
			}
			return nil
		}}
		data := pipetest.Input(64 * pipetest.ChunkSize)
		var out bytes.Buffer
		done := make(chan error, 1)
		go func() { done <- e.Pack(context.Background(), &out, bytes.NewReader(data), fast) }()

		synctest.Wait() // every goroutine is blocked: the pipeline is full
		encodedAhead := ahead.Load()
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("Pack: %v", err)
		}

		if !bytes.Equal(out.Bytes(), pipetest.OraclePack(t, data, fast)) {
			t.Error("Pack's output differs from the oracle's")
		}
		s := e.Stats()
		if encodedAhead != queue {
			t.Errorf("%d chunks were encoded while chunk 0 was held, want Queue = %d", encodedAhead, queue)
		}
		if s.PeakInFlight != queue+2 {
			t.Errorf("peak in flight %d, want Queue+2 = %d", s.PeakInFlight, queue+2)
		}
		if s.PeakGoroutines != workers+2 {
			t.Errorf("peak goroutines %d, want Workers+2 = %d", s.PeakGoroutines, workers+2)
		}
		if s.QueueFullWaits < 1 || s.WriterWaits < 1 {
			t.Errorf("reader waited on a full FIFO %d times, writer waited for a chunk %d times; want both at least once",
				s.QueueFullWaits, s.WriterWaits)
		}
		t.Logf("Workers=%d, Queue=%d, chunk 0 held: %d chunks encoded behind it, peak in flight %d, peak goroutines %d",
			workers, queue, encodedAhead, s.PeakInFlight, s.PeakGoroutines)
	})
}

// A slow chunk at the head of the line. In lesson 02, the workers that
// finish after it must wait for their turn at the writer's lock: they stop,
// each holding its frame, and no further chunk starts (TurnWaits). In
// lesson 03 they put their frames in futures and go on to the next chunks
// until the FIFO is full; only the writer waits. Both runs release chunk 0
// at the moment nothing more can happen without it, so the counts are
// exact.
func TestSlowChunkStallsLesson02WorkersNotLesson03s(t *testing.T) {
	const workers = 4
	data := pipetest.Input(64 * pipetest.ChunkSize)
	want := pipetest.OraclePack(t, data, fast)

	// Lesson 02: release chunk 0 once the other Workers-1 goroutines wait
	// for their turn; no other chunk can start before that.
	release := make(chan struct{})
	var ahead02, turnWaits int64
	l02 := &lesson02.Engine{
		Workers: workers,
		EncodeHook: func(index int) error {
			if index == 0 {
				<-release
			} else if !isClosed(release) {
				atomic.AddInt64(&ahead02, 1)
			}
			return nil
		},
		TurnWaitHook: func(int) { // called with lesson 02's lock held, one at a time
			if turnWaits++; turnWaits == workers-1 {
				close(release)
			}
		},
	}
	var out bytes.Buffer
	log02 := &writerLog{W: &out}
	packMustMatchOracle(t, l02, log02, &out, data, want)

	// Lesson 03: release chunk 0 once Queue chunks behind it are being
	// encoded; no further chunk can be read before that.
	queue := 2 * workers // the default
	release = make(chan struct{})
	var ahead03 atomic.Int64
	e := &engine.Engine{Workers: workers, EncodeHook: func(index int) error {
		if index == 0 {
			<-release
		} else if !isClosed(release) && ahead03.Add(1) == int64(queue) {
			close(release)
		}
		return nil
	}}
	out.Reset()
	log03 := &writerLog{W: &out}
	packMustMatchOracle(t, e, log03, &out, data, want)

	if got := atomic.LoadInt64(&ahead02); got != workers-1 {
		t.Errorf("lesson 02 encoded %d chunks while chunk 0 was held, want Workers-1 = %d", got, workers-1)
	}
	if s := l02.Stats(); s.TurnWaits < workers-1 {
		t.Errorf("lesson 02 counted %d turn waits, want at least Workers-1 = %d", s.TurnWaits, workers-1)
	}
	if got := ahead03.Load(); got != int64(queue) {
		t.Errorf("lesson 03 encoded %d chunks while chunk 0 was held, want Queue = %d", got, queue)
	}
	if log02.writers() < 2 {
		t.Errorf("%d goroutine(s) wrote lesson 02's output, want several taking turns", log02.writers())
	}
	if log03.writers() != 1 {
		t.Errorf("%d goroutines wrote lesson 03's output, want 1: the writer", log03.writers())
	}
	t.Logf("while chunk 0 was held: lesson 02 encoded %d other chunks, then all its workers waited their turn; lesson 03 encoded %d",
		atomic.LoadInt64(&ahead02), ahead03.Load())
	t.Logf("lesson 02's turn waits over the whole run: %d", l02.Stats().TurnWaits)
	t.Logf("goroutines that wrote the output: lesson 02 %d, lesson 03 %d", log02.writers(), log03.writers())
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// The write path holds no lock. By construction: lesson 03's engine
// imports no sync package (only sync/atomic, for its counters), so it has
// no mutex to take, where lesson 02's turn-taking writer needs one. At run
// time: with every mutex contention event recorded, no sync.Mutex taken by
// the course's code (this engine's or a package it calls) was contended
// with a frame of lesson 03's engine in its stack, while a deliberately
// contended mutex (the control) does show up. The profile also records
// locks that any Go program takes: the runtime's own (the scheduler's, the
// garbage collector's, each channel's) and the standard library's inside a
// call (sync.Pool takes a global mutex the first time a pool is used on a
// processor); they are counted, not what this checks.
func TestWritePathHasNoMutex(t *testing.T) {
	if packageImports(t, ".")["sync"] {
		t.Error("lesson 03's engine imports sync")
	}
	if !packageImports(t, "../../02-bounded-fanout/engine")["sync"] {
		t.Error("lesson 02's engine does not import sync any more: this pairing needs updating")
	}

	prev := runtime.SetMutexProfileFraction(1) // record every contention event
	defer runtime.SetMutexProfileFraction(prev)
	contendMutex()
	data := pipetest.Input(128 * pipetest.ChunkSize)
	container := pipetest.OraclePack(t, data, fast)
	e := &engine.Engine{Workers: 4}
	for range 2 {
		if err := e.Pack(context.Background(), pipetest.SlowWriter{W: io.Discard}, bytes.NewReader(data), fast); err != nil {
			t.Fatal(err)
		}
		if err := e.Unpack(context.Background(), pipetest.SlowWriter{W: io.Discard}, bytes.NewReader(container), fast); err != nil {
			t.Fatal(err)
		}
	}

	sawControl, runtimeLocks, libraryLocks := false, 0, 0
	inEngine := func(f string) bool { return strings.HasPrefix(f, "packcourse/lessons/03-channel-pipeline/engine.") }
	for _, stack := range mutexProfile() {
		switch {
		case !anyFrame(stack, isSyncMutex): // a runtime-internal lock
			if anyFrame(stack, inEngine) {
				runtimeLocks++
			}
		case !strings.HasPrefix(lockTaker(stack), "packcourse/"): // the standard library's
			if anyFrame(stack, inEngine) {
				libraryLocks++
			}
		default:
			if strings.HasSuffix(lockTaker(stack), "engine_test.contendMutex") {
				sawControl = true
			}
			if anyFrame(stack, inEngine) {
				t.Errorf("contention on a sync.Mutex taken by %s with lesson 03's engine on the stack: %v", lockTaker(stack), stack)
			}
		}
	}
	if !sawControl {
		t.Fatal("the mutex profile did not record the control's contention, so its silence about lesson 03 proves nothing")
	}
	t.Logf("mutex profile: the control's sync.Mutex wait recorded; none taken by the course's code with lesson 03's engine on the stack; "+
		"lock waits through the engine inside the runtime: %d, inside the standard library: %d", runtimeLocks, libraryLocks)
}

// Errors come out in input order, like the frames. Chunk 9 fails first in
// time, chunk 3 after it; Pack returns chunk 3's error, having written
// exactly the three frames before it, as the sequential oracle would.
func TestFirstFailingChunkInInputOrderIsReported(t *testing.T) {
	errThree, errNine := errors.New("chunk three is bad"), errors.New("chunk nine is bad")
	nineFailed := make(chan struct{})
	e := &engine.Engine{Workers: 4, Queue: 16, EncodeHook: func(index int) error {
		switch index {
		case 3:
			<-nineFailed
			return errThree
		case 9:
			close(nineFailed)
			return errNine
		}
		return nil
	}}
	err := e.Pack(context.Background(), io.Discard, bytes.NewReader(pipetest.Input(40*pipetest.ChunkSize)), fast)
	if !errors.Is(err, errThree) || errors.Is(err, errNine) {
		t.Errorf("Pack returned %v, want chunk 3's error", err)
	}
	if got := e.Stats().Chunks; got != 3 {
		t.Errorf("wrote %d frames before failing, want 3", got)
	}
	t.Logf("Pack returned %q after writing %d frames", err, e.Stats().Chunks)
}

// Why the FIFO holds 2*Workers futures by default. Chunks do not all cost
// the same: here, on the fake clock of a synctest bubble, every fourth
// chunk takes 4ms to encode and the others 1ms. Behind a slow chunk the
// other workers can only go ahead as far as the FIFO lets them, so a short
// FIFO leaves them idle. The time a run takes on the fake clock depends
// only on the pipeline's logic, not on the machine, so it is exact. The
// best a run can do is the ideal, the total work divided by the workers,
// plus at most one slow chunk at the end that nobody can share. A FIFO of
// Workers misses that; 2*Workers makes it; 4*Workers gains little more and
// holds twice the frames.
func TestDefaultQueueKeepsWorkersBusy(t *testing.T) {
	const chunks, slow, quick = 64, 4 * time.Millisecond, time.Millisecond
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	cost := func(index int) time.Duration {
		if index%4 == 0 {
			return slow
		}
		return quick
	}
	var total time.Duration
	for i := range chunks {
		total += cost(i)
	}
	for _, workers := range []int{2, 4} {
		ideal := total / time.Duration(workers)
		queues := []int{1, workers, 2 * workers, 4 * workers}
		var took []time.Duration
		for _, queue := range queues {
			took = append(took, fakeClockPack(t, &engine.Engine{Workers: workers, Queue: queue, EncodeHook: func(index int) error {
				time.Sleep(cost(index))
				return nil
			}}, data))
			t.Logf("workers=%d queue=%-2d took %v (ideal %v)", workers, queue, took[len(took)-1], ideal)
		}
		if !slices.IsSortedFunc(took, func(a, b time.Duration) int { return cmp.Compare(b, a) }) {
			t.Errorf("workers=%d: times %v for FIFOs of %v, want each no slower than the one before", workers, took, queues)
		}
		if took[1] <= ideal+slow {
			t.Errorf("workers=%d: a FIFO of Workers took %v, want slower than ideal+one slow chunk = %v", workers, took[1], ideal+slow)
		}
		if took[2] > ideal+slow {
			t.Errorf("workers=%d: a FIFO of 2*Workers took %v, want at most ideal+one slow chunk = %v", workers, took[2], ideal+slow)
		}
	}
}

// fakeClockPack packs data with e inside a synctest bubble and returns how
// long it took on the bubble's fake clock, which moves only when every
// goroutine in the bubble is blocked.
func fakeClockPack(t *testing.T, e *engine.Engine, data []byte) time.Duration {
	var took time.Duration
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := e.Pack(context.Background(), io.Discard, bytes.NewReader(data), fast); err != nil {
			t.Fatal(err)
		}
		took = time.Since(start)
	})
	return took
}
