package format

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{Codec: CodecDeflate, Level: 9, Flags: FlagEncrypted | FlagPassphrase, ChunkSize: 12345}
	copy(h.Salt[:], "0123456789abcdef")
	copy(h.NoncePrefix[:], "nonce!!")
	r := NewReader(bytes.NewReader(h.Marshal()), 0)
	got, err := r.ReadHeader()
	if err != nil || got != h {
		t.Fatalf("ReadHeader = %+v, %v; want %+v", got, err, h)
	}
}

func TestHeaderFieldsOutOfRange(t *testing.T) {
	cases := map[string]Header{
		"level 0":            {Codec: CodecDeflate, Level: 0, ChunkSize: 1},
		"deflate level 10":   {Codec: CodecDeflate, Level: 10, ChunkSize: 1},
		"zstd level 23":      {Codec: CodecZstd, Level: 23, ChunkSize: 1},
		"chunk size 0":       {Codec: CodecDeflate, Level: 1, ChunkSize: 0},
		"chunk size > max":   {Codec: CodecDeflate, Level: 1, ChunkSize: MaxChunkSize + 1},
		"unknown flag":       {Codec: CodecDeflate, Level: 1, ChunkSize: 1, Flags: 1 << 5},
		"passphrase alone":   {Codec: CodecDeflate, Level: 1, ChunkSize: 1, Flags: FlagPassphrase},
		"salt on plaintext":  {Codec: CodecDeflate, Level: 1, ChunkSize: 1, Salt: [SaltLen]byte{1}},
		"zstd salt on plain": {Codec: CodecZstd, Level: 3, ChunkSize: 1, Salt: [SaltLen]byte{1}},
	}
	for name, h := range cases {
		_, err := NewReader(bytes.NewReader(h.Marshal()), 0).ReadHeader()
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
}

// A header whose CRC holds but whose codec this reader lacks comes from a
// newer packer: it is reported as unsupported, not as damage.
func TestUnknownCodecIsUnsupported(t *testing.T) {
	for _, codec := range []uint8{0, 3, 255} {
		h := Header{Codec: codec, Level: 1, ChunkSize: 1}
		_, err := NewReader(bytes.NewReader(h.Marshal()), 0).ReadHeader()
		if !errors.Is(err, ErrUnsupportedCodec) {
			t.Errorf("codec %d: got %v, want ErrUnsupportedCodec", codec, err)
		}
	}
}

func TestWriterTurnsShortWriteIntoError(t *testing.T) {
	w := NewWriter(shortWriter{})
	if err := w.WriteHeader(Header{Codec: CodecDeflate, Level: 1, ChunkSize: 1}); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("got %v, want io.ErrShortWrite", err)
	}
	if err := w.WriteTrailer(Trailer{}); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("error is not sticky: got %v", err)
	}
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestErrorMessage(t *testing.T) {
	err := FrameError(ErrChecksum, 3, 1234, "body CRC %08x", 7)
	if got, want := err.Error(), "frame 3 at offset 1234: checksum mismatch: body CRC 00000007"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, ErrChecksum) {
		t.Error("errors.Is does not see the kind")
	}
}

// A header declaring a huge chunk size, followed by a frame declaring a
// huge body, costs memory in proportion to the bytes that really arrive.
func TestLyingLengthsDoNotAllocate(t *testing.T) {
	h := Header{Codec: CodecDeflate, Level: 1, ChunkSize: MaxChunkSize}.Marshal()
	frame := make([]byte, FrameHeaderLen)
	frame[0] = tagFrame
	binary.BigEndian.PutUint32(frame[5:9], MaxChunkSize)
	binary.BigEndian.PutUint32(frame[9:13], uint32(MaxBodyLen(MaxChunkSize)))
	binary.BigEndian.PutUint32(frame[17:21], crc32c(frame[:17]))
	input := append(append(h, frame...), make([]byte, 100)...)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := NewReader(bytes.NewReader(input), 0)
	if _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next(nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v, want ErrTruncated", err)
	}
	if used := after.TotalAlloc - before.TotalAlloc; used > 4<<20 {
		t.Errorf("allocated %d bytes for a 100-byte body that claimed %d", used, MaxBodyLen(MaxChunkSize))
	}
}
