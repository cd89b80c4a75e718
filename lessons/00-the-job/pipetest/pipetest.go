// Package pipetest is the conformance suite every engine in the course
// runs with one call, plus the fault-injecting readers and writers it is
// built from. The one invariant: for the same input and options, an
// engine's Pack writes exactly the oracle's bytes, and its Unpack restores
// exactly the original.
package pipetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/iotest"

	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
)

// Engine is what every lesson builds: a packer and an unpacker with the
// oracle's signatures.
type Engine interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
	Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

// ChunkSize is the chunk size the suite packs with: small, so that inputs
// of a few hundred KiB have many chunks and tests stay fast.
const ChunkSize = 4 << 10

// WorkerCounts are the worker counts the suite builds each engine with.
var WorkerCounts = []int{1, 2, 3, 8}

// Key is the key the suite encrypts with.
var Key = bytes.Repeat([]byte{0x42}, codec.KeyLen)

// Sizes are the input sizes checked against the oracle: empty, one byte,
// around one chunk, several chunks with an odd tail, and many more chunks
// than any engine's queues hold.
var Sizes = []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 7*ChunkSize + 123, 96*ChunkSize + 5}

// Run runs the whole suite against the engines newEngine builds, one for
// each of WorkerCounts. It checks for leaked goroutines after every case,
// so it must not run in parallel with other tests.
func Run(t *testing.T, newEngine func(workers int) Engine) {
	for _, workers := range WorkerCounts {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			e := newEngine(workers)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
					c.run(t, e)
				})
			}
		})
	}
}

var cases = []struct {
	name string
	run  func(*testing.T, Engine)
}{
	{"PackMatchesOracle", testPackMatchesOracle},
	{"PackMatchesOracleEncrypted", testPackMatchesOracleEncrypted},
	{"RoundTrip", testRoundTrip},
	{"UnpackRejectsDamage", testUnpackRejectsDamage},
	{"UnpackRejectsWrongKey", testUnpackRejectsWrongKey},
	{"UnpackReportsFirstBadFrame", testUnpackReportsFirstBadFrame},
	{"PackMatchesOracleZstd", testPackMatchesOracleZstd},
	{"RoundTripZstd", testRoundTripZstd},
	{"InvalidOptions", testInvalidOptions},
	{"FailingReader", testFailingReader},
	{"FailingWriter", testFailingWriter},
	{"ShortWriter", testShortWriter},
	{"SlowReaderAndWriter", testSlowReaderAndWriter},
	{"CancelBeforeStart", testCancelBeforeStart},
	{"CancelWhileReading", testCancelWhileReading},
	{"CancelWhileWriting", testCancelWhileWriting},
}

// Input returns the suite's deterministic input of n bytes.
func Input(n int) []byte { return workload.Bytes(workload.Mixed, n, uint64(n)+1) }

// Options returns the suite's options (DEFLATE, level 6); encrypted ones
// draw their salt from a fresh DeterministicRand, so every call packs
// identically.
func Options(encrypted bool) codec.Options {
	o := codec.Options{ChunkSize: ChunkSize, Level: 6}
	if encrypted {
		o.Key, o.Rand = Key, DeterministicRand(7)
	}
	return o
}

// ZstdOptions returns Options(encrypted) with the zstd codec at its
// default level.
func ZstdOptions(encrypted bool) codec.Options {
	o := Options(encrypted)
	o.Codec, o.Level = codec.Zstd, 0
	return o
}

// OraclePack packs data with the oracle, failing the test on error.
func OraclePack(t testing.TB, data []byte, o codec.Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := oracle.Pack(context.Background(), &out, bytes.NewReader(data), o); err != nil {
		t.Fatalf("oracle.Pack: %v", err)
	}
	return out.Bytes()
}

