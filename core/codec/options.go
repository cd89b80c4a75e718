// Package codec turns one chunk into one frame and back: DEFLATE or
// Zstandard compression, SHA-256 of the raw bytes, and optionally AES-256-GCM with a nonce bound to the
// frame's index and to whether it is the last frame. Encoders and Decoders
// are per goroutine; a Session holds what all of them share for one
// container.
package codec

import (
	"errors"
	"fmt"
	"io"

	"packcourse/core/format"
)

// DefaultLevel is the DEFLATE level used when none is given (gzip's
// default); Codec.DefaultLevel has each codec's.
const DefaultLevel = 6

// KeyLen is the length of an AES-256 key.
const KeyLen = 32

// Options are the settings every engine in the course accepts. The zero
// value packs with 1 MiB chunks, DEFLATE at level 6, without encryption.
type Options struct {
	ChunkSize    int       // raw bytes per chunk; 0 means format.DefaultChunkSize
	Codec        Codec     // compression; 0 means Deflate (unpacking reads it from the header)
	Level        int       // Codec's level (Codec.Levels); 0 means Codec.DefaultLevel()
	Key          []byte    // 32-byte key: encrypt with AES-256-GCM; nil: no encryption
	Passphrase   []byte    // instead of Key: derive it with Argon2id from this and a random salt
	Rand         io.Reader // source of the salt and nonce prefix; nil means crypto/rand
	MaxChunkSize int       // unpack refuses headers declaring larger chunks; 0 means format.MaxChunkSize
}

// ErrOptions is wrapped by every error about invalid Options.
var ErrOptions = errors.New("invalid options")

// WithDefaults returns o with zero fields replaced by their defaults, or an
// error naming the first invalid field.
func (o Options) WithDefaults() (Options, error) {
	if o.ChunkSize == 0 {
		o.ChunkSize = format.DefaultChunkSize
	}
	if o.Codec == 0 {
		o.Codec = Deflate
	}
	if o.Level == 0 {
		o.Level = o.Codec.DefaultLevel()
	}
	lo, hi := o.Codec.Levels()
	if o.MaxChunkSize == 0 {
		o.MaxChunkSize = format.MaxChunkSize
	}
	switch {
	case o.ChunkSize < 1 || o.ChunkSize > format.MaxChunkSize:
		return o, fmt.Errorf("%w: chunk size %d is not 1..%d", ErrOptions, o.ChunkSize, format.MaxChunkSize)
	case lo == 0:
		return o, fmt.Errorf("%w: codec %d is not deflate (%d) or zstd (%d)", ErrOptions, o.Codec, Deflate, Zstd)
	case o.Level < lo || o.Level > hi:
		return o, fmt.Errorf("%w: %s level %d is not %d..%d", ErrOptions, o.Codec, o.Level, lo, hi)
	case o.Key != nil && len(o.Key) != KeyLen:
		return o, fmt.Errorf("%w: key is %d bytes, want %d", ErrOptions, len(o.Key), KeyLen)
	case o.Key != nil && o.Passphrase != nil:
		return o, fmt.Errorf("%w: give a key or a passphrase, not both", ErrOptions)
	case o.Passphrase != nil && len(o.Passphrase) == 0:
		return o, fmt.Errorf("%w: empty passphrase", ErrOptions)
	case o.MaxChunkSize < 1 || o.MaxChunkSize > format.MaxChunkSize:
		return o, fmt.Errorf("%w: max chunk size %d is not 1..%d", ErrOptions, o.MaxChunkSize, format.MaxChunkSize)
	}
	return o, nil
}

// encrypted reports whether the options ask for encryption.
func (o Options) encrypted() bool { return o.Key != nil || o.Passphrase != nil }

// KDFMemory is the memory, in bytes, one passphrase derivation holds while
// it runs: Argon2id is memory-hard on purpose. A program that opens many
// containers at once should count it, as the final engine's governor does.
const KDFMemory = argonMemory * 1024

// KDFBytes returns the memory deriving the options' key will hold:
// KDFMemory with a passphrase, 0 with a key (or none).
func (o Options) KDFBytes() int64 {
	if o.Passphrase != nil {
		return KDFMemory
	}
	return 0
}
