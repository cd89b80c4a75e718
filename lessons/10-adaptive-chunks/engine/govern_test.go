package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/lessons/00-the-job/pipetest"
	lesson05 "packcourse/lessons/05-counters-atomics/engine"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

// The proof of the lesson: eight files packed at once, every encode, read
// and write of theirs parked until the test lets it go on, so that the
// test sees, each time every goroutine is blocked, exactly how many are
// in progress. Lesson 05 runs them all at full width; lesson 06's
// Governor holds them to its tokens and its budget, and the run still
// always finishes.

const (
	files         = 8  // files in flight at once
	fileWorkers   = 2  // each file's Engine.Workers
	chunksPerFile = 16 // chunks of pipetest.ChunkSize in each file
)

// cost is what one chunk of the suite takes from a Governor's budget.
var cost = engine.ChunkCost(pipetest.ChunkSize)

// The conformance suite again, each engine governed by a Governor of its
// own at its tightest: one CPU token, one I/O token, bytes for one chunk.
func TestConformanceGoverned(t *testing.T) {
	pipetest.Run(t, func(workers int) pipetest.Engine {
		return &engine.Engine{Workers: workers, Governor: newGovernor(t, engine.Limits{CPU: 1, IO: 1, Bytes: cost})}
	})
}

// Lesson 05, eight files at once: every worker of every file encodes at
// once (8 x 2 = 16 on any machine: the count is of goroutines in an
// encode, not of cores), every reader and writer is in a read or a write
// at once (16), and the files' buffers add up: 8 times one file's.
func TestEightFilesAtFullWidthOversubscribe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStepper()
		engines := make([]*lesson05.Engine, files)
		for i := range engines {
			engines[i] = &lesson05.Engine{Workers: fileWorkers, EncodeHook: s.encodeHook}
		}
		b := newBatch(s)
		done := goPack(func() error {
			var wg sync.WaitGroup
			errs := make([]error, files)
			for i, f := range b.files {
				wg.Go(func() { errs[i] = engines[i].Pack(context.Background(), f.Dst, f.Src, fast) })
			}
			wg.Wait()
			return errors.Join(errs...)
		})
		peaks := s.drive(t, done, nil)
		b.mustMatchOracle(t)

		var buffered int64
		for _, e := range engines {
			buffered += e.Stats().PeakBufferedBytes
		}
		if peaks.io != 2*files {
			t.Errorf("at most %d reads and writes were in progress at once, want every reader and writer: %d", peaks.io, 2*files)
		}
		if peaks.encodes != files*fileWorkers {
			t.Errorf("at most %d encodes ran at once, want every worker of every file: %d", peaks.encodes, files*fileWorkers)
		}
		// Each file's pipeline held at least 3 input buffers and 2 frame
		// buffers at once (two chunks in its workers, a third read behind
		// them), which is more than 2 chunk costs.
		if least := int64(files) * 2 * cost; buffered < least {
			t.Errorf("the files' pools held %d bytes in all, want at least %d", buffered, least)
		}
		t.Logf("lesson 05, %d files of %d workers: %d encodes at once, %d reads and writes in progress at once, %d bytes of buffers (%.1f chunk costs)",
			files, fileWorkers, peaks.encodes, peaks.io, buffered, float64(buffered)/float64(cost))
	})
}

