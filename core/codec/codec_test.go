package codec

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"go.uber.org/goleak"

	"packcourse/core/format"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOptionsWithDefaults(t *testing.T) {
	o, err := Options{}.WithDefaults()
	if err != nil || o.ChunkSize != format.DefaultChunkSize || o.Level != DefaultLevel {
		t.Fatalf("zero Options: %+v, %v", o, err)
	}
	bad := []Options{
		{ChunkSize: -1}, {ChunkSize: format.MaxChunkSize + 1}, {Level: 10}, {Level: -1},
		{Codec: Zstd, Level: 23}, {Codec: 7},
		{Key: make([]byte, 16)}, {Key: make([]byte, KeyLen), Passphrase: []byte("x")},
		{Passphrase: []byte{}}, {MaxChunkSize: -5},
	}
	for _, o := range bad {
		if _, err := o.WithDefaults(); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: got %v, want ErrOptions", o, err)
		}
	}
}

func session(t *testing.T, o Options) *Session {
	s, err := NewPackSession(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, c := range []struct {
		codec Codec
		key   []byte
	}{{Deflate, nil}, {Deflate, bytes.Repeat([]byte{9}, KeyLen)}, {Zstd, nil}, {Zstd, bytes.Repeat([]byte{9}, KeyLen)}} {
		key := c.key
		s := session(t, Options{ChunkSize: 100, Codec: c.codec, Key: key})
		enc, dec := s.NewEncoder(), s.NewDecoder()
		raw := []byte("the same words, the same words, the same words")
		f, err := enc.Encode(nil, 5, true, raw)
		if err != nil {
			t.Fatal(err)
		}
		got, sum, err := dec.Decode(nil, format.Frame{Index: 5, RawLen: len(raw), Last: true, Body: bytes.Clone(f.Bytes[format.FrameHeaderLen:])})
		if err != nil || !bytes.Equal(got, raw) || sum != f.Sum {
			t.Fatalf("%s key=%v: Decode = %q, %v", c.codec, key != nil, got, err)
		}
	}
}

// The nonce binds the frame's index and last flag: a sealed body opened as
// another index, or with the other last flag, fails to authenticate.
func TestSealedBodyIsBoundToIndexAndLastFlag(t *testing.T) {
	s := session(t, Options{ChunkSize: 100, Key: bytes.Repeat([]byte{9}, KeyLen)})
	f, _ := s.NewEncoder().Encode(nil, 2, false, []byte("payload"))
	body := f.Bytes[format.FrameHeaderLen:]
	for _, c := range []struct {
		index int
		last  bool
	}{{3, false}, {2, true}} {
		_, _, err := s.NewDecoder().Decode(nil, format.Frame{Index: c.index, RawLen: 7, Last: c.last, Body: bytes.Clone(body)})
		if !errors.Is(err, format.ErrAuth) {
			t.Errorf("opened as index %d last %v: got %v, want ErrAuth", c.index, c.last, err)
		}
	}
}

// Two containers packed with the same key get different salts, so
// different frame keys and nonces.
func TestFreshSaltPerContainer(t *testing.T) {
	o := Options{Key: bytes.Repeat([]byte{1}, KeyLen)}
	a, b := session(t, o).Header(), session(t, o).Header()
	if a.Salt == b.Salt || a.NoncePrefix == b.NoncePrefix {
		t.Error("two sessions drew the same salt or nonce prefix")
	}
}

// KDFBytes is what a passphrase derivation really allocates: at least
// KDFMemory, and not much more, so a budget that charges it is honest. A
// key needs no derivation.
func TestKDFBytesIsWhatDerivingAllocates(t *testing.T) {
	if n := (Options{Key: bytes.Repeat([]byte{1}, KeyLen)}).KDFBytes(); n != 0 {
		t.Errorf("KDFBytes with a key = %d, want 0", n)
	}
	o := Options{Passphrase: []byte("correct horse")}
	if o.KDFBytes() != KDFMemory {
		t.Fatalf("KDFBytes with a passphrase = %d, want KDFMemory %d", o.KDFBytes(), KDFMemory)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	session(t, o)
	runtime.ReadMemStats(&after)
	if got := int64(after.TotalAlloc - before.TotalAlloc); got < KDFMemory || got > KDFMemory+KDFMemory/8 {
		t.Errorf("a passphrase session allocated %d bytes, want KDFMemory (%d) and at most 1/8 more", got, KDFMemory)
	}
}

func TestChunkerMarksLastChunk(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 11, 30} {
		c := NewChunker(iotest.HalfReader(bytes.NewReader(make([]byte, n))), 10)
		var sizes []int
		var lasts int
		for {
			ch, err := c.Next(nil)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(ch.Data))
			if ch.Last {
				lasts++
			}
		}
		wantChunks := (n + 9) / 10
		if len(sizes) != wantChunks || (n > 0 && lasts != 1) || (n == 0 && lasts != 0) {
			t.Errorf("input %d: chunks %v, %d marked last", n, sizes, lasts)
		}
	}
}

