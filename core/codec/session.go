package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"

	"packcourse/core/format"
)

// Argon2id parameters for passphrases (the OWASP minimum: 19 MiB, 2 passes).
// They are fixed by format version 1, so a hostile header cannot raise them.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
)

// Session is what every Encoder or Decoder of one container shares: the
// header and the keys derived for it. It is safe for concurrent use.
type Session struct {
	header   format.Header
	aad      []byte // the header's bytes: authenticated with every frame
	codec    Codec
	level    int
	maxChunk int    // the largest chunk a decoder accepts (Options.MaxChunkSize)
	frameKey []byte // nil when the container is not encrypted
	macKey   []byte
}

// NewPackSession makes the header for a new container (drawing a fresh
// salt and nonce prefix when encrypting) and derives its keys.
func NewPackSession(o Options) (*Session, error) {
	o, err := o.WithDefaults()
	if err != nil {
		return nil, err
	}
	h := format.Header{Codec: uint8(o.Codec), Level: o.Level, ChunkSize: o.ChunkSize}
	if o.encrypted() {
		h.Flags = format.FlagEncrypted
		if o.Passphrase != nil {
			h.Flags |= format.FlagPassphrase
		}
		if err := fillRandom(o.Rand, h.Salt[:], h.NoncePrefix[:]); err != nil {
			return nil, err
		}
	}
	return newSession(h, o)
}

// NewUnpackSession checks that the options fit the header read from a
// container (a key for an encrypted one, none for a plain one) and derives
// the keys.
func NewUnpackSession(h format.Header, o Options) (*Session, error) {
	o, err := o.WithDefaults()
	if err != nil {
		return nil, err
	}
	switch {
	case h.Encrypted() && !o.encrypted():
		return nil, &format.Error{Kind: format.ErrKeyRequired, Where: format.InHeader}
	case !h.Encrypted() && o.encrypted():
		return nil, &format.Error{Kind: format.ErrNotEncrypted, Where: format.InHeader}
	case h.Flags&format.FlagPassphrase != 0 && o.Passphrase == nil:
		return nil, &format.Error{Kind: format.ErrKeyRequired, Where: format.InHeader, Detail: "it was sealed with a passphrase, not a key file"}
	case h.Flags&format.FlagPassphrase == 0 && o.Passphrase != nil:
		return nil, &format.Error{Kind: format.ErrKeyRequired, Where: format.InHeader, Detail: "it was sealed with a key file, not a passphrase"}
	}
	return newSession(h, o)
}

func newSession(h format.Header, o Options) (*Session, error) {
	s := &Session{header: h, aad: h.Marshal(), codec: Codec(h.Codec), level: h.Level, maxChunk: o.MaxChunkSize}
	if !h.Encrypted() {
		return s, nil
	}
	master := o.Key
	if o.Passphrase != nil {
		master = argon2.IDKey(o.Passphrase, h.Salt[:], argonTime, argonMemory, argonThreads, KeyLen)
	}
	var err error
	if s.frameKey, err = hkdf.Key(sha256.New, master, h.Salt[:], "packcourse v1 frame key", KeyLen); err != nil {
		return nil, err
	}
	if s.macKey, err = hkdf.Key(sha256.New, master, h.Salt[:], "packcourse v1 digest key", KeyLen); err != nil {
		return nil, err
	}
	return s, nil
}

func fillRandom(src io.Reader, bufs ...[]byte) error {
	if src == nil {
		src = rand.Reader
	}
	for _, b := range bufs {
		if _, err := io.ReadFull(src, b); err != nil {
			return fmt.Errorf("drawing salt and nonce prefix: %w", err)
		}
	}
	return nil
}

// Header returns the container's header.
func (s *Session) Header() format.Header { return s.header }

// NewDigest returns the Digest that makes (or checks) the trailer: SHA-256
// of the frame checksums, keyed with HMAC when the container is encrypted
// so that the trailer does not reveal a fingerprint of the plaintext. The
// keyed digest starts with the header's bytes: a container of an empty
// file has no frame, so no AEAD tag, and only this vouches for its header.
func (s *Session) NewDigest() *format.Digest {
	if s.macKey != nil {
		mac := hmac.New(sha256.New, s.macKey)
		mac.Write(s.aad)
		return format.NewDigest(mac, true)
	}
	return format.NewDigest(sha256.New(), false)
}

// newAEAD returns a fresh AES-256-GCM for one Encoder or Decoder, or nil.
func (s *Session) newAEAD() cipher.AEAD {
	if s.frameKey == nil {
		return nil
	}
	block, err := aes.NewCipher(s.frameKey)
	if err != nil {
		panic(err) // unreachable: the key is always KeyLen bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // unreachable: AES has a 16-byte block
	}
	return aead
}

// nonce is the 12-byte GCM nonce of frame index: the container's random
// prefix, the index, and a flag set only on the last frame. Reordering,
// dropping or truncating frames therefore changes the nonce a frame is
// opened with, and opening fails (the STREAM construction).
func (s *Session) nonce(dst *[12]byte, index int, last bool) []byte {
	copy(dst[:7], s.header.NoncePrefix[:])
	dst[7], dst[8], dst[9], dst[10] = byte(index>>24), byte(index>>16), byte(index>>8), byte(index)
	dst[11] = 0
	if last {
		dst[11] = 1
	}
	return dst[:]
}

// frameAAD is what a sealed body authenticates besides itself: the
// container header, and the frame's index and lengths.
func (s *Session) frameAAD(dst []byte, index, rawLen, bodyLen int) []byte {
	dst = append(dst[:0], s.aad...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(index))
	dst = binary.BigEndian.AppendUint32(dst, uint32(rawLen))
	return binary.BigEndian.AppendUint32(dst, uint32(bodyLen))
}
