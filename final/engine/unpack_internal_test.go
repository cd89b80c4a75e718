package engine

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/lessons/00-the-job/pipetest"
)

// TestUnpackBodyBuffers: the first frame's buffer is the size of its body,
// grown as its bytes arrived; a job that starts empty after it gets a
// buffer of the largest body the header allows, so that bodies of varying
// size never make it again. A one-frame container (a small file) never
// gets one of those.
func TestUnpackBodyBuffers(t *testing.T) {
	const chunkSize = 64 << 10
	o := codec.Options{ChunkSize: chunkSize, Codec: codec.Zstd}
	largest := format.MaxBodyLen(chunkSize)
	for _, tc := range []struct {
		name   string
		frames int
	}{{"one frame", 1}, {"many frames", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			packed := pipetest.OraclePack(t, pipetest.Input(tc.frames*chunkSize-100), o)
			u := newUnpackSteps(bytes.NewReader(packed), io.Discard, o)
			_, err := u.header()
			require.NoError(t, err)
			require.NoError(t, u.session())
			for i := range tc.frames {
				j := &job{}
				require.NoError(t, u.read(j))
				if i == 0 {
					assert.Equal(t, len(j.in), cap(j.in), "the first frame's buffer is its body's size")
				} else {
					assert.Equal(t, largest, cap(j.in), "frame %d: a buffer for the largest body", i)
				}
				require.Equal(t, i == tc.frames-1, j.last, "frame %d", i)
			}
		})
	}
}
