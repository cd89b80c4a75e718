package engine_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/core/format"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/lessons/00-the-job/pipetest"
)

// cancelPoints are where the cancellation tests cancel, in bytes: the
// edges of the first chunks, and a fixed pseudo-random set over the rest.
func cancelPoints(limit int64) []int64 {
	points := []int64{1, chunk - 1, chunk, chunk + 1, 3*chunk + 7}
	rng := rand.New(rand.NewPCG(2024, 6))
	for range 8 {
		points = append(points, 1+rng.Int64N(limit-1))
	}
	return points
}

// A run cancelled while it reads stops, returns exactly ctx's error,
// leaves no goroutine behind and gives back every byte it held.
func TestCancelWhileReadingAtManyPoints(t *testing.T) {
	g := govern.New(govern.Limits{})
	e := engine.New(engine.Config{Workers: 2, Governor: g})
	for _, after := range cancelPoints(40 * chunk) {
		t.Run(fmt.Sprintf("after=%d", after), func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &pipetest.CancelingReader{R: pipetest.Endless(uint64(after)), After: after, Grace: 64 * chunk, Cancel: cancel}
			err := e.Pack(ctx, io.Discard, src, opts)
			assert.Equal(t, context.Canceled, err)
			assert.False(t, src.Overran.Load(), "kept reading after the cancellation")
			assert.Zero(t, g.Stats().BytesInUse)
		})
	}
}

// The same while writing, for Pack and for Unpack.
func TestCancelWhileWritingAtManyPoints(t *testing.T) {
	g := govern.New(govern.Limits{})
	e := engine.New(engine.Config{Workers: 2, Governor: g})
	data := pipetest.Input(48 * chunk)
	container := pipetest.OraclePack(t, data, opts)
	for _, after := range cancelPoints(40 * chunk) {
		t.Run(fmt.Sprintf("after=%d", after), func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			for name, run := range map[string]func(context.Context, io.Writer) error{
				"pack": func(ctx context.Context, w io.Writer) error { return e.Pack(ctx, w, bytes.NewReader(data), opts) },
				"unpack": func(ctx context.Context, w io.Writer) error {
					return e.Unpack(ctx, w, bytes.NewReader(container), opts)
				},
			} {
				ctx, cancel := context.WithCancel(context.Background())
				dst := &pipetest.CancelingWriter{W: io.Discard, After: after, Cancel: cancel}
				err := run(ctx, dst)
				cancel()
				assert.Equal(t, context.Canceled, err, name)
				assert.Zero(t, g.Stats().BytesInUse, name)
			}
		})
	}
}

