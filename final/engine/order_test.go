package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/lessons/00-the-job/pipetest"
)

// When several frames fail, the error names the first of them in
// container order, the frame a sequential reader stops at, whichever
// worker failed first: the conformance suite's UnpackReportsFirstBadFrame,
// here for every worker count, with a private and a minimal shared
// governor, and for Verify too. Run it with -count=100 to see it hold.
func TestFirstBadFrameInInputOrder(t *testing.T) {
	data := pipetest.Input(48 * chunk)
	wrongKey := pipetest.Options(true)
	wrongKey.Key = bytes.Repeat([]byte{0x43}, codec.KeyLen)
	cases := []struct {
		name      string
		container []byte
		o         codec.Options
		want      uint64
	}{
		{"wrong key (every frame fails)", pipetest.OraclePack(t, data, pipetest.Options(true)), wrongKey, 0},
		{"frames 5 and 40 spoiled", pipetest.SpoilPayload(pipetest.OraclePack(t, data, opts), 40, 5), opts, 5},
		{"zstd frames 3, 4 and 30 spoiled", pipetest.SpoilPayload(pipetest.OraclePack(t, data, pipetest.ZstdOptions(false)), 30, 4, 3), pipetest.ZstdOptions(false), 3},
	}
	minimal := govern.New(govern.Limits{CPU: 1, IO: 1, Bytes: engine.MinBytes(engine.Unpack, pipetest.ZstdOptions(false)), SmallBytes: -1})
	for _, workers := range pipetest.WorkerCounts {
		for gname, g := range map[string]*govern.Governor{"private": nil, "minimal": minimal} {
			e := engine.New(engine.Config{Workers: workers, Governor: g})
			t.Run(fmt.Sprintf("workers=%d/%s", workers, gname), func(t *testing.T) {
				for _, c := range cases {
					for _, op := range []engine.Op{engine.Unpack, engine.Verify} {
						err := e.Run(context.Background(), op, io.Discard, bytes.NewReader(c.container), c.o)
						var fe *format.Error
						require.True(t, errors.As(err, &fe) && fe.Where == format.InFrame && fe.Frame == c.want,
							"%s: %v returned %v, want frame %d, the first bad frame in container order", c.name, op, err, c.want)
					}
				}
			})
		}
	}
}

// Pack reports the first failure in input order too: a writer failing at
// frame 2 is what Pack returns, though the reader fails later, at chunk 9.
func TestPackReportsFirstFailureInInputOrder(t *testing.T) {
	data := pipetest.Input(20 * chunk)
	for _, workers := range pipetest.WorkerCounts {
		e := engine.New(engine.Config{Workers: workers})
		src := &pipetest.FailingReader{R: bytes.NewReader(data), Limit: 9 * chunk}
		dst := &failingWriter{after: 3} // the header, frames 0 and 1
		err := e.Pack(context.Background(), dst, src, opts)
		var ee *engine.Error
		require.ErrorAs(t, err, &ee, "workers=%d", workers)
		require.Equal(t, engine.Error{Op: engine.Pack, Stage: "write", Frame: 2}, engine.Error{Op: ee.Op, Stage: ee.Stage, Frame: ee.Frame}, "workers=%d: %v", workers, err)
	}
}

// failingWriter accepts its first after writes and fails every later one.
type failingWriter struct{ after, writes int }

var errWrite = errors.New("injected write failure")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.writes >= w.after {
		return 0, errWrite
	}
	w.writes++
	return len(p), nil
}
