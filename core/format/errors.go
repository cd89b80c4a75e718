package format

import (
	"errors"
	"fmt"
)

// The kinds of damage a reader reports. Every error this package and the
// codec return for a damaged or unreadable container wraps exactly one of
// them, so callers can test with errors.Is(err, format.ErrChecksum) and
// still print a message that names the frame and the byte offset. (An
// error from the underlying io.Reader is passed on, wrapped with where it
// happened; bad options are codec.ErrOptions.)
var (
	ErrNotContainer       = errors.New("not a container (bad magic)")
	ErrUnsupportedVersion = errors.New("unsupported container version")
	ErrUnsupportedCodec   = errors.New("unsupported codec")
	ErrCorrupt            = errors.New("corrupt container")
	ErrChecksum           = errors.New("checksum mismatch")
	ErrTruncated          = errors.New("truncated container")
	ErrFrameOrder         = errors.New("frame missing, duplicated or out of order")
	ErrAuth               = errors.New("authentication failed (wrong key or tampered data)")
	ErrKeyRequired        = errors.New("container is encrypted: a key is required")
	ErrNotEncrypted       = errors.New("a key was given but the container is not encrypted")
)

// Where tells an Error which part of the container it is about.
type Where int

// Parts of a container.
const (
	InHeader Where = iota
	InFrame
	InTrailer
)

// Error is a damaged-container error: its Kind is one of the Err values
// above, Frame and Offset locate the damage, and Detail says what was seen.
type Error struct {
	Kind   error
	Where  Where
	Frame  uint64 // frame index, when Where == InFrame
	Offset int64  // byte offset in the container where the damaged part starts
	Detail string
}

func (e *Error) Error() string {
	var part string
	switch e.Where {
	case InHeader:
		part = "header"
	case InFrame:
		part = fmt.Sprintf("frame %d", e.Frame)
	case InTrailer:
		part = "trailer"
	}
	msg := fmt.Sprintf("%s at offset %d: %v", part, e.Offset, e.Kind)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the kind, so errors.Is works on it.
func (e *Error) Unwrap() error { return e.Kind }

// FrameError builds an Error about frame index starting at offset.
func FrameError(kind error, index uint64, offset int64, format string, args ...any) *Error {
	return &Error{Kind: kind, Where: InFrame, Frame: index, Offset: offset, Detail: fmt.Sprintf(format, args...)}
}

func headerError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Where: InHeader, Offset: 0, Detail: fmt.Sprintf(format, args...)}
}

func trailerError(kind error, offset int64, format string, args ...any) *Error {
	return &Error{Kind: kind, Where: InTrailer, Offset: offset, Detail: fmt.Sprintf(format, args...)}
}
