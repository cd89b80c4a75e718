package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/lessons/00-the-job/pipetest"
	lesson07 "packcourse/lessons/07-observability/engine"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

// The conformance suite again, reading at offsets: pipetest's inputs are
// bytes.Readers, so with ReadDepth above 1 every Pack of the suite goes
// through readAhead, and must still write exactly the oracle's bytes and
// survive faults and cancellation without leaking a goroutine.
func TestConformanceReadingAtOffsets(t *testing.T) {
	for _, depth := range []int{2, 16} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			pipetest.Run(t, func(workers int) pipetest.Engine {
				return &engine.Engine{Workers: workers, ReadDepth: depth}
			})
		})
	}
}

func TestConformanceReadingAtOffsetsGoverned(t *testing.T) {
	pipetest.Run(t, func(workers int) pipetest.Engine {
		return &engine.Engine{Workers: workers, ReadDepth: 4, Governor: newGovernor(t, engine.Limits{CPU: 1, IO: 2, Bytes: 3 * cost})}
	})
}

// docs:region slowDevice
// A slowDevice is an input whose every read takes the same simulated
// latency: in a synctest bubble time.Sleep is virtual, so a read of 1ms
// costs no real time and the run's simulated time is exactly what the
// reads' overlap makes it. It counts its reads in flight itself, so the
// proof does not rest on the engine's own figures.
type slowDevice struct {
	data     []byte
	latency  time.Duration
	reads    atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64
	failAt   int64 // a read covering this offset fails; -1 for none
}

var errBadSector = errors.New("slow device: bad sector")

func (d *slowDevice) ReadAt(p []byte, off int64) (int, error) {
	now := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for peak := d.peak.Load(); now > peak && !d.peak.CompareAndSwap(peak, now); peak = d.peak.Load() {
	}
	d.reads.Add(1)
	time.Sleep(d.latency)
	if d.failAt >= off && d.failAt < off+int64(len(p)) {
		return 0, errBadSector
	}
	if off >= int64(len(d.data)) {
		return 0, io.EOF
	}
	n := copy(p, d.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// input is the device as Pack sees it: an io.SectionReader, which reads,
// seeks and reads at offsets, all through the device's ReadAt.
func (d *slowDevice) input() *io.SectionReader {
	return io.NewSectionReader(d, 0, int64(len(d.data)))
}

// docs:endregion slowDevice

func newSlowDevice(data []byte) *slowDevice {
	return &slowDevice{data: data, latency: time.Millisecond, failAt: -1}
}

// packTimed packs the device's input with e in a synctest bubble and
// returns the output and the simulated time the Pack took.
func packTimed(t *testing.T, e pipetest.Engine, d *slowDevice) ([]byte, time.Duration) {
	t.Helper()
	var out bytes.Buffer
	var took time.Duration
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := e.Pack(t.Context(), &out, d.input(), fast); err != nil {
			t.Fatalf("Pack: %v", err)
		}
		took = time.Since(start)
	})
	return out.Bytes(), took
}

