package engine_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"testing/synctest"

	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/lessons/00-the-job/pipetest"
	lesson03 "packcourse/lessons/03-channel-pipeline/engine"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The streaming pipeline writes exactly the oracle's bytes, restores
// exactly the input, rejects damage with the right kind, and survives
// failing and slow readers and writers and cancellation without leaking a
// goroutine.
func TestConformance(t *testing.T) {
	pipetest.Run(t, func(workers int) pipetest.Engine { return &engine.Engine{Workers: workers} })
}

// The input grows 8x, from 32 to 256 chunks. Lesson 03 holds the whole
// input, so its peak grows with it. Lesson 04 holds its pools' buffers and
// nothing else: exactly PackBound bytes for both inputs, because its pools
// hand out every slot before reusing one, and fewer chunks than slots
// would be the only way to use less.
func TestPeakBytesStayFlatAsTheInputGrows8x(t *testing.T) {
	const chunkSize = pipetest.ChunkSize
	workerCounts := []int{1, 2, 4}
	peaks03, peaks04 := map[int][]int64{}, map[int][]int64{}
	for _, chunks := range []int{32, 256} {
		data := pipetest.Input(chunks * chunkSize)
		want := pipetest.OraclePack(t, data, fast)
		for _, workers := range workerCounts {
			l03 := &lesson03.Engine{Workers: workers}
			packMustMatchOracle(t, l03, data, want)
			e := &engine.Engine{Workers: workers}
			packMustMatchOracle(t, e, data, want)
			p03, p04 := l03.Stats().PeakBufferedBytes, e.Stats().PeakBufferedBytes
			if p03 < int64(len(data)) {
				t.Errorf("%d chunks, %d workers: lesson 03 peaked at %d bytes, less than its %d-byte input", chunks, workers, p03, len(data))
			}
			if bound := engine.PackBound(workers, 2*workers, chunkSize); p04 != bound {
				t.Errorf("%d chunks, %d workers: lesson 04 peaked at %d bytes, want exactly PackBound = %d", chunks, workers, p04, bound)
			}
			peaks03[workers], peaks04[workers] = append(peaks03[workers], p03), append(peaks04[workers], p04)
		}
	}
	for _, workers := range workerCounts {
		t.Logf("workers=%d: peak buffered bytes for 32 -> 256 chunks: lesson 03 %d -> %d, lesson 04 %d -> %d",
			workers, peaks03[workers][0], peaks03[workers][1], peaks04[workers][0], peaks04[workers][1])
	}
}

// Unpack's buffers grow to the frames that arrive, so which frame lands in
// which slot first changes their exact size; what does not change is the
// bound, the same for 32 and 256 chunks, where lesson 03 holds the whole
// container.
func TestUnpackPeakBytesStayUnderABoundAsTheInputGrows8x(t *testing.T) {
	const workers, chunkSize = 2, pipetest.ChunkSize
	queue := 2 * workers
	bound := int64(workers+1)*int64(format.MaxBodyLen(chunkSize)) + int64(queue+1)*chunkSize
	for _, chunks := range []int{32, 256} {
		data := pipetest.Input(chunks * chunkSize)
		container := pipetest.OraclePack(t, data, fast)
		l03 := &lesson03.Engine{Workers: workers}
		unpackMustRestore(t, l03, container, data)
		e := &engine.Engine{Workers: workers}
		unpackMustRestore(t, e, container, data)
		if p := l03.Stats().PeakBufferedBytes; p < int64(len(container)) {
			t.Errorf("%d chunks: lesson 03 peaked at %d bytes, less than its %d-byte container", chunks, p, len(container))
		}
		if p := e.Stats().PeakBufferedBytes; p > bound {
			t.Errorf("%d chunks: lesson 04 peaked at %d bytes, more than (Workers+1)*MaxBodyLen + (Queue+1)*ChunkSize = %d", chunks, p, bound)
		}
		t.Logf("%d chunks: lesson 03 %d bytes, lesson 04 %d bytes (bound %d)", chunks, l03.Stats().PeakBufferedBytes, e.Stats().PeakBufferedBytes, bound)
	}
}

