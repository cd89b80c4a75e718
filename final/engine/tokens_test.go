package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/lessons/00-the-job/pipetest"
)

// steppedIO is a reader or writer whose every call blocks until the test
// lets it through, counting the calls in progress.
type steppedIO struct {
	r      io.Reader
	w      io.Writer
	step   chan struct{}
	inCall *atomic.Int64
}

func (s *steppedIO) Read(p []byte) (int, error) {
	s.inCall.Add(1)
	defer s.inCall.Add(-1)
	<-s.step
	return s.r.Read(p)
}

func (s *steppedIO) Write(p []byte) (int, error) {
	s.inCall.Add(1)
	defer s.inCall.Add(-1)
	<-s.step
	return s.w.Write(p)
}

// govern's rule is one token per bounded step: nothing may wait, for a
// read, a write, a channel or bytes, while it holds a CPU token. So at
// every moment when every goroutine of a run is blocked (synctest.Wait),
// no CPU token is held, and the I/O tokens held are exactly the reads and
// writes in progress. The test steps every path one call at a time: pack,
// unpack and verify; one chunk (inline) and many (the pipeline); a key
// and a passphrase (key derivation).
func TestNoTokenHeldWhileWaiting(t *testing.T) {
	data := pipetest.Input(12*chunk + 5)
	for _, size := range []int{chunk / 2, len(data)} {
		for _, o := range []codec.Options{opts, {ChunkSize: chunk, Passphrase: []byte("correct horse")}} {
			container := pipetest.OraclePack(t, data[:size], o)
			for _, op := range []engine.Op{engine.Pack, engine.Unpack, engine.Verify} {
				name := fmt.Sprintf("%v/size=%d/passphrase=%v", op, size, o.Passphrase != nil)
				t.Run(name, func(t *testing.T) {
					src := data[:size]
					if op != engine.Pack {
						src = container
					}
					checkTokensWhileWaiting(t, op, src, o)
				})
			}
		}
	}
}

func checkTokensWhileWaiting(t *testing.T, op engine.Op, src []byte, o codec.Options) {
	synctest.Test(t, func(t *testing.T) {
		g := govern.New(govern.Limits{CPU: 2, IO: 4})
		e := engine.New(engine.Config{Workers: 3, Governor: g})
		var inCall atomic.Int64
		step := make(chan struct{})
		r := &steppedIO{r: bytes.NewReader(src), step: step, inCall: &inCall}
		w := &steppedIO{w: io.Discard, step: step, inCall: &inCall}
		done := make(chan error, 1)
		go func() { done <- e.Run(context.Background(), op, w, r, o) }()
		for steps := 0; ; steps++ {
			synctest.Wait()
			select {
			case err := <-done:
				require.NoError(t, err)
				require.Positive(t, steps)
				return
			default:
			}
			s := g.Stats()
			require.Zero(t, s.CPUInUse, "step %d: a CPU token is held while its holder waits", steps)
			require.Equal(t, inCall.Load(), int64(s.IOInUse), "step %d: I/O tokens held beyond the reads and writes in progress", steps)
			assert.Positive(t, inCall.Load(), "step %d: blocked with no call in progress", steps)
			step <- struct{}{}
		}
	})
}
