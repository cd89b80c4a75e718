package pipetest

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
)

// ErrInjected is the error the fault-injecting readers and writers return.
var ErrInjected = errors.New("injected fault")

// FailingReader reads from r until Limit bytes have been read, then fails
// with ErrInjected.
type FailingReader struct {
	R     io.Reader
	Limit int64
	read  int64
}

func (f *FailingReader) Read(p []byte) (int, error) {
	if f.read >= f.Limit {
		return 0, ErrInjected
	}
	p = p[:min(int64(len(p)), f.Limit-f.read)]
	n, err := f.R.Read(p)
	f.read += int64(n)
	return n, err
}

// FailingWriter accepts Limit bytes, then fails with ErrInjected (writing
// whatever part of the failing call still fits, as a real disk would).
type FailingWriter struct {
	W       io.Writer
	Limit   int64
	written int64
}

func (f *FailingWriter) Write(p []byte) (int, error) {
	room := f.Limit - f.written
	if int64(len(p)) <= room {
		n, err := f.W.Write(p)
		f.written += int64(n)
		return n, err
	}
	n, _ := f.W.Write(p[:max(room, 0)])
	f.written += int64(n)
	return n, ErrInjected
}

// ShortWriter breaks io.Writer's contract once Limit bytes are written: it
// reports a short write with no error. Engines must turn that into
// io.ErrShortWrite rather than lose data silently.
type ShortWriter struct {
	W       io.Writer
	Limit   int64
	written int64
}

func (s *ShortWriter) Write(p []byte) (int, error) {
	room := max(s.Limit-s.written, 0)
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := s.W.Write(p)
	s.written += int64(n)
	return n, err
}

// SlowWriter yields the processor several times before every write, so the
// writer is the bottleneck and queues in front of it fill up.
type SlowWriter struct{ W io.Writer }

func (s SlowWriter) Write(p []byte) (int, error) {
	for range 8 {
		runtime.Gosched()
	}
	return s.W.Write(p)
}

// CancelingReader reads from R and calls Cancel once After bytes have been
// read. It keeps serving data afterwards, up to Grace more bytes, so an
// engine that ignores the cancellation is caught reading on: past the
// grace it returns ErrReadAfterCancel and sets Overran.
type CancelingReader struct {
	R       io.Reader
	After   int64
	Grace   int64
	Cancel  context.CancelFunc
	read    int64
	Overran atomic.Bool
}

// ErrReadAfterCancel is returned by a CancelingReader read past its grace.
var ErrReadAfterCancel = errors.New("engine kept reading long after the context was cancelled")

func (c *CancelingReader) Read(p []byte) (int, error) {
	if c.read >= c.After+c.Grace {
		c.Overran.Store(true)
		return 0, ErrReadAfterCancel
	}
	n, err := c.R.Read(p[:min(int64(len(p)), c.After+c.Grace-c.read)])
	c.read += int64(n)
	if c.read >= c.After {
		c.Cancel()
	}
	return n, err
}

// CancelingWriter passes writes to W and calls Cancel once After bytes
// have been written.
type CancelingWriter struct {
	W       io.Writer
	After   int64
	Cancel  context.CancelFunc
	written int64
}

func (c *CancelingWriter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.written += int64(n)
	if c.written >= c.After {
		c.Cancel()
	}
	return n, err
}

// Endless returns a reader of compressible bytes that never ends.
func Endless(seed uint64) io.Reader { return &endless{rng: rand.New(rand.NewPCG(seed, 0))} }

type endless struct{ rng *rand.Rand }

func (e *endless) Read(p []byte) (int, error) {
	const alphabet = "abcdefgh \n"
	for i := range p {
		p[i] = alphabet[e.rng.IntN(len(alphabet))]
	}
	return len(p), nil
}

// DeterministicRand returns a reader of pseudo-random bytes for
// codec.Options.Rand, so two packs of the same input with the same seed
// draw the same salt and nonce prefix and can be compared byte for byte.
func DeterministicRand(seed uint64) io.Reader {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}