// suiteOracle is OraclePack for the suite's own inputs and options
// (Options and ZstdOptions, whose salt comes from a fresh
// DeterministicRand(7)), packed once per test binary: every engine, worker
// count and case compares with the same bytes, and under the race
// detector the oracle's packing was a large share of the suite's time.
// The container is shared: read it, never change it.
func suiteOracle(t testing.TB, data []byte, o codec.Options) []byte {
	t.Helper()
	key := oracleKey{string(data), o.Codec, o.Level, o.ChunkSize, o.Key != nil}
	if c, ok := oracleCache.Load(key); ok {
		return c.([]byte)
	}
	c := OraclePack(t, data, o)
	oracleCache.Store(key, c)
	return c
}

type oracleKey struct {
	data      string
	codec     codec.Codec
	level     int
	chunkSize int
	encrypted bool
}

var oracleCache sync.Map // oracleKey -> []byte

func pack(e Engine, data []byte, o codec.Options) ([]byte, error) {
	var out bytes.Buffer
	err := e.Pack(context.Background(), &out, bytes.NewReader(data), o)
	return out.Bytes(), err
}

func unpack(e Engine, container []byte, o codec.Options) ([]byte, error) {
	var out bytes.Buffer
	err := e.Unpack(context.Background(), &out, bytes.NewReader(container), o)
	return out.Bytes(), err
}

