package codec

import (
	"bytes"
	"compress/flate"
	"crypto/cipher"
	"crypto/sha256"
	"errors"
	"io"

	"packcourse/core/format"
	"packcourse/core/internal/readn"
)

// Decoder turns frames back into chunks and checks them. It keeps a
// DEFLATE decompressor between calls, so give each goroutine its own.
type Decoder struct {
	s    *Session
	zr   io.ReadCloser
	src  bytes.Reader
	aead cipher.AEAD
	aad  []byte
}

// NewDecoder returns a Decoder for the session's container.
func (s *Session) NewDecoder() *Decoder {
	d := &Decoder{s: s, aead: s.newAEAD()}
	d.zr = flate.NewReader(&d.src)
	return d
}

// Decode decodes frame f into dst[:0] (reusing its capacity) and returns the
// raw chunk and its checksum. With encryption on, f.Body is decrypted in
// place. Every failure is a *format.Error naming the frame.
func (d *Decoder) Decode(dst []byte, f format.Frame) ([]byte, [32]byte, error) {
	var sum [32]byte
	body := f.Body
	if d.aead != nil {
		var err error
		if body, err = d.open(f); err != nil {
			return nil, sum, err
		}
	}
	copy(sum[:], body[:format.SumLen])
	raw, err := d.inflate(dst, body[format.SumLen:], f)
	if err != nil {
		return nil, sum, err
	}
	if sha256.Sum256(raw) != sum {
		return nil, sum, format.FrameError(format.ErrChecksum, uint64(f.Index), f.Offset, "SHA-256 of the unpacked chunk differs from the frame's")
	}
	return raw, sum, nil
}

// open authenticates and decrypts the body in place.
func (d *Decoder) open(f format.Frame) ([]byte, error) {
	var nonce [12]byte
	d.aad = d.s.frameAAD(d.aad, f.Index, f.RawLen, len(f.Body))
	body, err := d.aead.Open(f.Body[:0], d.s.nonce(&nonce, f.Index, f.Last), f.Body, d.aad)
	if err != nil {
		return nil, format.FrameError(format.ErrAuth, uint64(f.Index), f.Offset, "AES-GCM tag does not match (wrong key, or the frame was altered, moved or cut)")
	}
	if len(body) < format.SumLen+1 {
		return nil, format.FrameError(format.ErrCorrupt, uint64(f.Index), f.Offset, "decrypted body of %d bytes is too short", len(body))
	}
	return body, nil
}

// inflate decompresses exactly f.RawLen bytes and requires the DEFLATE
// stream to end there, with nothing after it: one chunk, one encoding.
func (d *Decoder) inflate(dst, compressed []byte, f format.Frame) ([]byte, error) {
	d.src.Reset(compressed)
	if err := d.zr.(flate.Resetter).Reset(&d.src, nil); err != nil {
		return nil, d.corrupt(f, "resetting DEFLATE reader: %v", err)
	}
	raw, err := readn.Read(d.zr, dst, f.RawLen)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, d.corrupt(f, "DEFLATE data holds %d bytes, frame header says %d", len(raw), f.RawLen)
		}
		return nil, d.corrupt(f, "invalid DEFLATE data: %v", err)
	}
	var extra [1]byte
	if n, err := d.zr.Read(extra[:]); n != 0 || err != io.EOF {
		return nil, d.corrupt(f, "DEFLATE data holds more than the %d bytes the frame header says", f.RawLen)
	}
	if d.src.Len() != 0 {
		return nil, d.corrupt(f, "%d bytes follow the DEFLATE stream", d.src.Len())
	}
	return raw, nil
}

func (d *Decoder) corrupt(f format.Frame, msg string, args ...any) error {
	return format.FrameError(format.ErrCorrupt, uint64(f.Index), f.Offset, msg, args...)
}