// A deadline is a cancellation too: the run returns the deadline's error.
func TestDeadlineExceeded(t *testing.T) {
	e := engine.New(engine.Config{Workers: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	err := e.Pack(ctx, io.Discard, bytes.NewReader(pipetest.Input(10*chunk)), opts)
	assert.Equal(t, context.DeadlineExceeded, err)
}

// Errors name the run, the stage and the frame where they happened.
func TestErrorsAreLocated(t *testing.T) {
	e := engine.New(engine.Config{Workers: 3})
	data := pipetest.Input(20 * chunk)
	container := pipetest.OraclePack(t, data, opts)
	frame5 := int64(5*chunk + 77) // a byte inside chunk 5

	tests := []struct {
		name  string
		run   func() error
		want  error
		stage string
		frame int
	}{
		{"pack, reader fails in chunk 5", func() error {
			return e.Pack(context.Background(), io.Discard, &pipetest.FailingReader{R: bytes.NewReader(data), Limit: frame5}, opts)
		}, pipetest.ErrInjected, "read", 5},
		{"pack, writer fails on the header", func() error {
			return e.Pack(context.Background(), &pipetest.FailingWriter{W: io.Discard, Limit: 10}, bytes.NewReader(data), opts)
		}, pipetest.ErrInjected, "write", -1},
		{"pack, writer fails on the trailer", func() error {
			return e.Pack(context.Background(), &pipetest.FailingWriter{W: io.Discard, Limit: int64(len(container) - 1)}, bytes.NewReader(data), opts)
		}, pipetest.ErrInjected, "write", -1},
		{"unpack, writer fails in chunk 5", func() error {
			return e.Unpack(context.Background(), &pipetest.FailingWriter{W: io.Discard, Limit: frame5}, bytes.NewReader(container), opts)
		}, pipetest.ErrInjected, "write", 5},
		{"unpack, short write in chunk 5", func() error {
			return e.Unpack(context.Background(), &pipetest.ShortWriter{W: io.Discard, Limit: frame5}, bytes.NewReader(container), opts)
		}, io.ErrShortWrite, "write", 5},
		{"unpack, bad magic", func() error {
			return e.Unpack(context.Background(), io.Discard, bytes.NewReader([]byte("not a container at all")), opts)
		}, format.ErrNotContainer, "read", -1},
		{"unpack, flipped bit in frame 1", func() error {
			damaged := pipetest.Damages(container, false)[0]
			return e.Unpack(context.Background(), io.Discard, bytes.NewReader(damaged.Data), opts)
		}, format.ErrChecksum, "read", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			require.ErrorIs(t, err, tt.want)
			var located *engine.Error
			require.ErrorAs(t, err, &located)
			assert.Equal(t, tt.stage, located.Stage)
			assert.Equal(t, tt.frame, located.Frame)
		})
	}
}

// A chunk that fails to decode is reported by its worker, as a decode error
// of that frame, and stops the run.
func TestDecodeErrorStopsTheRun(t *testing.T) {
	e := engine.New(engine.Config{Workers: 2})
	o := pipetest.Options(true)
	container := pipetest.OraclePack(t, pipetest.Input(30*chunk), o)
	frames, _ := pipetest.Layout(container)
	damaged := bytes.Clone(container)
	damaged[frames[7].End-1] ^= 1 // in frame 7's GCM tag
	fixCRCs(damaged, frames[7])   // so that only the decoder can tell

	err := e.Unpack(context.Background(), io.Discard, bytes.NewReader(damaged), o)
	require.ErrorIs(t, err, format.ErrAuth)
	var located *engine.Error
	require.ErrorAs(t, err, &located)
	assert.Equal(t, engine.Error{Op: engine.Unpack, Stage: "decode", Frame: 7}, engine.Error{Op: located.Op, Stage: located.Stage, Frame: located.Frame})
}

// fixCRCs recomputes the body and header CRCs of the frame at span, so a
// change to its body passes format.Reader's checks.
func fixCRCs(container []byte, span pipetest.Span) {
	castagnoli := crc32.MakeTable(crc32.Castagnoli)
	frame := container[span.Start:span.End]
	binary.BigEndian.PutUint32(frame[13:17], crc32.Checksum(frame[format.FrameHeaderLen:], castagnoli))
	binary.BigEndian.PutUint32(frame[17:21], crc32.Checksum(frame[:17], castagnoli))
}

// Verify checks everything Unpack checks, and writes nothing.
func TestVerify(t *testing.T) {
	e := engine.New(engine.Config{Workers: 2})
	data := pipetest.Input(7*chunk + 123)
	for _, encrypted := range []bool{false, true} {
		o := pipetest.Options(encrypted)
		container := pipetest.OraclePack(t, data, o)
		require.NoError(t, e.Verify(context.Background(), bytes.NewReader(container), o))
		for _, d := range pipetest.Damages(container, encrypted) {
			err := e.Verify(context.Background(), bytes.NewReader(d.Data), o)
			assert.ErrorIs(t, err, d.Want, "encrypted=%v, %s", encrypted, d.Name)
		}
	}
	wrongKey := pipetest.Options(true)
	wrongKey.Key = bytes.Repeat([]byte{1}, len(wrongKey.Key))
	err := e.Verify(context.Background(), bytes.NewReader(pipetest.OraclePack(t, data, pipetest.Options(true))), wrongKey)
	assert.True(t, errors.Is(err, format.ErrAuth), "wrong key: %v", err)
}
