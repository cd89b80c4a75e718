package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/lessons/00-the-job/pipetest"
)

// At every write of a 100-chunk run, the goroutines alive are at most the
// ones there before, plus the workers, the reader and the writer.
func TestGoroutinesBoundedByWorkers(t *testing.T) {
	data := pipetest.Input(100 * chunk)
	container := pipetest.OraclePack(t, data, opts)
	before := goleak.IgnoreCurrent()
	for _, workers := range []int{1, 2, 8} {
		e := engine.New(engine.Config{Workers: workers})
		for name, run := range map[string]func(io.Writer) error{
			"pack":   func(w io.Writer) error { return e.Pack(context.Background(), w, bytes.NewReader(data), opts) },
			"unpack": func(w io.Writer) error { return e.Unpack(context.Background(), w, bytes.NewReader(container), opts) },
		} {
			// A finished run's goroutines may take a moment to exit after
			// it returns: wait for them, so that base counts only ours.
			goleak.VerifyNone(t, before)
			base := runtime.NumGoroutine()
			dst := &goroutineSampler{W: io.Discard}
			require.NoError(t, run(dst))
			assert.LessOrEqual(t, dst.Peak, base+workers+2, "%s, workers=%d", name, workers)
		}
	}
}

// With the writer stuck on the first frame, every goroutine a run starts
// is alive and waiting: exactly the reader, the workers and the writer.
func TestGoroutinesOfARun(t *testing.T) {
	goleak.VerifyNone(t) // earlier tests' goroutines have exited, so the count below is ours
	synctest.Test(t, func(t *testing.T) {
		const workers = 3
		e := engine.New(engine.Config{Workers: workers})
		base := runtime.NumGoroutine()
		dst := newGatedWriter(io.Discard, 1) // the header passes, the first frame waits
		done := make(chan error)
		go func() { done <- e.Pack(context.Background(), dst, bytes.NewReader(pipetest.Input(50*chunk)), opts) }()
		synctest.Wait()
		assert.Equal(t, base+1+workers+2, runtime.NumGoroutine(), "the caller, the workers, the reader and the writer")
		close(dst.Gate)
		require.NoError(t, <-done)
	})
}

// Eight runs share a governor whose budget holds one, then three, chunks
// in flight (and one coder): every output is right, the bytes held never exceeded the budget, and all
// were given back. Inside a synctest bubble a deadlock fails the test.
func TestManyRunsStayWithinBudget(t *testing.T) {
	for _, slots := range []int64{1, 3} {
		t.Run(fmt.Sprintf("budget=%d chunks", slots), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				budget := engine.MinBytes(engine.Pack, opts) + (slots-1)*engine.JobBytes(chunk)
				g := govern.New(govern.Limits{CPU: 2, IO: 2, Bytes: budget, SmallBytes: -1})
				e := engine.New(engine.Config{Workers: 2, Governor: g})
				var wg sync.WaitGroup
				for i := range 8 {
					wg.Go(func() {
						data := pipetest.Input((10+i)*chunk + i)
						var out bytes.Buffer
						if assert.NoError(t, e.Pack(context.Background(), &out, bytes.NewReader(data), opts)) {
							assert.Equal(t, pipetest.OraclePack(t, data, opts), out.Bytes(), "run %d", i)
						}
					})
				}
				wg.Wait()
				s := g.Stats()
				assert.LessOrEqual(t, s.PeakBytes, budget)
				assert.GreaterOrEqual(t, s.PeakBytes, engine.MinBytes(engine.Pack, opts))
				assert.Zero(t, s.BytesInUse, "every run gave its bytes back")
				assert.LessOrEqual(t, s.PeakCPU, 2)
				assert.LessOrEqual(t, s.PeakIO, 2)
			})
		})
	}
}

