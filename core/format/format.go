// Package format reads and writes the container's bytes: the header, the
// frames and the trailer described in FORMAT.md. It knows nothing about
// compression or encryption; a frame body is opaque bytes here. The codec
// package turns chunks into bodies and back.
package format

import (
	"encoding/binary"
	"hash/crc32"
)

// Magic opens every container. The first byte is not ASCII, so a text file
// is never mistaken for a container (the trick PNG uses).
var Magic = [4]byte{0x8A, 'G', 'P', 'K'}

// Version is the only container version this package reads and writes.
const Version = 1

// The codecs of version 1: the header's codec byte.
const (
	CodecDeflate = 1 // RFC 1951 raw DEFLATE, levels 1..9
	CodecZstd    = 2 // RFC 8878 Zstandard, one frame per chunk, levels 1..22
)

// Levels returns the range of levels a header may record for codec: 1..9
// for DEFLATE, 1..22 for zstd, and 0, 0 for a codec this version lacks.
func Levels(codec uint8) (lo, hi int) {
	switch codec {
	case CodecDeflate:
		return 1, 9
	case CodecZstd:
		return 1, 22
	}
	return 0, 0
}

// Header flags.
const (
	FlagEncrypted  = 1 << 0 // frame bodies are sealed with AES-256-GCM
	FlagPassphrase = 1 << 1 // the key was derived from a passphrase (Argon2id, salt = Header.Salt)
	knownFlags     = FlagEncrypted | FlagPassphrase
)

// Sizes of the fixed parts of a container, in bytes.
const (
	HeaderLen      = 40
	FrameHeaderLen = 21
	TrailerLen     = 53
	SumLen         = 32 // SHA-256 of a chunk's raw bytes, first in every frame body
	SealOverhead   = 16 // AES-GCM tag added to an encrypted body
	SaltLen        = 16
	NoncePrefixLen = 7
)

// MaxChunkSize is the largest chunk size a header may declare. It bounds
// what a reader allocates for any one frame, whatever the input claims.
const MaxChunkSize = 64 << 20

// DefaultChunkSize is the chunk size used when none is given.
const DefaultChunkSize = 1 << 20

// Frame and trailer tags: the first byte of each.
const (
	tagFrame   = 'F'
	tagTrailer = 'E'
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Header is the container's first 40 bytes: what every frame was made with.
type Header struct {
	Codec       uint8 // CodecDeflate or CodecZstd
	Level       int   // level the packer used (recorded, not needed to unpack)
	Flags       uint8
	ChunkSize   int // largest raw length of any frame
	Salt        [SaltLen]byte
	NoncePrefix [NoncePrefixLen]byte
}

// Encrypted reports whether frame bodies are sealed.
func (h Header) Encrypted() bool { return h.Flags&FlagEncrypted != 0 }

// Marshal returns the header's 40 bytes, checksum included.
func (h Header) Marshal() []byte {
	b := make([]byte, HeaderLen)
	copy(b[0:4], Magic[:])
	b[4] = Version
	b[5] = h.Codec
	b[6] = byte(h.Level)
	b[7] = h.Flags
	binary.BigEndian.PutUint32(b[8:12], uint32(h.ChunkSize))
	copy(b[12:28], h.Salt[:])
	copy(b[28:35], h.NoncePrefix[:])
	// b[35] is reserved and zero.
	binary.BigEndian.PutUint32(b[36:40], crc32c(b[:36]))
	return b
}

// MaxBodyLen is the largest frame body a chunk of at most chunkSize raw
// bytes can need with either codec: the checksum, the compressed worst
// case, and the AEAD tag. Zstandard's worst case (ZSTD_COMPRESSBOUND:
// n + n/256, plus up to 64 bytes below 128 KiB) is above DEFLATE's
// (stored blocks cost 5 bytes per 64 KiB), so it is the one used.
func MaxBodyLen(chunkSize int) int {
	small := 0
	if chunkSize < 128<<10 {
		small = (128<<10 - chunkSize) >> 11
	}
	return SumLen + chunkSize + chunkSize>>8 + small + 64 + SealOverhead
}

// PutFrameHeader fills in the 21-byte header at the start of frame, whose
// body (frame[FrameHeaderLen:]) is complete. Encoders reserve the space,
// append the body, then call this.
func PutFrameHeader(frame []byte, index, rawLen int) {
	body := frame[FrameHeaderLen:]
	frame[0] = tagFrame
	binary.BigEndian.PutUint32(frame[1:5], uint32(index))
	binary.BigEndian.PutUint32(frame[5:9], uint32(rawLen))
	binary.BigEndian.PutUint32(frame[9:13], uint32(len(body)))
	binary.BigEndian.PutUint32(frame[13:17], crc32c(body))
	binary.BigEndian.PutUint32(frame[17:21], crc32c(frame[:17]))
}

// MaxFrames is the most frames a container can hold: indexes are 32 bits.
const MaxFrames = 1<<32 - 1

// Trailer closes a container: how many frames and raw bytes it holds, and
// a digest over the frames' checksums in order.
type Trailer struct {
	Frames   uint64
	RawBytes uint64
	Digest   [32]byte
}

// Marshal returns the trailer's 53 bytes, checksum included.
func (t Trailer) Marshal() []byte {
	b := make([]byte, TrailerLen)
	b[0] = tagTrailer
	binary.BigEndian.PutUint64(b[1:9], t.Frames)
	binary.BigEndian.PutUint64(b[9:17], t.RawBytes)
	copy(b[17:49], t.Digest[:])
	binary.BigEndian.PutUint32(b[49:53], crc32c(b[:49]))
	return b
}