func TestEncodeRejectsBadChunks(t *testing.T) {
	enc := session(t, Options{ChunkSize: 10}).NewEncoder()
	for _, raw := range [][]byte{nil, make([]byte, 11)} {
		if _, err := enc.Encode(nil, 0, true, raw); err == nil {
			t.Errorf("Encode accepted a chunk of %d bytes", len(raw))
		}
	}
}

// MaxBodyLen must hold each codec's worst case (incompressible input) at
// every level, or valid containers would be rejected by their reader.
func TestMaxBodyLenHoldsIncompressibleChunks(t *testing.T) {
	if raceEnabled {
		// One goroutine, 186 encodings: ten times slower under the race
		// detector, which has nothing to find here. CI's bounds step runs
		// it without -race.
		t.Skip("one goroutine: run without -race (CI does)")
	}
	for _, codec := range []Codec{Deflate, Zstd} {
		lo, hi := codec.Levels()
		for _, n := range []int{1, 100, 65535, 65536, 128 << 10, 1 << 20} {
			raw := make([]byte, n)
			rand.Read(raw)
			for level := lo; level <= hi; level++ {
				s := session(t, Options{ChunkSize: n, Codec: codec, Level: level, Key: make([]byte, KeyLen)})
				f, err := s.NewEncoder().Encode(nil, 0, true, raw)
				if err != nil {
					t.Fatal(err)
				}
				if body := len(f.Bytes) - format.FrameHeaderLen; body > format.MaxBodyLen(n) {
					t.Errorf("%s level %d, chunk %d: body %d exceeds MaxBodyLen %d", codec, level, n, body, format.MaxBodyLen(n))
				}
			}
		}
	}
}

// A zstd body must be one frame declaring exactly the frame header's raw
// length: more, less, none, or an extra frame after it are all corrupt,
// and none of them makes the decoder allocate more than the raw length.
func TestZstdBodiesMustMatchTheirRawLength(t *testing.T) {
	s := session(t, Options{ChunkSize: 1 << 10, Codec: Zstd})
	raw := bytes.Repeat([]byte("zstd "), 200) // 1000 bytes
	f, err := s.NewEncoder().Encode(nil, 0, true, raw)
	if err != nil {
		t.Fatal(err)
	}
	body := f.Bytes[format.FrameHeaderLen:]
	good, _ := s.NewEncoder().Encode(nil, 0, true, raw)
	cases := map[string]struct {
		body   []byte
		rawLen int
	}{
		"declared length larger":  {body, len(raw) + 1},
		"declared length smaller": {body, len(raw) - 1},
		"not zstd":                {append(bytes.Clone(body[:format.SumLen]), "not a zstd frame"...), len(raw)},
		"second frame after":      {append(bytes.Clone(body), good.Bytes[format.FrameHeaderLen+format.SumLen:]...), len(raw)},
	}
	for name, c := range cases {
		_, _, err := s.NewDecoder().Decode(nil, format.Frame{RawLen: c.rawLen, Last: true, Body: bytes.Clone(c.body)})
		if !errors.Is(err, format.ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
}

// The zero-value Options pack with DEFLATE at level 6 and zstd defaults to
// level 3, zstd's own default; the header records both.
func TestCodecDefaultsAreRecorded(t *testing.T) {
	for codec, level := range map[Codec]int{Deflate: 6, Zstd: 3} {
		h := session(t, Options{Codec: codec}).Header()
		if Codec(h.Codec) != codec || h.Level != level {
			t.Errorf("%s: header codec %d level %d, want %d level %d", codec, h.Codec, h.Level, codec, level)
		}
	}
	if c, err := ParseCodec("zstd"); err != nil || c != Zstd {
		t.Errorf(`ParseCodec("zstd") = %v, %v`, c, err)
	}
	if _, err := ParseCodec("gzip"); !errors.Is(err, ErrOptions) {
		t.Errorf(`ParseCodec("gzip"): got %v, want ErrOptions`, err)
	}
}