// docs:region TestThroughputGrowsWithDepth
// 64 chunks from a device whose every read takes 1ms of simulated time.
// Lesson 07 reads them one after another; lesson 08 keeps depth reads in
// flight. The device counts the reads in flight: never more than depth,
// exactly depth once there is work for them, and the simulated time falls
// as 1/depth: 64 chunks at depth d take ceil(64/d) latencies. The output
// is the oracle's, byte for byte, at every depth.
func TestThroughputGrowsWithDepth(t *testing.T) {
	const chunks, workers = 64, 2
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	want := pipetest.OraclePack(t, data, fast)
	mib := float64(len(data)) / (1 << 20)

	d := newSlowDevice(data)
	out, took := packTimed(t, &lesson07.Engine{Workers: workers}, d)
	if !bytes.Equal(out, want) {
		t.Fatal("lesson 07's output differs from the oracle's")
	}
	if d.peak.Load() != 1 || took < chunks*d.latency {
		t.Fatalf("lesson 07: %d reads in flight at most, %v for %d chunks; want 1 and at least %v", d.peak.Load(), took, chunks, chunks*d.latency)
	}
	t.Logf("lesson 07   : %3d reads, at most %2d in flight, %5v simulated, %6.1f MiB/s simulated", d.reads.Load(), d.peak.Load(), took, mib/took.Seconds())

	for _, depth := range []int{2, 4, 8, 16} {
		d := newSlowDevice(data)
		// Queue holds the futures of chunks read ahead: room for depth of them.
		e := &engine.Engine{Workers: workers, Queue: depth, ReadDepth: depth}
		out, took := packTimed(t, e, d)
		if !bytes.Equal(out, want) {
			t.Fatalf("depth %d: the output differs from the oracle's", depth)
		}
		if peak := d.peak.Load(); peak != int64(depth) {
			t.Errorf("depth %d: %d reads in flight at most, want exactly %d", depth, peak, depth)
		}
		if s := e.Stats(); s.PeakReadsInFlight != int(d.peak.Load()) || s.ReadDepth != depth {
			t.Errorf("depth %d: Stats say depth %d and %d reads in flight at most; the device counted %d", depth, s.ReadDepth, s.PeakReadsInFlight, d.peak.Load())
		}
		if bound := time.Duration((chunks+depth-1)/depth) * d.latency; took != bound {
			t.Errorf("depth %d: %v simulated for %d chunks, want ceil(%d/%d) x %v = %v", depth, took, chunks, chunks, depth, d.latency, bound)
		}
		t.Logf("lesson 08 d=%-2d: %3d reads, at most %2d in flight, %5v simulated, %6.1f MiB/s simulated", depth, d.reads.Load(), d.peak.Load(), took, mib/took.Seconds())
	}
}

// docs:endregion TestThroughputGrowsWithDepth

// The writer's line is the other bound: a chunk's future goes in line
// before its read starts, and the line holds Queue futures beside the one
// the writer waits on, so no more than Queue+1 reads can be in flight. With
// the default Queue (2 x Workers = 4), depth 16 gets 5.
func TestDepthIsBoundedByTheWritersLine(t *testing.T) {
	const chunks, workers = 64, 2
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	d := newSlowDevice(data)
	e := &engine.Engine{Workers: workers, ReadDepth: 16}
	out, took := packTimed(t, e, d)
	if !bytes.Equal(out, pipetest.OraclePack(t, data, fast)) {
		t.Fatal("the output differs from the oracle's")
	}
	queue := 2 * workers
	if peak := d.peak.Load(); peak != int64(queue+1) {
		t.Fatalf("%d reads in flight at most with ReadDepth 16 and Queue %d: want Queue+1 = %d", peak, queue, queue+1)
	}
	t.Logf("ReadDepth 16, Queue %d: at most %d reads in flight, %v simulated", queue, d.peak.Load(), took)
}

// docs:region TestGovernedReadsStayWithinIOTokens
// Governed, every ReadAt runs under one of the Governor's I/O tokens: with
// 2 tokens, depth 16 keeps 2 reads in flight, no more.
func TestGovernedReadsStayWithinIOTokens(t *testing.T) {
	const chunks = 64
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	d := newSlowDevice(data)
	g := newGovernor(t, engine.Limits{CPU: 2, IO: 2, Bytes: 32 * cost})
	e := &engine.Engine{Workers: 2, Queue: 16, ReadDepth: 16, Governor: g}
	out, took := packTimed(t, e, d)
	if !bytes.Equal(out, pipetest.OraclePack(t, data, fast)) {
		t.Fatal("the output differs from the oracle's")
	}
	if peak := d.peak.Load(); peak != 2 {
		t.Fatalf("%d reads in flight at most under 2 I/O tokens, want 2", peak)
	}
	t.Logf("depth 16 under 2 I/O tokens: at most %d reads in flight, %v simulated", d.peak.Load(), took)
}

// docs:endregion TestGovernedReadsStayWithinIOTokens