// Hold chunk 0 back until every goroutine is blocked. The pipeline is then
// as full as it gets: the same Queue+2 chunks in flight and Workers+2
// goroutines as lesson 03, and every slot of both pools in use, so the
// buffers are exactly PackBound bytes, each made once.
func TestFullPipelineUsesEverySlotOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, queue = 3, 5
		release := make(chan struct{})
		e := &engine.Engine{Workers: workers, Queue: queue, EncodeHook: holdChunk0(release)}
		data := pipetest.Input(64 * pipetest.ChunkSize)
		var out bytes.Buffer
		done := make(chan error, 1)
		go func() { done <- e.Pack(context.Background(), &out, bytes.NewReader(data), fast) }()
		synctest.Wait() // every goroutine is blocked: the pipeline is full
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("Pack: %v", err)
		}

		if !bytes.Equal(out.Bytes(), pipetest.OraclePack(t, data, fast)) {
			t.Error("Pack's output differs from the oracle's")
		}
		s := e.Stats()
		if s.PeakInFlight != queue+2 || s.PeakGoroutines != workers+2 {
			t.Errorf("peak in flight %d, goroutines %d; want Queue+2 = %d and Workers+2 = %d",
				s.PeakInFlight, s.PeakGoroutines, queue+2, workers+2)
		}
		if want := (workers + 1) + (queue + 1); s.Buffers != want {
			t.Errorf("the pools made %d buffers for 64 chunks, want one per slot: %d", s.Buffers, want)
		}
		if bound := engine.PackBound(workers, queue, pipetest.ChunkSize); s.PeakBufferedBytes != bound {
			t.Errorf("buffers hold %d bytes, want PackBound = %d", s.PeakBufferedBytes, bound)
		}
		if s.BuffersOut != 0 {
			t.Errorf("%d buffers not back in their pool", s.BuffersOut)
		}
		t.Logf("Workers=%d, Queue=%d, 64 chunks: peak in flight %d, goroutines %d, %d buffers made holding %d bytes (PackBound %d), %d out",
			workers, queue, s.PeakInFlight, s.PeakGoroutines, s.Buffers, s.PeakBufferedBytes,
			engine.PackBound(workers, queue, pipetest.ChunkSize), s.BuffersOut)
	})
}

// holdChunk0 is an EncodeHook that holds chunk 0 until release is closed.
func holdChunk0(release chan struct{}) func(int) error {
	return func(index int) error {
		if index == 0 {
			<-release
		}
		return nil
	}
}

// Every buffer is back in its pool when a run ends, however it ends.
func TestEveryBufferComesBack(t *testing.T) {
	data := pipetest.Input(40 * pipetest.ChunkSize)
	plain, encrypted := fast, pipetest.Options(true)
	container := pipetest.OraclePack(t, data, plain)
	sealed := pipetest.OraclePack(t, data, encrypted)
	wrongKey := pipetest.Options(true)
	wrongKey.Key = bytes.Repeat([]byte{1}, codec.KeyLen)
	damaged := pipetest.Damages(container, false)[0].Data // a flipped bit in frame 1
	errChunk := errors.New("chunk 7 is bad")

	cases := []struct {
		name string
		run  func(context.Context, context.CancelFunc, *engine.Engine) error
	}{
		{"pack", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, io.Discard, bytes.NewReader(data), plain)
		}},
		{"unpack", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, io.Discard, bytes.NewReader(container), plain)
		}},
		{"pack from a failing reader", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, io.Discard, &pipetest.FailingReader{R: bytes.NewReader(data), Limit: 9*pipetest.ChunkSize + 5}, plain)
		}},
		{"pack to a failing writer", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, &pipetest.FailingWriter{W: io.Discard, Limit: 3 * pipetest.ChunkSize}, bytes.NewReader(data), plain)
		}},
		{"pack with a failing chunk", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			e.EncodeHook = func(index int) error {
				if index == 7 {
					return errChunk
				}
				return nil
			}
			return e.Pack(ctx, io.Discard, bytes.NewReader(data), plain)
		}},
		{"pack cancelled while reading", func(ctx context.Context, cancel context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, io.Discard, &pipetest.CancelingReader{R: pipetest.Endless(1), After: 10 * pipetest.ChunkSize, Grace: 1 << 20, Cancel: cancel}, plain)
		}},
		{"pack cancelled while writing", func(ctx context.Context, cancel context.CancelFunc, e *engine.Engine) error {
			return e.Pack(ctx, &pipetest.CancelingWriter{W: io.Discard, After: 5 * pipetest.ChunkSize, Cancel: cancel}, bytes.NewReader(data), plain)
		}},
		{"unpack from a failing reader", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, io.Discard, &pipetest.FailingReader{R: bytes.NewReader(container), Limit: int64(len(container) / 2)}, plain)
		}},
		{"unpack to a short writer", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, &pipetest.ShortWriter{W: io.Discard, Limit: 7*pipetest.ChunkSize + 5}, bytes.NewReader(container), plain)
		}},
		{"unpack a damaged container", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, io.Discard, bytes.NewReader(damaged), plain)
		}},
		{"unpack with the wrong key", func(ctx context.Context, _ context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, io.Discard, bytes.NewReader(sealed), wrongKey)
		}},
		{"unpack cancelled while writing", func(ctx context.Context, cancel context.CancelFunc, e *engine.Engine) error {
			return e.Unpack(ctx, &pipetest.CancelingWriter{W: io.Discard, After: 5 * pipetest.ChunkSize, Cancel: cancel}, iotest.HalfReader(bytes.NewReader(container)), plain)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := &engine.Engine{Workers: 3}
			err := c.run(ctx, cancel, e)
			s := e.Stats()
			if s.Buffers == 0 {
				t.Fatalf("the run made no buffers (err %v): it proves nothing", err)
			}
			if s.BuffersOut != 0 {
				t.Errorf("%d of %d buffers not back in their pool (run returned %v)", s.BuffersOut, s.Buffers, err)
			}
			t.Logf("returned %v; %d buffers made, %d out", err, s.Buffers, s.BuffersOut)
		})
	}
}

