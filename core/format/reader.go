package format

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"packcourse/core/internal/readn"
)

// Frame is one frame as read from a container. Body is still encoded.
type Frame struct {
	Index  int
	RawLen int   // length of the chunk once decoded
	Last   bool  // no frame follows this one
	Offset int64 // where the frame starts in the container
	Body   []byte
}

// Reader reads a container from a stream and checks its structure: magic,
// version, header and frame checksums, frame order, lengths against the
// header's chunk size, the trailer's counts and that nothing follows it.
// Frame contents are checked by the codec, the digest by a Digest.
type Reader struct {
	br        *bufio.Reader
	off       int64
	maxChunk  int
	header    Header
	next      int    // index the next frame must have
	rawBytes  uint64 // raw bytes in the frames read so far
	trailer   Trailer
	trailerAt int64
	done      bool

	// hdr holds the frame header being read. A local array would escape
	// to the heap through io.ReadFull: one allocation per frame.
	hdr [FrameHeaderLen]byte
}

// NewReader returns a Reader for r that rejects headers declaring chunks
// larger than maxChunkSize (0 means MaxChunkSize).
func NewReader(r io.Reader, maxChunkSize int) *Reader {
	if maxChunkSize <= 0 || maxChunkSize > MaxChunkSize {
		maxChunkSize = MaxChunkSize
	}
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), maxChunk: maxChunkSize}
}

// ReadHeader reads and checks the header. Call it once, first.
func (r *Reader) ReadHeader() (Header, error) {
	b := make([]byte, HeaderLen)
	n, err := io.ReadFull(r.br, b)
	r.off += int64(n)
	if err := checkMagicAndVersion(b[:n]); err != nil {
		return Header{}, err
	}
	if err != nil {
		return Header{}, r.readError(InHeader, err, "header", n)
	}
	h, err := parseHeader(b)
	if err != nil {
		return Header{}, err
	}
	if h.ChunkSize > r.maxChunk {
		return Header{}, headerError(ErrCorrupt, "chunk size %d exceeds this reader's limit of %d", h.ChunkSize, r.maxChunk)
	}
	r.header = h
	return h, nil
}

// checkMagicAndVersion looks at however much of the header arrived, so a
// short non-container is called what it is rather than "truncated".
func checkMagicAndVersion(b []byte) error {
	m := min(len(b), len(Magic))
	if !bytes.Equal(b[:m], Magic[:m]) {
		return headerError(ErrNotContainer, "first bytes are %x, want %x", b[:m], Magic[:m])
	}
	if len(b) > 4 && b[4] != Version {
		return headerError(ErrUnsupportedVersion, "version %d, this reader knows version %d", b[4], Version)
	}
	return nil
}

func parseHeader(b []byte) (Header, error) {
	if got, want := binary.BigEndian.Uint32(b[36:40]), crc32c(b[:36]); got != want {
		return Header{}, headerError(ErrChecksum, "header CRC %08x, computed %08x", got, want)
	}
	h := Header{Codec: b[5], Level: int(b[6]), Flags: b[7], ChunkSize: int(binary.BigEndian.Uint32(b[8:12]))}
	copy(h.Salt[:], b[12:28])
	copy(h.NoncePrefix[:], b[28:35])
	lo, hi := Levels(h.Codec)
	switch {
	case h.Codec != CodecDeflate && h.Codec != CodecZstd:
		// The CRC matched, so this is no accident: a newer packer used a
		// codec this reader was built without.
		return Header{}, headerError(ErrUnsupportedCodec, "codec %d; this reader knows %d (DEFLATE) and %d (zstd)", h.Codec, CodecDeflate, CodecZstd)
	case h.Level < lo || h.Level > hi:
		return Header{}, headerError(ErrCorrupt, "level %d is not %d..%d", h.Level, lo, hi)
	case h.Flags&^knownFlags != 0:
		return Header{}, headerError(ErrCorrupt, "unknown flags %#02x", h.Flags&^knownFlags)
	case h.Flags == FlagPassphrase:
		return Header{}, headerError(ErrCorrupt, "passphrase flag without encryption flag")
	case h.ChunkSize < 1 || h.ChunkSize > MaxChunkSize:
		return Header{}, headerError(ErrCorrupt, "chunk size %d is not 1..%d", h.ChunkSize, MaxChunkSize)
	case b[35] != 0:
		return Header{}, headerError(ErrCorrupt, "reserved byte is %d, want 0", b[35])
	case !h.Encrypted() && (h.Salt != [SaltLen]byte{} || h.NoncePrefix != [NoncePrefixLen]byte{}):
		return Header{}, headerError(ErrCorrupt, "salt or nonce prefix set on an unencrypted container")
	}
	return h, nil
}

// Next reads the next frame into buf (reusing its capacity) and returns it.
// After the last frame it reads and checks the trailer and returns io.EOF.
func (r *Reader) Next(buf []byte) (Frame, error) {
	if r.done {
		return Frame{}, io.EOF
	}
	at := r.off
	tag, err := r.br.ReadByte()
	if err != nil {
		return Frame{}, r.readError(InTrailer, err, "a frame or the trailer", 0)
	}
	r.off++
	switch tag {
	case tagFrame:
		return r.readFrame(at, buf)
	case tagTrailer:
		return Frame{}, r.readTrailer(at)
	default:
		return Frame{}, FrameError(ErrCorrupt, uint64(r.next), at, "byte %#02x where a frame or trailer tag was expected", tag)
	}
}

