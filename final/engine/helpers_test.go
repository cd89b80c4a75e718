package engine_test

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"sync/atomic"
	"testing"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/pipetest"
)

const chunk = pipetest.ChunkSize

// opts are the suite's plain options: 4 KiB chunks, level 6.
var opts = pipetest.Options(false)

// gatedWriter lets its first Free writes through, then one more for each
// value received from Gate (all of them once Gate is closed). Writes counts
// the writes that got through.
type gatedWriter struct {
	W      io.Writer
	Free   int64
	Gate   chan struct{}
	Writes atomic.Int64
}

func newGatedWriter(w io.Writer, free int64) *gatedWriter {
	return &gatedWriter{W: w, Free: free, Gate: make(chan struct{})}
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	if g.Writes.Load() >= g.Free {
		<-g.Gate
	}
	g.Writes.Add(1)
	return g.W.Write(p)
}

// goroutineSampler records the most goroutines alive at any of its writes.
type goroutineSampler struct {
	W    io.Writer
	Peak int
}

func (s *goroutineSampler) Write(p []byte) (int, error) {
	s.Peak = max(s.Peak, runtime.NumGoroutine())
	return s.W.Write(p)
}

// packer and unpacker are what the helpers need of an engine.
type packer interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

// mustPack packs data with e and checks the result is the oracle's.
func mustPack(t testing.TB, e packer, data []byte, o codec.Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := e.Pack(context.Background(), &out, bytes.NewReader(data), o); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if !bytes.Equal(out.Bytes(), pipetest.OraclePack(t, data, o)) {
		t.Fatalf("Pack output differs from the oracle's")
	}
	return out.Bytes()
}