// Lesson 06, the same eight files sharing a Governor of 2 CPU tokens, 2
// I/O tokens and 3 chunks' bytes: whenever every goroutine is blocked, at
// most 2 encodes are running, at most 2 reads and writes are in progress
// and at most 3 chunks' bytes are held; each limit is reached, and the run
// never stalls (each time everything is blocked, something is parked that
// the test can let go on).
func TestEightFilesStayWithinTheGovernor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := engine.Limits{CPU: 2, IO: 2, Bytes: 3 * cost}
		g := newGovernor(t, limits)
		s := newStepper()
		e := &engine.Engine{Workers: fileWorkers, EncodeHook: s.encodeHook, Governor: g}
		b := newBatch(s)
		done := goPack(func() error { return e.PackFiles(context.Background(), b.files, fast) })
		peaks := s.drive(t, done, func(at string) {
			if n := s.count(ioCall); n > limits.IO {
				t.Errorf("%s: %d reads and writes in progress, more than the %d I/O tokens", at, n, limits.IO)
			}
			if n := s.count(encodeCall); n > limits.CPU {
				t.Errorf("%s: %d encodes running, more than the %d CPU tokens", at, n, limits.CPU)
			}
			if held := g.Stats().Bytes; held > limits.Bytes {
				t.Errorf("%s: %d bytes held, more than the %d-byte budget", at, held, limits.Bytes)
			}
		})
		b.mustMatchOracle(t)

		st := g.Stats()
		if peaks.encodes != limits.CPU || st.PeakCPU != limits.CPU {
			t.Errorf("at most %d encodes ran at once (Governor: %d), want exactly the %d CPU tokens", peaks.encodes, st.PeakCPU, limits.CPU)
		}
		if peaks.io != limits.IO || st.PeakIO != limits.IO {
			t.Errorf("at most %d reads and writes were in progress at once (Governor: %d), want exactly the %d I/O tokens", peaks.io, st.PeakIO, limits.IO)
		}
		if st.PeakBytes != limits.Bytes {
			t.Errorf("at most %d bytes were held at once, want exactly the %d-byte budget", st.PeakBytes, limits.Bytes)
		}
		if st.CPU != 0 || st.IO != 0 || st.Bytes != 0 {
			t.Errorf("after the run %d CPU tokens, %d I/O tokens and %d bytes are still held, want none", st.CPU, st.IO, st.Bytes)
		}
		t.Logf("lesson 06, %d files of %d workers, Governor %+v: %d encodes at once, %d reads and writes in progress at once, %d bytes held at most (%d chunk costs)",
			files, fileWorkers, limits, peaks.encodes, peaks.io, st.PeakBytes, st.PeakBytes/cost)
	})
}

// The Governor's order makes deadlock impossible whatever its sizes, as
// long as the budget holds one chunk: eight files finish, byte for byte
// the oracle's, and everything taken is given back. Each run is in a
// synctest bubble, so a deadlock would fail the test at once with the
// bubble's report instead of hanging it.
func TestNeverDeadlocksWhateverTheBudget(t *testing.T) {
	budgets := []int64{cost, cost + cost/2, 2 * cost, 5 * cost, 100 * cost}
	for _, bytes := range budgets {
		for _, tokens := range []struct{ cpu, io int }{{1, 1}, {1, 3}, {2, 1}, {3, 2}} {
			limits := engine.Limits{CPU: tokens.cpu, IO: tokens.io, Bytes: bytes}
			t.Run(fmt.Sprintf("cpu=%d,io=%d,bytes=%.1f_chunks", tokens.cpu, tokens.io, float64(bytes)/float64(cost)), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					g := newGovernor(t, limits)
					e := &engine.Engine{Workers: 3, Governor: g}
					b := newBatch(nil)
					if err := e.PackFiles(context.Background(), b.files, fast); err != nil {
						t.Fatal(err)
					}
					b.mustMatchOracle(t)
					st := g.Stats()
					if st.PeakBytes > limits.Bytes || st.PeakCPU > limits.CPU || st.PeakIO > limits.IO {
						t.Errorf("peaks %+v beyond the limits %+v", st, limits)
					}
					if st.CPU != 0 || st.IO != 0 || st.Bytes != 0 {
						t.Errorf("still held after the run: %+v", st)
					}
				})
			})
		}
	}
}

// A chunk that costs more than the whole budget could never start, so the
// run fails at once, before it writes anything or takes a byte, with an
// error that names both sizes; no time passes in the bubble, so nothing
// waited.
func TestAChunkLargerThanTheBudgetFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t, engine.Limits{CPU: 1, IO: 1, Bytes: cost - 1})
		e := &engine.Engine{Governor: g}
		data := pipetest.Input(4 * pipetest.ChunkSize)
		container := pipetest.OraclePack(t, data, fast)
		start := time.Now()
		var out bytes.Buffer
		packErr := e.Pack(context.Background(), &out, bytes.NewReader(data), fast)
		unpackErr := e.Unpack(context.Background(), &out, bytes.NewReader(container), fast)
		for op, err := range map[string]error{"Pack": packErr, "Unpack": unpackErr} {
			if !errors.Is(err, engine.ErrOverBudget) {
				t.Errorf("%s returned %v, want an error wrapping ErrOverBudget", op, err)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(cost)) || !strings.Contains(msg, fmt.Sprint(cost-1)) {
				t.Errorf("%s's error %q does not name both the chunk's cost, %d, and the budget, %d", op, msg, cost, cost-1)
			}
		}
		if out.Len() != 0 {
			t.Errorf("%d bytes were written before the run failed, want none", out.Len())
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the runs failed after %v of bubble time, want at once", waited)
		}
		// Unpack learns the chunk size from the header, so it has read
		// the header (under one I/O token) before it can know; neither
		// run took a byte or a CPU token.
		if st := g.Stats(); st.PeakBytes != 0 || st.PeakCPU != 0 || st.PeakIO > 1 {
			t.Errorf("the runs took resources before failing: %+v", st)
		}
		t.Logf("Pack: %v", packErr)
	})
}