func (r *Reader) readFrame(at int64, buf []byte) (Frame, error) {
	hdr := &r.hdr
	hdr[0] = tagFrame
	n, err := io.ReadFull(r.br, hdr[1:])
	r.off += int64(n)
	if err != nil {
		return Frame{}, r.frameReadError(at, err, "frame header")
	}
	if got, want := binary.BigEndian.Uint32(hdr[17:21]), crc32c(hdr[:17]); got != want {
		return Frame{}, FrameError(ErrChecksum, uint64(r.next), at, "frame header CRC %08x, computed %08x", got, want)
	}
	index := int(binary.BigEndian.Uint32(hdr[1:5]))
	rawLen := int(binary.BigEndian.Uint32(hdr[5:9]))
	bodyLen := int(binary.BigEndian.Uint32(hdr[9:13]))
	if index != r.next {
		return Frame{}, FrameError(ErrFrameOrder, uint64(r.next), at, "expected frame %d, found frame %d", r.next, index)
	}
	if rawLen < 1 || rawLen > r.header.ChunkSize {
		return Frame{}, FrameError(ErrCorrupt, uint64(index), at, "raw length %d is not 1..%d", rawLen, r.header.ChunkSize)
	}
	if bodyLen < r.minBodyLen() || bodyLen > MaxBodyLen(rawLen) {
		return Frame{}, FrameError(ErrCorrupt, uint64(index), at, "body length %d is not %d..%d", bodyLen, r.minBodyLen(), MaxBodyLen(rawLen))
	}
	body, err := readn.Read(r.br, buf, bodyLen)
	r.off += int64(len(body))
	if err != nil {
		return Frame{}, r.frameReadError(at, err, "frame body")
	}
	if got, want := binary.BigEndian.Uint32(hdr[13:17]), crc32c(body); got != want {
		return Frame{}, FrameError(ErrChecksum, uint64(index), at, "body CRC %08x, computed %08x", got, want)
	}
	last, err := r.trailerFollows(index)
	if err != nil {
		return Frame{}, err
	}
	r.next++
	r.rawBytes += uint64(rawLen)
	return Frame{Index: index, RawLen: rawLen, Last: last, Offset: at, Body: body}, nil
}

// minBodyLen is the checksum, at least one byte of DEFLATE, and the tag if sealed.
func (r *Reader) minBodyLen() int {
	if r.header.Encrypted() {
		return SumLen + 1 + SealOverhead
	}
	return SumLen + 1
}

// trailerFollows peeks at the next tag. A frame is the last one exactly
// when the trailer comes next; encrypted frames need to know this before
// they can be opened, so a missing or damaged tag is reported here, as
// what it is, rather than later as a failure to authenticate.
func (r *Reader) trailerFollows(index int) (bool, error) {
	b, err := r.br.Peek(1)
	switch {
	case errors.Is(err, io.EOF):
		return false, FrameError(ErrTruncated, uint64(index+1), r.off, "input ends after frame %d, before the trailer", index)
	case err != nil:
		return false, &Error{Kind: err, Where: InFrame, Frame: uint64(index + 1), Offset: r.off, Detail: "reading the next tag"}
	case b[0] != tagFrame && b[0] != tagTrailer:
		return false, FrameError(ErrCorrupt, uint64(index+1), r.off, "byte %#02x where a frame or trailer tag was expected", b[0])
	}
	return b[0] == tagTrailer, nil
}

func (r *Reader) readTrailer(at int64) error {
	b := make([]byte, TrailerLen)
	b[0] = tagTrailer
	n, err := io.ReadFull(r.br, b[1:])
	r.off += int64(n)
	if err != nil {
		return r.readError(InTrailer, err, "trailer", 0)
	}
	if got, want := binary.BigEndian.Uint32(b[49:53]), crc32c(b[:49]); got != want {
		return trailerError(ErrChecksum, at, "trailer CRC %08x, computed %08x", got, want)
	}
	t := Trailer{Frames: binary.BigEndian.Uint64(b[1:9]), RawBytes: binary.BigEndian.Uint64(b[9:17])}
	copy(t.Digest[:], b[17:49])
	switch {
	case t.Frames != uint64(r.next):
		return trailerError(ErrFrameOrder, at, "trailer counts %d frames, read %d", t.Frames, r.next)
	case t.RawBytes != r.rawBytes:
		return trailerError(ErrCorrupt, at, "trailer counts %d raw bytes, frames hold %d", t.RawBytes, r.rawBytes)
	}
	if _, err := r.br.Peek(1); err != io.EOF {
		if err != nil {
			return r.readError(InTrailer, err, "end of input", 0)
		}
		return trailerError(ErrCorrupt, r.off, "data after the trailer")
	}
	r.trailer, r.trailerAt, r.done = t, at, true
	return io.EOF
}

// Trailer returns the trailer and its offset, once Next has returned io.EOF.
func (r *Reader) Trailer() (Trailer, int64) { return r.trailer, r.trailerAt }

// Header returns the header read by ReadHeader.
func (r *Reader) Header() Header { return r.header }

// readError turns an I/O error into a located one: running out of input is
// ErrTruncated; any other error is the reader's own and is passed on.
func (r *Reader) readError(where Where, err error, what string, got int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		e := &Error{Kind: ErrTruncated, Where: where, Offset: r.off, Detail: "input ends inside the " + what}
		if where == InTrailer && what == "a frame or the trailer" {
			e.Where, e.Frame, e.Detail = InFrame, uint64(r.next), "input ends before the trailer"
		}
		if where == InHeader && got == 0 {
			e.Detail = "empty input"
		}
		return e
	}
	return &Error{Kind: err, Where: where, Frame: uint64(r.next), Offset: r.off, Detail: "reading " + what}
}

func (r *Reader) frameReadError(at int64, err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return FrameError(ErrTruncated, uint64(r.next), at, "input ends inside the %s at offset %d", what, r.off)
	}
	return &Error{Kind: err, Where: InFrame, Frame: uint64(r.next), Offset: r.off, Detail: "reading " + what}
}
