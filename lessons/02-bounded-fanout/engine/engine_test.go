package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
	"packcourse/lessons/02-bounded-fanout/engine"

	lesson01 "packcourse/lessons/01-batch-convoy/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	pipetest.Run(t, func(w int) pipetest.Engine { return &engine.Engine{Workers: w} })
}

// TestPackFromFile: from a file, readAll sizes its buffer from Stat. The
// size is only a hint: read from the middle of the file, there is less
// to read than it says, and the output must still be the oracle's.
func TestPackFromFile(t *testing.T) {
	defer goleak.VerifyNone(t)
	data := pipetest.Input(3*readPieceForTest + 12345)
	path := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, skip := range []int64{0, readPieceForTest + 7} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Seek(skip, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := (&engine.Engine{Workers: 2}).Pack(context.Background(), &out, f, opts); err != nil {
			t.Fatalf("skip %d: Pack: %v", skip, err)
		}
		if !bytes.Equal(out.Bytes(), pipetest.OraclePack(t, data[skip:], opts)) {
			t.Fatalf("skip %d: Pack's output differs from the oracle's", skip)
		}
	}
}

// readPieceForTest is the engine's read size (1 MiB), so that the file
// above spans several reads.
const readPieceForTest = 1 << 20

// chunks returns the suite's input of n whole chunks.
func chunks(n int) []byte { return pipetest.Input(n * pipetest.ChunkSize) }

// opts are the proof tests' options: the suite's chunk size, at the fastest
// level, since the proofs count goroutines, chunks and bytes held, and
// compression only has to be real.
var opts = codec.Options{ChunkSize: pipetest.ChunkSize, Level: 1}

// packMatchesOracle packs data with e and fails the test unless the
// output is the oracle's, byte for byte.
func packMatchesOracle(t *testing.T, e pipetest.Engine, data []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := e.Pack(context.Background(), &out, bytes.NewReader(data), opts); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if !bytes.Equal(out.Bytes(), oraclePack(t, data)) {
		t.Fatal("Pack's output differs from the oracle's")
	}
}

var oracleOutputs sync.Map // input length -> the oracle's container

// oraclePack returns the oracle's container for data, packed once per
// input length (every input here is chunks(n), the same for the same n).
func oraclePack(t *testing.T, data []byte) []byte {
	if c, ok := oracleOutputs.Load(len(data)); ok {
		return c.([]byte)
	}
	c := pipetest.OraclePack(t, data, opts)
	oracleOutputs.Store(len(data), c)
	return c
}

// stuck is how long a hook waits for the engine before declaring it stuck:
// a guard that turns a hang into a failure, never a synchronisation.
const stuck = 30 * time.Second

// holdChunkZero returns hooks that keep chunk 0 from encoding until
// `waiters` other chunks are waiting for their turn to write. Frame 0 is
// written first, so until it is, no goroutine can write or finish: the run
// is held in its most crowded state, whatever the scheduler does. Then
// chunk 0 calls then (if not nil) and goes on. Both lessons' engines take
// the same hooks.
func holdChunkZero(waiters int, then func()) (encodeHook func(int) error, turnWaitHook func(int)) {
	allWaiting := make(chan struct{})
	if waiters == 0 {
		close(allWaiting)
	}
	var waiting atomic.Int64
	turnWaitHook = func(int) {
		if waiting.Add(1) == int64(waiters) {
			close(allWaiting)
		}
	}
	encodeHook = func(index int) error {
		if index != 0 {
			return nil
		}
		select {
		case <-allWaiting:
		case <-time.After(stuck):
			return fmt.Errorf("only %d of %d chunks ever waited for their turn", waiting.Load(), waiters)
		}
		if then != nil {
			then()
		}
		return nil
	}
	return encodeHook, turnWaitHook
}

// TestGoroutinesBounded: lesson 01 runs a goroutine per chunk; lesson 02
// never runs more than Workers tasks, plus the one goroutine that wakes
// the writer's waiters when the run is cancelled. Both are measured in
// their most crowded state (chunk 0 held back until every chunk that can
// be waiting is) and, for lesson 02, also as the scheduler pleases.
func TestGoroutinesBounded(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 256
	data := chunks(n)

	before := &lesson01.Engine{Workers: 2}
	before.EncodeHook, before.TurnWaitHook = holdChunkZero(n-1, nil)
	packMatchesOracle(t, before, data)
	if got := before.Stats().PeakGoroutines; got < n {
		t.Errorf("lesson 01, %d chunks: peak goroutines %d, want at least %d (one per chunk)", n, got, n)
	}
	t.Logf("lesson 01, %d chunks, 2 workers, held: peak goroutines %d", n, before.Stats().PeakGoroutines)

	for _, workers := range []int{1, 2, 8} {
		for _, held := range []bool{true, false} {
			e := &engine.Engine{Workers: workers}
			if held {
				e.EncodeHook, e.TurnWaitHook = holdChunkZero(workers-1, nil)
			}
			packMatchesOracle(t, e, data)
			if got := e.Stats().PeakGoroutines; got > workers+1 {
				t.Errorf("lesson 02, %d chunks, %d workers, held=%v: peak goroutines %d, want at most %d",
					n, workers, held, got, workers+1)
			}
			t.Logf("lesson 02, %d chunks, %d workers, held=%-5v: peak goroutines %d", n, workers, held, e.Stats().PeakGoroutines)
		}
	}
}

var errInjected = errors.New("injected encode failure")

// failAt returns an encode hook that fails chunk k and counts the chunks
// whose encoding began.
func failAt(k int, encodes *atomic.Int64) func(int) error {
	return func(index int) error {
		encodes.Add(1)
		if index == k {
			return errInjected
		}
		return nil
	}
}