func checkMatchesOracle(t *testing.T, e Engine, options func(encrypted bool) codec.Options, encrypted bool) {
	for _, n := range Sizes {
		data := Input(n)
		want := suiteOracle(t, data, options(encrypted))
		got, err := pack(e, data, options(encrypted))
		if err != nil {
			t.Fatalf("size %d: Pack: %v", n, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("size %d: Pack wrote %d bytes that differ from the oracle's %d (first difference at byte %d)",
				n, len(got), len(want), firstDifference(got, want))
		}
	}
}

func testPackMatchesOracle(t *testing.T, e Engine)          { checkMatchesOracle(t, e, Options, false) }
func testPackMatchesOracleEncrypted(t *testing.T, e Engine) { checkMatchesOracle(t, e, Options, true) }
func testRoundTrip(t *testing.T, e Engine)                  { checkRoundTrip(t, e, Options) }

func testPackMatchesOracleZstd(t *testing.T, e Engine) {
	checkMatchesOracle(t, e, ZstdOptions, false)
	checkMatchesOracle(t, e, ZstdOptions, true)
}

func testRoundTripZstd(t *testing.T, e Engine) { checkRoundTrip(t, e, ZstdOptions) }

func checkRoundTrip(t *testing.T, e Engine, options func(encrypted bool) codec.Options) {
	for _, encrypted := range []bool{false, true} {
		for _, n := range Sizes {
			data := Input(n)
			got, err := unpack(e, suiteOracle(t, data, options(encrypted)), options(encrypted))
			if err != nil {
				t.Fatalf("size %d encrypted=%v: Unpack: %v", n, encrypted, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("size %d encrypted=%v: Unpack restored %d bytes that differ from the original (first difference at byte %d)",
					n, encrypted, len(got), firstDifference(got, data))
			}
		}
	}
}

func testUnpackRejectsDamage(t *testing.T, e Engine) {
	data := Input(7*ChunkSize + 123)
	for _, encrypted := range []bool{false, true} {
		for _, d := range Damages(suiteOracle(t, data, Options(encrypted)), encrypted) {
			_, err := unpack(e, d.Data, Options(encrypted))
			if !errors.Is(err, d.Want) {
				t.Errorf("encrypted=%v, %s: Unpack returned %v, want an error wrapping %q", encrypted, d.Name, err, d.Want)
			}
		}
	}
	for _, n := range []int{0, len(data)} {
		for _, d := range HeaderDamages(suiteOracle(t, data[:n], Options(true))) {
			out, err := unpack(e, d.Data, Options(true))
			if !errors.Is(err, d.Want) {
				t.Errorf("encrypted, %d bytes, %s: Unpack returned %v (and %d bytes), want an error wrapping %q", n, d.Name, err, len(out), d.Want)
			}
		}
	}
}

func testUnpackRejectsWrongKey(t *testing.T, e Engine) {
	container := suiteOracle(t, Input(3*ChunkSize), Options(true))
	o := Options(true)
	o.Key = bytes.Repeat([]byte{0x43}, codec.KeyLen)
	if _, err := unpack(e, container, o); !errors.Is(err, format.ErrAuth) {
		t.Errorf("wrong key: Unpack returned %v, want format.ErrAuth", err)
	}
	if _, err := unpack(e, container, Options(false)); !errors.Is(err, format.ErrKeyRequired) {
		t.Errorf("no key: Unpack returned %v, want format.ErrKeyRequired", err)
	}
}

// badFrameRuns is how many times the suite unpacks a container whose
// frames all fail: a worker that happens to finish a later frame first
// must never change which frame is reported.
const badFrameRuns = 5

// testUnpackReportsFirstBadFrame checks that when several frames fail to
// decode, the error names the first of them in container order, the
// frame a sequential reader would have stopped at, whichever worker
// failed first.
func testUnpackReportsFirstBadFrame(t *testing.T, e Engine) {
	data := Input(48 * ChunkSize)
	wrongKey := Options(true)
	wrongKey.Key = bytes.Repeat([]byte{0x43}, codec.KeyLen)
	cases := []struct {
		name      string
		container []byte
		o         codec.Options
		want      uint64
	}{
		{"wrong key (every frame fails)", suiteOracle(t, data, Options(true)), wrongKey, 0},
		{"frames 5 and 40 spoiled", SpoilPayload(suiteOracle(t, data, Options(false)), 40, 5), Options(false), 5},
		{"zstd frames 3, 4 and 30 spoiled", SpoilPayload(suiteOracle(t, data, ZstdOptions(false)), 30, 4, 3), ZstdOptions(false), 3},
	}
	for _, c := range cases {
		for range badFrameRuns {
			_, err := unpack(e, c.container, c.o)
			var fe *format.Error
			if !errors.As(err, &fe) || fe.Where != format.InFrame || fe.Frame != c.want {
				t.Fatalf("%s: Unpack returned %v, want a *format.Error naming frame %d, the first bad frame in container order", c.name, err, c.want)
			}
		}
	}
}

func testInvalidOptions(t *testing.T, e Engine) {
	bad := codec.Options{ChunkSize: ChunkSize, Level: 42}
	if _, err := pack(e, Input(10), bad); !errors.Is(err, codec.ErrOptions) {
		t.Errorf("Pack with level 42 returned %v, want codec.ErrOptions", err)
	}
	if _, err := unpack(e, suiteOracle(t, Input(10), Options(false)), bad); !errors.Is(err, codec.ErrOptions) {
		t.Errorf("Unpack with level 42 returned %v, want codec.ErrOptions", err)
	}
}

func testFailingReader(t *testing.T, e Engine) {
	data := Input(20 * ChunkSize)
	src := &FailingReader{R: bytes.NewReader(data), Limit: 5*ChunkSize + 77}
	if err := e.Pack(context.Background(), io.Discard, src, Options(false)); !errors.Is(err, ErrInjected) {
		t.Errorf("Pack from a reader failing at byte %d returned %v, want an error wrapping ErrInjected", src.Limit, err)
	}
	container := suiteOracle(t, data, Options(false))
	src = &FailingReader{R: bytes.NewReader(container), Limit: int64(len(container) / 2)}
	if err := e.Unpack(context.Background(), io.Discard, src, Options(false)); !errors.Is(err, ErrInjected) {
		t.Errorf("Unpack from a reader failing at byte %d returned %v, want an error wrapping ErrInjected", src.Limit, err)
	}
}

func testFailingWriter(t *testing.T, e Engine) {
	data := Input(20 * ChunkSize)
	dst := &FailingWriter{W: io.Discard, Limit: 1000}
	if err := e.Pack(context.Background(), dst, bytes.NewReader(data), Options(false)); !errors.Is(err, ErrInjected) {
		t.Errorf("Pack to a writer failing at byte %d returned %v, want an error wrapping ErrInjected", dst.Limit, err)
	}
	dst = &FailingWriter{W: io.Discard, Limit: 7*ChunkSize + 5}
	container := suiteOracle(t, data, Options(false))
	if err := e.Unpack(context.Background(), dst, bytes.NewReader(container), Options(false)); !errors.Is(err, ErrInjected) {
		t.Errorf("Unpack to a writer failing at byte %d returned %v, want an error wrapping ErrInjected", dst.Limit, err)
	}
}

func testShortWriter(t *testing.T, e Engine) {
	data := Input(20 * ChunkSize)
	dst := &ShortWriter{W: io.Discard, Limit: 1000}
	if err := e.Pack(context.Background(), dst, bytes.NewReader(data), Options(false)); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("Pack to a short writer returned %v, want io.ErrShortWrite", err)
	}
	dst = &ShortWriter{W: io.Discard, Limit: 7*ChunkSize + 5}
	container := suiteOracle(t, data, Options(false))
	if err := e.Unpack(context.Background(), dst, bytes.NewReader(container), Options(false)); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("Unpack to a short writer returned %v, want io.ErrShortWrite", err)
	}
}

