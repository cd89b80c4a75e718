package pipetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFailingReaderFailsAtLimit(t *testing.T) {
	r := &FailingReader{R: bytes.NewReader(make([]byte, 100)), Limit: 42}
	n, err := io.Copy(io.Discard, r)
	if n != 42 || !errors.Is(err, ErrInjected) {
		t.Fatalf("read %d bytes, err %v; want 42, ErrInjected", n, err)
	}
}

func TestFailingWriterFailsAtLimit(t *testing.T) {
	var buf bytes.Buffer
	w := &FailingWriter{W: &buf, Limit: 5}
	n, err := w.Write([]byte("0123456789"))
	if n != 5 || !errors.Is(err, ErrInjected) || buf.String() != "01234" {
		t.Fatalf("wrote %d (%q), err %v", n, buf.String(), err)
	}
}

func TestShortWriterReportsShortWithoutError(t *testing.T) {
	w := &ShortWriter{W: io.Discard, Limit: 3}
	if n, err := w.Write([]byte("abcdef")); n != 3 || err != nil {
		t.Fatalf("got %d, %v; want 3, nil", n, err)
	}
}

func TestCancelingReaderCancelsThenOverruns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &CancelingReader{R: Endless(1), After: 10, Grace: 20, Cancel: cancel}
	n, err := io.Copy(io.Discard, r)
	if ctx.Err() == nil {
		t.Error("context not cancelled")
	}
	if n != 30 || !errors.Is(err, ErrReadAfterCancel) || !r.Overran.Load() {
		t.Errorf("read %d, err %v, overran %v; want 30, ErrReadAfterCancel, true", n, err, r.Overran.Load())
	}
}

func TestDeterministicRandRepeats(t *testing.T) {
	a, b := make([]byte, 23), make([]byte, 23)
	io.ReadFull(DeterministicRand(5), a)
	io.ReadFull(DeterministicRand(5), b)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different bytes")
	}
}

func TestLayoutFindsEveryFrame(t *testing.T) {
	c := OraclePack(t, Input(3*ChunkSize+1), Options(false))
	frames, trailer := Layout(c)
	if len(frames) != 4 || trailer.End != len(c) {
		t.Fatalf("found %d frames, trailer ends at %d of %d", len(frames), trailer.End, len(c))
	}
}