// Every byte and token comes back however a governed run ends: an error
// in the input, the output or a chunk, damage, or cancellation.
func TestEveryByteAndTokenComesBack(t *testing.T) {
	data := pipetest.Input(40 * pipetest.ChunkSize)
	container := pipetest.OraclePack(t, data, fast)
	damaged := pipetest.Damages(container, false)[0].Data
	cases := []struct {
		name string
		run  func(context.Context, context.CancelFunc, *engine.Engine) error
	}{
		{"pack", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, io.Discard, bytes.NewReader(data), fast)
		}},
		{"unpack", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, io.Discard, bytes.NewReader(container), fast)
		}},
		{"pack from a failing reader", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, io.Discard, &pipetest.FailingReader{R: bytes.NewReader(data), Limit: 9*pipetest.ChunkSize + 5}, fast)
		}},
		{"pack to a failing writer", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, &pipetest.FailingWriter{W: io.Discard, Limit: 3 * pipetest.ChunkSize}, bytes.NewReader(data), fast)
		}},
		{"pack with a failing chunk", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			e.EncodeHook = func(index int) error {
				if index == 7 {
					return pipetest.ErrInjected
				}
				return nil
			}
			return e.Pack(ctx, io.Discard, bytes.NewReader(data), fast)
		}},
		{"pack cancelled while writing", func(ctx context.Context, cancel context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, &pipetest.CancelingWriter{W: io.Discard, After: 5 * pipetest.ChunkSize, Cancel: cancel}, bytes.NewReader(data), fast)
		}},
		{"unpack a damaged container", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, io.Discard, bytes.NewReader(damaged), fast)
		}},
		{"unpack to a short writer", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, &pipetest.ShortWriter{W: io.Discard, Limit: 7*pipetest.ChunkSize + 5}, bytes.NewReader(container), fast)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			g := newGovernor(t, engine.Limits{CPU: 2, IO: 2, Bytes: 4 * cost})
			e := &engine.Engine{Workers: 3, Governor: g}
			err := c.run(ctx, cancel, e)
			st := g.Stats()
			if st.PeakBytes == 0 {
				t.Fatalf("the run took no bytes (err %v): it proves nothing", err)
			}
			if st.CPU != 0 || st.IO != 0 || st.Bytes != 0 {
				t.Errorf("after the run (err %v): %d CPU tokens, %d I/O tokens, %d bytes still held, want none", err, st.CPU, st.IO, st.Bytes)
			}
			if bo := e.Stats().BuffersOut; bo != 0 {
				t.Errorf("%d buffers not back in their pool", bo)
			}
		})
	}
}

// The per-file limit is structural: a file has Workers worker goroutines,
// so it never runs more encodes than that, whatever the Governor allows.
// Eight files of 2 workers under 64 CPU tokens run 16 encodes at once, 2
// per file, and no local semaphore is needed to hold a file to 2.
func TestAFileNeverRunsMoreEncodesThanItsWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGovernor(t, engine.Limits{CPU: 64, IO: 64, Bytes: 1000 * cost})
		s := newStepper()
		b := newBatch(s)
		engines := make([]*engine.Engine, files)
		for i := range engines {
			engines[i] = &engine.Engine{Workers: fileWorkers, Governor: g, EncodeHook: s.encodeHookOf(i)}
		}
		done := goPack(func() error {
			var wg sync.WaitGroup
			errs := make([]error, files)
			for i, f := range b.files {
				wg.Go(func() { errs[i] = engines[i].Pack(context.Background(), f.Dst, f.Src, fast) })
			}
			wg.Wait()
			return errors.Join(errs...)
		})
		peaks := s.drive(t, done, func(at string) {
			for i := range files {
				if n := s.encodesOf(i); n > fileWorkers {
					t.Errorf("%s: file %d runs %d encodes, more than its %d workers", at, i, n, fileWorkers)
				}
			}
		})
		b.mustMatchOracle(t)
		if peaks.encodes != files*fileWorkers {
			t.Errorf("at most %d encodes ran at once, want %d files x %d workers = %d", peaks.encodes, files, fileWorkers, files*fileWorkers)
		}
	})
}

