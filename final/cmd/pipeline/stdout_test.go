package main

import (
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCancelableWriterReusesItsCopy: each Write copies its bytes for the
// writing goroutine, but into one buffer reused from write to write, so
// writing 64 chunks of 1 MiB allocates about one chunk, not 64: what
// standard output holds beyond -mem is one chunk, however many go by.
func TestCancelableWriterReusesItsCopy(t *testing.T) {
	const chunk, writes = 1 << 20, 64
	w := newCancelableWriter(t.Context(), io.Discard)
	p := make([]byte, chunk)
	_, err := w.Write(p) // the first write makes the buffer
	require.NoError(t, err)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range writes {
		_, err := w.Write(p)
		require.NoError(t, err)
	}
	runtime.ReadMemStats(&after)

	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(4*chunk), "%d writes of %d bytes allocated %d bytes", writes, chunk, allocated)
}