// A budget smaller than one chunk's buffers and one coder can never run
// anything: Pack and Unpack say so at once rather than wait forever (a
// wait would be a deadlock in the bubble and fail the test).
func TestBudgetSmallerThanAChunkFails(t *testing.T) {
	data := pipetest.Input(10 * chunk)
	container := pipetest.OraclePack(t, data, opts)
	for _, op := range []engine.Op{engine.Pack, engine.Unpack, engine.Verify} {
		synctest.Test(t, func(t *testing.T) {
			need := engine.MinBytes(op, opts)
			g := govern.New(govern.Limits{Bytes: need - 1, SmallBytes: -1})
			e := engine.New(engine.Config{Workers: 2, Governor: g})
			src := bytes.NewReader(container)
			if op == engine.Pack {
				src = bytes.NewReader(data)
			}
			err := e.Run(context.Background(), op, io.Discard, src, opts)
			require.ErrorIs(t, err, govern.ErrOverBudget, op)
			assert.Contains(t, err.Error(), fmt.Sprintf("%d asked", need))
			assert.Zero(t, g.Stats().BytesInUse)
		})
	}
}

// A run holds at most InFlight jobs and a coder per worker: with the
// writer stuck, the bytes held stop there however long the input is.
func TestInFlightBoundsBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const inFlight = 4
		g := govern.New(govern.Limits{SmallBytes: -1})
		e := engine.New(engine.Config{Workers: 2, Governor: g, InFlight: inFlight})
		dst := newGatedWriter(io.Discard, 1)
		done := make(chan error)
		go func() { done <- e.Pack(context.Background(), dst, bytes.NewReader(pipetest.Input(100*chunk)), opts) }()
		synctest.Wait()
		jobs, coder := inFlight*engine.JobBytes(chunk), engine.CoderBytes(engine.Pack, opts)
		coders := g.Stats().BytesInUse - jobs
		assert.Zero(t, coders%coder, "the bytes held are InFlight jobs and whole coders")
		assert.Contains(t, []int64{1, 2}, coders/coder, "one coder, or one for each of the two workers")
		close(dst.Gate)
		require.NoError(t, <-done)
		assert.LessOrEqual(t, g.Stats().PeakBytes, jobs+2*coder)
	})
}

// InFlight 1 is a sequential run, and still correct.
func TestOneJobInFlight(t *testing.T) {
	e := engine.New(engine.Config{Workers: 3, InFlight: 1})
	data := pipetest.Input(9*chunk + 5)
	container := mustPack(t, e, data, opts)
	var out bytes.Buffer
	require.NoError(t, e.Unpack(context.Background(), &out, bytes.NewReader(container), opts))
	assert.Equal(t, data, out.Bytes())
}

// A passphrase's key derivation (Argon2id) holds codec.KDFMemory bytes, and
// the governor charges them like a chunk's. With room in the budget for
// one derivation and one chunk, four runs at once all finish, each
// derivation was charged, and the budget was never exceeded: so two
// derivations never ran at once. A budget too small for one fails at once.
func TestKeyDerivationIsGoverned(t *testing.T) {
	o := codec.Options{ChunkSize: chunk, Passphrase: []byte("correct horse")}
	synctest.Test(t, func(t *testing.T) {
		budget := codec.KDFMemory + engine.JobBytes(chunk) + engine.CoderBytes(engine.Pack, o)
		g := govern.New(govern.Limits{CPU: 2, Bytes: budget, SmallBytes: -1})
		e := engine.New(engine.Config{Workers: 2, Governor: g})
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				data := pipetest.Input(3*chunk + i)
				var packed, restored bytes.Buffer
				if !assert.NoError(t, e.Pack(context.Background(), &packed, bytes.NewReader(data), o)) {
					return
				}
				if assert.NoError(t, e.Unpack(context.Background(), &restored, &packed, o)) {
					assert.Equal(t, data, restored.Bytes(), "run %d", i)
				}
			})
		}
		wg.Wait()
		s := g.Stats()
		assert.GreaterOrEqual(t, s.PeakBytes, int64(codec.KDFMemory), "derivations were charged")
		assert.LessOrEqual(t, s.PeakBytes, budget)
		assert.Zero(t, s.BytesInUse)
	})

	g := govern.New(govern.Limits{Bytes: codec.KDFMemory - 1, SmallBytes: -1})
	e := engine.New(engine.Config{Governor: g})
	err := e.Pack(context.Background(), io.Discard, bytes.NewReader(pipetest.Input(chunk)), o)
	require.ErrorIs(t, err, govern.ErrOverBudget)
	assert.Contains(t, err.Error(), "deriving the key from the passphrase")
}