// checkFailure checks that Pack's error is the injected one and names
// chunk k.
func checkFailure(t *testing.T, err error, k int) {
	t.Helper()
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), fmt.Sprintf("chunk %d", k)) {
		t.Fatalf("Pack returned %v, want the injected error naming chunk %d", err, k)
	}
}

// TestFailingChunkStopsTheRun: when chunk k fails, lesson 01 still starts
// and encodes every chunk; lesson 02 cancels the run. Tasks start in index
// order and none after k can finish before k is written, so when k fails
// at most k tasks have finished and Workers are running; the loop may be
// inside g.Go and start one more before it sees the cancel. Hence at most
// k+Workers+1 chunks are ever started, whatever the scheduler does.
func TestFailingChunkStopsTheRun(t *testing.T) {
	const n, k = 256, 10
	data := chunks(n)
	ctx := context.Background()

	var encodes atomic.Int64
	before := &lesson01.Engine{Workers: 2, EncodeHook: failAt(k, &encodes)}
	checkFailure(t, before.Pack(ctx, &bytes.Buffer{}, bytes.NewReader(data), opts), k)
	if st := before.Stats(); st.ChunksStarted != n || encodes.Load() != n {
		t.Errorf("lesson 01: %d chunks started and %d encoded after chunk %d failed, want all %d", st.ChunksStarted, encodes.Load(), k, n)
	}
	t.Logf("lesson 01, chunk %d of %d fails, 2 workers: %d chunks started, %d encoded", k, n, before.Stats().ChunksStarted, encodes.Load())

	for _, workers := range []int{1, 2, 8} {
		encodes.Store(0)
		e := &engine.Engine{Workers: workers, EncodeHook: failAt(k, &encodes)}
		checkFailure(t, e.Pack(ctx, &bytes.Buffer{}, bytes.NewReader(data), opts), k)
		goleak.VerifyNone(t)
		st, bound := e.Stats(), k+workers+1
		if st.ChunksStarted > bound || encodes.Load() > int64(bound) {
			t.Errorf("lesson 02, %d workers: %d chunks started and %d encoded after chunk %d failed, want at most %d",
				workers, st.ChunksStarted, encodes.Load(), k, bound)
		}
		t.Logf("lesson 02, chunk %d of %d fails, %d workers: %d chunks started, %d encoded (bound %d)", k, n, workers, st.ChunksStarted, encodes.Load(), bound)
	}
}

// TestInFlightBounded: lesson 01 cuts every chunk, a copy each, before it
// starts; lesson 02 cuts a chunk (a view, no copy) when its task starts,
// so at most Workers chunks and frames are held besides the input. The
// input itself is still held whole: that is lesson 04's to fix.
func TestInFlightBounded(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n, workers = 256, 2
	data := chunks(n)
	input := int64(len(data))

	before := &lesson01.Engine{Workers: workers}
	packMatchesOracle(t, before, data)
	if st := before.Stats(); st.PeakInFlight != n || st.PeakBufferedBytes < 2*input {
		t.Errorf("lesson 01: peak in flight %d, peak buffered %d; want %d (all) and at least %d (input twice)", st.PeakInFlight, st.PeakBufferedBytes, n, 2*input)
	}

	e := &engine.Engine{Workers: workers}
	packMatchesOracle(t, e, data)
	st, hi := e.Stats(), input+workers*int64(largestFrame(t, data))
	if st.PeakInFlight > workers || st.PeakBufferedBytes < input || st.PeakBufferedBytes > hi {
		t.Errorf("lesson 02: peak in flight %d, peak buffered %d; want at most %d, and between %d (the input) and %d (plus %d largest frames)",
			st.PeakInFlight, st.PeakBufferedBytes, workers, input, hi, workers)
	}
	t.Logf("input %d bytes, %d workers: lesson 01 peak buffered %d (%.2fx), in flight %d; lesson 02 peak buffered %d (%.2fx), in flight %d",
		input, workers, before.Stats().PeakBufferedBytes, float64(before.Stats().PeakBufferedBytes)/float64(input), before.Stats().PeakInFlight,
		st.PeakBufferedBytes, float64(st.PeakBufferedBytes)/float64(input), st.PeakInFlight)
}

// largestFrame is the length of the largest frame in the oracle's container
// for data.
func largestFrame(t *testing.T, data []byte) int {
	frames, _ := pipetest.Layout(oraclePack(t, data))
	largest := 0
	for _, f := range frames {
		largest = max(largest, f.End-f.Start)
	}
	return largest
}

// TestCancelWhileWaitingForTurn: tasks asleep in the writer's sync.Cond
// cannot watch ctx.Done(); cancelling while they wait must still wake
// them, end the run with context.Canceled, and leave no goroutine.
func TestCancelWhileWaitingForTurn(t *testing.T) {
	defer goleak.VerifyNone(t)
	const workers = 4
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &engine.Engine{Workers: workers}
	e.EncodeHook, e.TurnWaitHook = holdChunkZero(workers-1, cancel)
	err := e.Pack(ctx, &bytes.Buffer{}, bytes.NewReader(chunks(64)), opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Pack cancelled while %d tasks waited returned %v, want context.Canceled", workers-1, err)
	}
	// The loop may be inside g.Go when the cancel comes, and start one more.
	if st := e.Stats(); st.ChunksWritten != 0 || st.ChunksStarted > workers+1 {
		t.Errorf("%d frames written and %d chunks started, want 0 and at most %d (the run was cancelled before chunk 0 was written)",
			st.ChunksWritten, st.ChunksStarted, workers+1)
	}
}
