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
	"packcourse/core/units"
	"packcourse/lessons/00-the-job/pipetest"
	"packcourse/lessons/01-batch-convoy/engine"
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
func packMatchesOracle(t *testing.T, e *engine.Engine, data []byte) {
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
// chunk 0 calls then (if not nil) and goes on.
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

// TestMemoryGrowsWithInput: the engine holds the whole input and a copy of
// it in chunks, so its buffers grow with the file: at least twice the
// input at 1x and at 8x.
func TestMemoryGrowsWithInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	var peaks []int64
	for _, n := range []int{32, 8 * 32} {
		data := chunks(n)
		e := &engine.Engine{Workers: 2}
		packMatchesOracle(t, e, data)
		st := e.Stats()
		container := int64(len(oraclePack(t, data)))
		if lo, hi := 2*int64(len(data)), 2*int64(len(data))+container; st.PeakBufferedBytes < lo || st.PeakBufferedBytes > hi {
			t.Errorf("%d chunks: peak buffered %d bytes, want between %d (input and its copy) and %d (plus every frame)",
				n, st.PeakBufferedBytes, lo, hi)
		}
		if st.PeakInFlight != n {
			t.Errorf("%d chunks: peak in flight %d, want all %d (every chunk is cut before any is written)", n, st.PeakInFlight, n)
		}
		t.Logf("input %8s: peak buffered %8s (%.2fx the input), peak in flight %3d chunks",
			units.FormatSize(int64(len(data))), units.FormatSize(st.PeakBufferedBytes),
			float64(st.PeakBufferedBytes)/float64(len(data)), st.PeakInFlight)
		peaks = append(peaks, st.PeakBufferedBytes)
	}
	t.Logf("8x the input: %.2fx the peak buffered bytes", float64(peaks[1])/float64(peaks[0]))
}

// TestGoroutinesGrowWithChunks: one goroutine per chunk, all started before
// any can finish. Holding chunk 0 until every other chunk waits for its
// turn makes the worst case happen on every run: all of them at once.
func TestGoroutinesGrowWithChunks(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, n := range []int{32, 256} {
		e := &engine.Engine{Workers: 2}
		e.EncodeHook, e.TurnWaitHook = holdChunkZero(n-1, nil)
		packMatchesOracle(t, e, chunks(n))
		st := e.Stats()
		if st.PeakGoroutines < n {
			t.Errorf("%d chunks: peak goroutines %d, want at least one per chunk", n, st.PeakGoroutines)
		}
		t.Logf("%3d chunks, %d workers: peak goroutines %d", n, e.Workers, st.PeakGoroutines)
	}
}

// TestWriterConvoy: goroutines that have finished encoding queue up at the
// writer's lock for their turn. With chunk 0 held back, every other chunk
// finishes first and must wait: exactly n-1 turn waits.
func TestWriterConvoy(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 64
	for _, workers := range []int{2, 8} {
		e := &engine.Engine{Workers: workers}
		e.EncodeHook, e.TurnWaitHook = holdChunkZero(n-1, nil)
		packMatchesOracle(t, e, chunks(n))
		st := e.Stats()
		if st.TurnWaits != n-1 {
			t.Errorf("workers=%d: %d turn waits, want %d (every chunk but the first)", workers, st.TurnWaits, n-1)
		}
		if st.ChunksWritten != n {
			t.Errorf("workers=%d: %d frames written, want %d", workers, st.ChunksWritten, n)
		}
		t.Logf("%d chunks, %d workers: %d turn waits, %d futile wakeups", n, workers, st.TurnWaits, st.FutileWakeups)
	}
}

var errInjected = errors.New("injected encode failure")

// TestFailureDoesNotStopTheRest is the problem lesson 02 solves: when one
// chunk fails, Pack returns its error, but every other goroutine was
// started anyway and encodes its chunk for nothing.
func TestFailureDoesNotStopTheRest(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n, k = 256, 10
	var encodes atomic.Int64
	e := &engine.Engine{Workers: 2, EncodeHook: func(index int) error {
		encodes.Add(1)
		if index == k {
			return errInjected
		}
		return nil
	}}
	err := e.Pack(context.Background(), &bytes.Buffer{}, bytes.NewReader(chunks(n)), opts)
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), fmt.Sprintf("chunk %d", k)) {
		t.Fatalf("Pack returned %v, want the injected error naming chunk %d", err, k)
	}
	st := e.Stats()
	if st.ChunksStarted != n || encodes.Load() != n {
		t.Errorf("chunk %d failed: %d chunks started, %d encoded; this design starts and encodes all %d", k, st.ChunksStarted, encodes.Load(), n)
	}
	if st.ChunksWritten > k {
		t.Errorf("%d frames written, but frame %d failed", st.ChunksWritten, k)
	}
	t.Logf("chunk %d of %d failed: %d chunks started, %d encoded, %d written", k, n, st.ChunksStarted, encodes.Load(), st.ChunksWritten)
}

// TestCancelDuringConvoy: goroutines asleep in the writer's sync.Cond
// cannot watch ctx.Done(); cancelling while all of them wait must still
// wake them, end the run with context.Canceled, and leave no goroutine.
func TestCancelDuringConvoy(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &engine.Engine{Workers: 2}
	e.EncodeHook, e.TurnWaitHook = holdChunkZero(n-1, cancel)
	err := e.Pack(ctx, &bytes.Buffer{}, bytes.NewReader(chunks(n)), opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Pack cancelled while %d goroutines waited returned %v, want context.Canceled", n-1, err)
	}
	if st := e.Stats(); st.ChunksWritten != 0 {
		t.Errorf("%d frames written after the cancel, want 0", st.ChunksWritten)
	}
}