func newGovernor(t *testing.T, l engine.Limits) *engine.Governor {
	t.Helper()
	g, err := engine.NewGovernor(l)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// A batch is eight inputs of different sizes and the buffers their
// containers go to. With a stepper, every read and write parks in it.
type batch struct {
	inputs [][]byte
	outs   []*bytes.Buffer
	files  []engine.File
}

func newBatch(s *stepper) *batch {
	b := &batch{}
	for i := range files {
		data := pipetest.Input(chunksPerFile*pipetest.ChunkSize - i*100)
		out := new(bytes.Buffer)
		f := engine.File{Name: fmt.Sprintf("file%d", i), Src: bytes.NewReader(data), Dst: out}
		if s != nil {
			f.Src, f.Dst = parkedReader{f.Src, s}, parkedWriter{out, s}
		}
		b.inputs, b.outs, b.files = append(b.inputs, data), append(b.outs, out), append(b.files, f)
	}
	return b
}

// mustMatchOracle checks that every container is the oracle's.
func (b *batch) mustMatchOracle(t *testing.T) {
	t.Helper()
	for i, data := range b.inputs {
		if !bytes.Equal(b.outs[i].Bytes(), pipetest.OraclePack(t, data, fast)) {
			t.Errorf("file %d: the container differs from the oracle's", i)
		}
	}
}

// goPack runs pack in a goroutine and delivers its error.
func goPack(pack func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- pack() }()
	return done
}

// A call is the kind of step a stepper parks.
type call int

const (
	encodeCall call = iota // an encode, parked in Engine.EncodeHook
	ioCall                 // a Read of an input or a Write of an output
)

// A stepper parks every encode, read and write of the runs it watches
// until the test lets them go on, and counts those parked. In a synctest
// bubble, once synctest.Wait returns every goroutine is blocked, so the
// steps parked then are exactly the steps in progress.
type stepper struct {
	mu     sync.Mutex
	parked [2]int
	gate   [2]chan struct{} // closed to let the parked steps of a kind go on
	byFile map[int]int      // encodes parked, by file, for encodeHookOf
}

func newStepper() *stepper {
	return &stepper{gate: [2]chan struct{}{make(chan struct{}), make(chan struct{})}, byFile: map[int]int{}}
}

func (s *stepper) park(c call) {
	s.mu.Lock()
	s.parked[c]++
	gate := s.gate[c]
	s.mu.Unlock()
	<-gate
	s.mu.Lock()
	s.parked[c]--
	s.mu.Unlock()
}

func (s *stepper) encodeHook(int) error { s.park(encodeCall); return nil }

// encodeHookOf is encodeHook for file i's Engine, counted by file too.
func (s *stepper) encodeHookOf(i int) func(int) error {
	return func(int) error {
		s.mu.Lock()
		s.byFile[i]++
		s.mu.Unlock()
		s.park(encodeCall)
		s.mu.Lock()
		s.byFile[i]--
		s.mu.Unlock()
		return nil
	}
}

func (s *stepper) encodesOf(i int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byFile[i]
}

func (s *stepper) count(c call) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parked[c]
}

// release lets every parked step of kind c go on and says how many.
func (s *stepper) release(c call) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.parked[c]
	close(s.gate[c])
	s.gate[c] = make(chan struct{})
	return n
}

type peaks struct{ encodes, io int }

// drive runs the batch to its end in steps. Each time every goroutine is
// blocked it calls check (if not nil) and records how many steps are in
// progress; then it lets the reads and writes go on, and the encodes too
// once no read or write is left parked, so the encodes are seen at their
// widest. Every goroutine blocked, nothing parked and the batch not done
// would be a deadlock: drive fails the test at once.
func (s *stepper) drive(t *testing.T, done <-chan error, check func(at string)) peaks {
	t.Helper()
	var p peaks
	for step := 0; ; step++ {
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the batch failed: %v", err)
			}
			return p
		default:
		}
		if check != nil {
			check(fmt.Sprintf("step %d", step))
		}
		p.encodes, p.io = max(p.encodes, s.count(encodeCall)), max(p.io, s.count(ioCall))
		if s.release(ioCall) > 0 {
			continue
		}
		if s.release(encodeCall) == 0 {
			t.Fatalf("step %d: every goroutine is blocked, no step is parked, and the batch is not done: a deadlock", step)
		}
	}
}

type parkedReader struct {
	r io.Reader
	s *stepper
}

func (p parkedReader) Read(b []byte) (int, error) {
	p.s.park(ioCall)
	return p.r.Read(b)
}

type parkedWriter struct {
	w io.Writer
	s *stepper
}

func (p parkedWriter) Write(b []byte) (int, error) {
	p.s.park(ioCall)
	return p.w.Write(b)
}
