package codec

import (
	"fmt"
	"runtime"
	"testing"

	"packcourse/core/format"
	"packcourse/core/workload"
)

// heldHeap returns the bytes live on the heap, after collecting garbage.
func heldHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC() // the second cycle frees what the first one's finalizers let go
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// perCoder makes n coders with make and runs each once on a full chunk
// with use (their state is allocated lazily), then returns the heap they
// hold between calls, per coder.
func perCoder[T any](n int, make func() T, use func(T)) int64 {
	coders := []T{}
	before := heldHeap()
	for range n {
		c := make()
		use(c)
		use(c) // a second call may keep more than the first
		coders = append(coders, c)
	}
	after := heldHeap()
	runtime.KeepAlive(coders)
	runtime.KeepAlive(use) // and what it uses: its buffers are not the coders' to count
	return (after - before) / int64(n)
}

// memoryCases are the codecs, levels (one of each zstd strategy's ends)
// and chunk sizes (each side of zstd's one-block limit) checked.
func memoryCases() (cases []Options) {
	for _, size := range []int{4 << 10, 64 << 10, zstdBlockSize, zstdBlockSize + 1, 512 << 10, 1 << 20, 4 << 20} {
		for level := 1; level <= 9; level++ {
			cases = append(cases, Options{Codec: Deflate, Level: level, ChunkSize: size})
		}
		for _, level := range []int{1, 2, 3, 5, 6, 9, 10, 22} {
			cases = append(cases, Options{Codec: Zstd, Level: level, ChunkSize: size})
		}
	}
	return cases
}

// EncoderMemory and DecoderMemory are upper bounds of what encoders and
// decoders hold, measured by allocating a few of each; and not far above
// it (a figure twice too large would starve a budget for nothing).
func TestCodecMemoryIsAnUpperBound(t *testing.T) {
	const n = 3
	for _, o := range memoryCases() {
		t.Run(fmt.Sprintf("%s-%d/chunk=%d", o.Codec, o.Level, o.ChunkSize), func(t *testing.T) {
			// One goroutine, nothing for the race detector to find, and
			// ten times slower under it: the test runs without -race (as
			// CI's bounds step does), and -short leaves out the 4 MiB
			// chunks, two thirds of the work.
			if raceEnabled {
				t.Skip("one goroutine, measuring heap: run without -race (CI does)")
			}
			if testing.Short() && o.ChunkSize > 1<<20 {
				t.Skip("large chunks: not in -short")
			}
			raw := workload.Bytes(workload.Mixed, o.ChunkSize, 1)
			frame := make([]byte, 0, format.FrameHeaderLen+format.MaxBodyLen(o.ChunkSize))
			s := session(t, o)
			var encoded Frame
			enc := perCoder(n, s.NewEncoder, func(e *Encoder) {
				var err error
				if encoded, err = e.Encode(frame, 0, true, raw); err != nil {
					t.Fatal(err)
				}
			})
			checkBound(t, "Encoder", enc, EncoderMemory(o))

			us, err := NewUnpackSession(s.Header(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := format.Frame{Index: 0, Last: true, RawLen: len(raw), Body: encoded.Bytes[format.FrameHeaderLen:]}
			chunk := make([]byte, 0, len(raw))
			dec := perCoder(n, us.NewDecoder, func(d *Decoder) {
				if _, _, err := d.Decode(chunk, f); err != nil {
					t.Fatal(err)
				}
			})
			checkBound(t, "Decoder", dec, DecoderMemory(o.Codec))
			runtime.KeepAlive(raw) // live until here, so its release is not counted against the decoders
		})
	}
}

func checkBound(t *testing.T, what string, held, figure int64) {
	t.Helper()
	if held > figure {
		t.Errorf("one %s holds %d bytes, more than the %d its memory figure says", what, held, figure)
	}
	if slack := int64(256 << 10); figure > 2*held+slack {
		t.Errorf("one %s holds %d bytes; its memory figure %d is more than twice that", what, held, figure)
	}
	t.Logf("%s holds %d, figure %d", what, held, figure)
}