// A read that fails is reported in input order, as the sequential
// reader's is: the chunks before it are written, the error is returned,
// no buffer is left out and no goroutine is left behind (TestMain).
func TestReadErrorIsReportedInOrder(t *testing.T) {
	const chunks = 40
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	synctest.Test(t, func(t *testing.T) {
		d := newSlowDevice(data)
		d.failAt = 9*pipetest.ChunkSize + 5
		e := &engine.Engine{Workers: 2, Queue: 8, ReadDepth: 8}
		var out bytes.Buffer
		err := e.Pack(t.Context(), &out, d.input(), fast)
		if !errors.Is(err, errBadSector) {
			t.Fatalf("Pack returned %v, want the device's error", err)
		}
		s := e.Stats()
		if s.Chunks != 9 || s.BuffersOut != 0 {
			t.Fatalf("%d chunks written before the bad one (chunk 9), %d buffers out; want 9 and 0", s.Chunks, s.BuffersOut)
		}
		if reads := d.reads.Load(); reads > 9+1+8 {
			t.Fatalf("%d reads for a failure at chunk 9 with depth 8: reads went on after the failure", reads)
		}
	})
}

// docs:region TestAPipeKeepsTheSequentialReader
// A pipe cannot be read at offsets: an *os.File has ReadAt, but a pipe
// cannot seek, so Pack reads it in sequence whatever ReadDepth says, and
// still writes the oracle's bytes. So does any plain io.Reader.
func TestAPipeKeepsTheSequentialReader(t *testing.T) {
	data := pipetest.Input(20*pipetest.ChunkSize + 7)
	want := pipetest.OraclePack(t, data, fast)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.Write(data)
		w.Close()
	}()
	e := &engine.Engine{Workers: 2, ReadDepth: 8}
	var out bytes.Buffer
	if err := e.Pack(context.Background(), &out, r, fast); err != nil {
		t.Fatalf("Pack from a pipe: %v", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatal("Pack from a pipe: the output differs from the oracle's")
	}
	if s := e.Stats(); s.ReadDepth != 1 || s.PeakReadsInFlight != 0 {
		t.Fatalf("Pack from a pipe with ReadDepth 8: Stats say depth %d, %d ReadAt calls in flight; want the sequential reader (1, 0)", s.ReadDepth, s.PeakReadsInFlight)
	}
	// A plain io.Reader has no ReadAt at all.
	out.Reset()
	if err := e.Pack(context.Background(), &out, io.MultiReader(bytes.NewReader(data)), fast); err != nil || !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("Pack from a plain io.Reader: %v, or the output differs from the oracle's", err)
	}
	if s := e.Stats(); s.ReadDepth != 1 {
		t.Fatalf("Pack from a plain io.Reader: depth %d, want the sequential reader", s.ReadDepth)
	}
}

// docs:endregion TestAPipeKeepsTheSequentialReader

// A regular file is read at offsets, from its read position, and is left
// at its end after the Pack, as the sequential reader leaves it.
func TestAFileIsReadFromItsPosition(t *testing.T) {
	data := pipetest.Input(12*pipetest.ChunkSize + 100)
	path := t.TempDir() + "/input"
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const skip = 3*pipetest.ChunkSize + 11
	if _, err := f.Seek(skip, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	e := &engine.Engine{Workers: 2, ReadDepth: 4}
	var out bytes.Buffer
	if err := e.Pack(context.Background(), &out, f, fast); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), pipetest.OraclePack(t, data[skip:], fast)) {
		t.Fatal("the output differs from the oracle's for the file from its read position")
	}
	if s := e.Stats(); s.ReadDepth != 4 || s.PeakReadsInFlight < 1 {
		t.Fatalf("a regular file: depth %d, %d reads in flight; want it read at offsets", s.ReadDepth, s.PeakReadsInFlight)
	}
	if pos, _ := f.Seek(0, io.SeekCurrent); pos != int64(len(data)) {
		t.Fatalf("the file was left at offset %d, want its end %d", pos, len(data))
	}
}

func TestDetectReadDepth(t *testing.T) {
	if d, why := engine.DetectReadDepth(bytes.NewReader(nil)); d != 1 {
		t.Errorf("a bytes.Reader: depth %d (%s), want 1: memory has no latency to hide", d, why)
	}
	f, err := os.Open(os.Args[0]) // the test binary: a regular file on some device
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, why := engine.DetectReadDepth(f)
	if d != engine.DepthRotational && d != engine.DepthSolidState && d != engine.DepthUnknown {
		t.Errorf("a file: depth %d (%s), not one of the three choices", d, why)
	}
	t.Logf("the test binary's file: depth %d, %s", d, why)
}
