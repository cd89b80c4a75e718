package codec

import (
	"bytes"
	"runtime"
	"testing"

	"packcourse/core/format"
)

// TestReleasedCompressorsWriteTheSameBytes: after encoders of many codecs,
// levels and chunk sizes are released, each new Encoder writes exactly the
// frame a compressor built from nothing writes, so reuse can neither
// change a container nor hand a compressor to the wrong level or size.
func TestReleasedCompressorsWriteTheSameBytes(t *testing.T) {
	raw := bytes.Repeat([]byte("pack the chunk, pack the frame, "), 120) // 3,840 bytes
	type config struct {
		codec            Codec
		level, chunkSize int
	}
	var configs []config
	for _, c := range []Codec{Deflate, Zstd} {
		lo, hi := c.Levels()
		for _, level := range []int{lo, c.DefaultLevel(), hi} {
			for _, size := range []int{4 << 10, 1 << 20} {
				configs = append(configs, config{c, level, size})
			}
		}
	}
	for round := range 3 {
		var encoders []*Encoder
		for _, c := range configs {
			enc := session(t, Options{ChunkSize: c.chunkSize, Codec: c.codec, Level: c.level}).NewEncoder()
			want, err := newCompressor(c.codec, c.level, c.chunkSize).appendCompressed(nil, raw)
			if err != nil {
				t.Fatal(err)
			}
			f, err := enc.Encode(nil, 0, true, raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Bytes[format.FrameHeaderLen+format.SumLen:]; !bytes.Equal(got, want) {
				t.Fatalf("round %d, %s level %d chunk %d: a reused compressor wrote other bytes than a new one", round, c.codec, c.level, c.chunkSize)
			}
			encoders = append(encoders, enc)
		}
		for i := range encoders { // released in another order than made
			encoders[(i*7)%len(encoders)].Release()
		}
	}
}

// TestReleaseSparesBuildingACompressor: an Encoder made, used once on a
// small chunk and released, over and over, allocates a small part of what
// building a compressor each time allocates. (The race detector makes
// sync.Pool drop a quarter of what it is given, so the bound is loose.)
func TestReleaseSparesBuildingACompressor(t *testing.T) {
	for _, c := range []Codec{Deflate, Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			s := session(t, Options{Codec: c})
			raw := bytes.Repeat([]byte("small file "), 300)
			buf := make([]byte, 0, 64<<10)
			encodeOnce := func(release bool) {
				enc := s.NewEncoder()
				if _, err := enc.Encode(buf, 0, true, raw); err != nil {
					t.Fatal(err)
				}
				if release {
					enc.Release()
				}
			}
			fresh, reused := allocated(func() { encodeOnce(false) }), allocated(func() { encodeOnce(true) })
			t.Logf("%s: %d bytes a time without Release, %d with", c, fresh, reused)
			if reused*2 > fresh {
				t.Fatalf("%s: an Encoder released and made again allocates %d bytes a time; building one allocates %d", c, reused, fresh)
			}
		})
	}
}

// allocated returns the bytes f allocates on average over 100 calls.
func allocated(f func()) uint64 {
	f() // the first call may fill the pool
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / 100
}