// A writer that fails while the FIFO is full of encoded frames: those
// frames sit in futures nobody will wait on again, and only recycle puts
// their buffers back.
func TestBuffersInTheQueueComeBackWhenTheWriterFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, queue = 2, 6
		gate := &gateWriter{release: make(chan error)}
		e := &engine.Engine{Workers: workers, Queue: queue}
		done := make(chan error, 1)
		go func() {
			done <- e.Pack(context.Background(), gate, bytes.NewReader(pipetest.Input(64*pipetest.ChunkSize)), fast)
		}()
		synctest.Wait() // the writer is stuck in frame 0's Write; the FIFO is full of finished frames
		gate.release <- pipetest.ErrInjected
		err := <-done
		if !errors.Is(err, pipetest.ErrInjected) {
			t.Errorf("Pack returned %v, want the writer's error", err)
		}
		s := e.Stats()
		if s.BuffersOut != 0 {
			t.Errorf("%d of %d buffers not back in their pool", s.BuffersOut, s.Buffers)
		}
		if want := (workers + 1) + (queue + 1); s.Buffers != want {
			t.Errorf("the pools made %d buffers, want all %d slots used, or the test did not fill the FIFO", s.Buffers, want)
		}
		t.Logf("the writer failed with the FIFO full: %d buffers made, %d out", s.Buffers, s.BuffersOut)
	})
}

// gateWriter lets the header through, then blocks the next Write until a
// value arrives on release, and returns it as that Write's error.
type gateWriter struct {
	release chan error
	writes  int
}

func (g *gateWriter) Write(p []byte) (int, error) {
	if g.writes++; g.writes == 1 {
		return len(p), nil
	}
	if err := <-g.release; err != nil {
		return 0, err
	}
	return len(p), nil
}

// Cancelled while the writer waits for chunk 0: the writer leaves, and the
// frame chunk 0's worker delivers afterwards lands in a future nobody
// holds any more, except recycle, which puts its buffer back.
func TestBufferOfTheAwaitedChunkComesBackWhenCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		e := &engine.Engine{Workers: 2, Queue: 4, EncodeHook: holdChunk0(release)}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() {
			done <- e.Pack(ctx, io.Discard, bytes.NewReader(pipetest.Input(64*pipetest.ChunkSize)), fast)
		}()
		synctest.Wait() // the writer waits for chunk 0, held in its worker
		cancel()
		synctest.Wait() // every stage but chunk 0's worker has given up
		close(release)  // chunk 0 is encoded, into a future nobody waits on
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Pack returned %v, want context.Canceled", err)
		}
		s := e.Stats()
		if s.BuffersOut != 0 {
			t.Errorf("%d of %d buffers not back in their pool", s.BuffersOut, s.Buffers)
		}
		t.Logf("cancelled while the writer waited for chunk 0: %d buffers made, %d out", s.Buffers, s.BuffersOut)
	})
}

// Chunks through the pipeline never outnumber lesson 03's bound, and the
// goroutines stay Workers+2, for a 256-chunk input behind a slow writer.
func TestBoundsUnderASlowWriter(t *testing.T) {
	data := pipetest.Input(256 * pipetest.ChunkSize)
	for _, workers := range []int{1, 2, 8} {
		e := &engine.Engine{Workers: workers}
		var out bytes.Buffer
		if err := e.Pack(context.Background(), pipetest.SlowWriter{W: &out}, bytes.NewReader(data), fast); err != nil {
			t.Fatal(err)
		}
		s := e.Stats()
		if s.PeakInFlight > 2*workers+2 || s.PeakGoroutines != workers+2 || s.Chunks != 256 {
			t.Errorf("workers=%d: %d in flight (bound %d), %d goroutines (want %d), %d chunks (want 256)",
				workers, s.PeakInFlight, 2*workers+2, s.PeakGoroutines, workers+2, s.Chunks)
		}
	}
}

// fast are the proof tests' options: the suite's small chunks at DEFLATE
// level 1, which keeps 256-chunk runs quick under the race detector. No
// figure the tests check depends on the level.
var fast = codec.Options{ChunkSize: pipetest.ChunkSize, Level: 1}

// packMustMatchOracle packs data with e and fails the test unless it
// writes want, the oracle's bytes.
func packMustMatchOracle(t *testing.T, e pipetest.Engine, data, want []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := e.Pack(context.Background(), &out, bytes.NewReader(data), fast); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatal("Pack's output differs from the oracle's")
	}
}

// unpackMustRestore unpacks container with e and fails the test unless it
// restores exactly data.
func unpackMustRestore(t *testing.T, e pipetest.Engine, container, data []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := e.Unpack(context.Background(), &out, bytes.NewReader(container), fast); err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatal("Unpack's output differs from the original")
	}
}
