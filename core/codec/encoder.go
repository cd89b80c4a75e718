package codec

import (
	"crypto/cipher"
	"crypto/sha256"
	"fmt"
	"slices"

	"packcourse/core/format"
)

// Frame is one encoded chunk, ready for a format.Writer.
type Frame struct {
	Index  int
	Bytes  []byte   // frame header and body
	Sum    [32]byte // SHA-256 of the raw chunk, for the trailer's digest
	RawLen int      // length of the raw chunk
}

// Encoder turns chunks into frames. It keeps a compressor and scratch
// space between calls, so give each goroutine its own.
type Encoder struct {
	s    *Session
	comp compressor
	key  coderKey // which compressors comp may be swapped with
	aead cipher.AEAD
	aad  []byte
}

// NewEncoder returns an Encoder for the session's container. Its
// compressor is one a released Encoder gave back, when there is one.
func (s *Session) NewEncoder() *Encoder {
	comp, key := takeCompressor(s.codec, s.level, s.header.ChunkSize)
	return &Encoder{s: s, comp: comp, key: key, aead: s.newAEAD()}
}

// Release gives the Encoder's compressor back for the next Encoder of the
// same codec, level and chunk size, sparing it the cost of building one
// (which, for a small file, is more than the compression). The Encoder
// must not be used after. Calling it is optional.
func (e *Encoder) Release() {
	if e.comp != nil {
		poolFor(&compressors, e.key).Put(e.comp)
		e.comp = nil
	}
}

// Encode appends frame index, made from raw, to dst[:0] and returns it.
// last must be true exactly for the container's final frame.
func (e *Encoder) Encode(dst []byte, index int, last bool, raw []byte) (Frame, error) {
	if len(raw) < 1 || len(raw) > e.s.header.ChunkSize {
		return Frame{}, fmt.Errorf("encoding frame %d: chunk of %d bytes is not 1..%d", index, len(raw), e.s.header.ChunkSize)
	}
	if index < 0 || index > format.MaxFrames {
		return Frame{}, fmt.Errorf("encoding frame %d: more than %d frames; use a larger chunk size", index, format.MaxFrames)
	}
	f := Frame{Index: index, Sum: sha256.Sum256(raw), RawLen: len(raw)}
	buf := append(dst[:0], make([]byte, format.FrameHeaderLen)...)
	buf = append(buf, f.Sum[:]...)
	buf, err := e.comp.appendCompressed(buf, raw)
	if err != nil {
		return Frame{}, fmt.Errorf("encoding frame %d: %w", index, err)
	}
	if e.aead != nil {
		buf = e.seal(buf, index, last, len(raw))
	}
	format.PutFrameHeader(buf, index, len(raw))
	f.Bytes = buf
	return f, nil
}

// seal encrypts the body (checksum and compressed data) in place.
func (e *Encoder) seal(frame []byte, index int, last bool, rawLen int) []byte {
	var nonce [12]byte
	sealedLen := len(frame) - format.FrameHeaderLen + format.SealOverhead
	e.aad = e.s.frameAAD(e.aad, index, rawLen, sealedLen)
	frame = slices.Grow(frame, format.SealOverhead) // room for the tag, so sealing stays in place
	body := frame[format.FrameHeaderLen:]
	sealed := e.aead.Seal(body[:0], e.s.nonce(&nonce, index, last), body, e.aad)
	return frame[:format.FrameHeaderLen+len(sealed)]
}