func testSlowReaderAndWriter(t *testing.T, e Engine) {
	data := Input(9*ChunkSize + 1)
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"one byte per read": iotest.OneByteReader,
		"half reads":        iotest.HalfReader,
		"data with EOF":     iotest.DataErrReader,
	} {
		var packed bytes.Buffer
		if err := e.Pack(context.Background(), SlowWriter{&packed}, wrap(bytes.NewReader(data)), Options(true)); err != nil {
			t.Fatalf("%s: Pack: %v", name, err)
		}
		if !bytes.Equal(packed.Bytes(), suiteOracle(t, data, Options(true))) {
			t.Fatalf("%s: Pack output differs from the oracle's", name)
		}
		var out bytes.Buffer
		if err := e.Unpack(context.Background(), SlowWriter{&out}, wrap(bytes.NewReader(packed.Bytes())), Options(true)); err != nil {
			t.Fatalf("%s: Unpack: %v", name, err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("%s: Unpack output differs from the original", name)
		}
	}
}

func testCancelBeforeStart(t *testing.T, e Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Pack(ctx, io.Discard, bytes.NewReader(Input(10*ChunkSize)), Options(false)); !errors.Is(err, context.Canceled) {
		t.Errorf("Pack with a cancelled context returned %v, want context.Canceled", err)
	}
	container := suiteOracle(t, Input(10*ChunkSize), Options(false))
	if err := e.Unpack(ctx, io.Discard, bytes.NewReader(container), Options(false)); !errors.Is(err, context.Canceled) {
		t.Errorf("Unpack with a cancelled context returned %v, want context.Canceled", err)
	}
}

// cancelGrace is how far past a cancellation an engine may go on reading:
// whatever its queues hold, but not the rest of an endless input.
const cancelGrace = 256 * ChunkSize

func testCancelWhileReading(t *testing.T, e Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &CancelingReader{R: Endless(1), After: 10 * ChunkSize, Grace: cancelGrace, Cancel: cancel}
	err := e.Pack(ctx, io.Discard, src, Options(false))
	if src.Overran.Load() {
		t.Fatalf("Pack read more than %d bytes after the context was cancelled", cancelGrace)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Pack cancelled mid-input returned %v, want context.Canceled", err)
	}
}

func testCancelWhileWriting(t *testing.T, e Engine) {
	data := Input(400 * ChunkSize)
	container := suiteOracle(t, data, Options(false))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dst := &CancelingWriter{W: io.Discard, After: 10 * ChunkSize, Cancel: cancel}
	if err := e.Unpack(ctx, dst, bytes.NewReader(container), Options(false)); !errors.Is(err, context.Canceled) {
		t.Errorf("Unpack cancelled mid-output returned %v, want context.Canceled", err)
	}
	if dst.written >= int64(len(data)) {
		t.Errorf("Unpack wrote all %d bytes after the context was cancelled at byte %d", dst.written, dst.After)
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
