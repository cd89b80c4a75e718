package format

import (
	"fmt"
	"hash"
)

// Digest accumulates the trailer: it counts frames and raw bytes and hashes
// the frames' checksums in frame order. Feed it in order, never in
// completion order, or the digest changes with the number of workers.
type Digest struct {
	h        hash.Hash
	keyed    bool
	frames   uint64
	rawBytes uint64
	sum      [SumLen]byte // Add's argument, copied here: given to h.Write directly it would escape, one allocation a frame
}

// NewDigest returns a Digest that hashes checksums with h: SHA-256 for a
// plain container, or HMAC-SHA-256 (keyed true) for an encrypted one, whose
// mismatch is then an authentication failure.
func NewDigest(h hash.Hash, keyed bool) *Digest { return &Digest{h: h, keyed: keyed} }

// Add records the next frame, by the checksum and length of its raw chunk.
func (d *Digest) Add(sum [SumLen]byte, rawLen int) {
	d.sum = sum
	d.h.Write(d.sum[:])
	d.frames++
	d.rawBytes += uint64(rawLen)
}

// Trailer returns the trailer for the frames added so far.
func (d *Digest) Trailer() Trailer {
	t := Trailer{Frames: d.frames, RawBytes: d.rawBytes}
	d.h.Sum(t.Digest[:0])
	return t
}

// Check compares the digest of the frames added so far with the trailer
// read at offset. (The Reader has already checked the counts.)
func (d *Digest) Check(t Trailer, offset int64) error {
	got := d.Trailer()
	if got.Digest != t.Digest {
		kind := ErrChecksum
		if d.keyed {
			kind = ErrAuth
		}
		return trailerError(kind, offset, "whole-file digest %x..., computed %x...", t.Digest[:8], got.Digest[:8])
	}
	return nil
}

// String describes the digest's progress, for debugging.
func (d *Digest) String() string {
	return fmt.Sprintf("%d frames, %d raw bytes", d.frames, d.rawBytes)
}
