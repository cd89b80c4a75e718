package codec

import (
	"bytes"
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
	for _, key := range [][]byte{nil, bytes.Repeat([]byte{9}, KeyLen)} {
		s := session(t, Options{ChunkSize: 100, Key: key})
		enc, dec := s.NewEncoder(), s.NewDecoder()
		raw := []byte("the same words, the same words, the same words")
		f, err := enc.Encode(nil, 5, true, raw)
		if err != nil {
			t.Fatal(err)
		}
		got, sum, err := dec.Decode(nil, format.Frame{Index: 5, RawLen: len(raw), Last: true, Body: bytes.Clone(f.Bytes[format.FrameHeaderLen:])})
		if err != nil || !bytes.Equal(got, raw) || sum != f.Sum {
			t.Fatalf("key=%v: Decode = %q, %v", key != nil, got, err)
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
