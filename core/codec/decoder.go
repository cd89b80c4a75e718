package codec

import (
	"crypto/cipher"
	"crypto/sha256"

	"packcourse/core/format"
)

// Decoder turns frames back into chunks and checks them. It keeps a
// decompressor between calls, so give each goroutine its own.
type Decoder struct {
	s      *Session
	decomp decompressor
	key    coderKey // which decompressors decomp may be swapped with
	aead   cipher.AEAD
	aad    []byte
}

// NewDecoder returns a Decoder for the session's container. Its
// decompressor is one a released Decoder gave back, when there is one.
func (s *Session) NewDecoder() *Decoder {
	decomp, key := takeDecompressor(s.codec, s.maxChunk)
	return &Decoder{s: s, decomp: decomp, key: key, aead: s.newAEAD()}
}

// Release gives the Decoder's decompressor back for the next Decoder of
// the same codec and largest chunk. The Decoder must not be used after.
// Calling it is optional.
func (d *Decoder) Release() {
	if d.decomp != nil {
		poolFor(&decompressors, d.key).Put(d.decomp)
		d.decomp = nil
	}
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

// inflate decompresses the chunk into dst[:0]; it must come out exactly
// f.RawLen bytes long, from exactly the bytes given: one chunk, one encoding.
func (d *Decoder) inflate(dst, compressed []byte, f format.Frame) ([]byte, error) {
	raw, problem := d.decomp.decompress(dst, compressed, f.RawLen)
	if problem != "" {
		return nil, d.corrupt(f, "%s", problem)
	}
	return raw, nil
}

func (d *Decoder) corrupt(f format.Frame, msg string, args ...any) error {
	return format.FrameError(format.ErrCorrupt, uint64(f.Index), f.Offset, msg, args...)
}
