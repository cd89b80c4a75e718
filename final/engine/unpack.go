package engine

import (
	"errors"
	"fmt"
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// unpackSteps read frames, decode and verify them, and write the chunks
// (or nothing, for Verify).
type unpackSteps struct {
	o      codec.Options
	r      *format.Reader
	dst    io.Writer // nil: verify only
	h      format.Header
	s      *codec.Session // made by session, from the header
	digest *format.Digest
	frames int // frames read so far
}

func newUnpackSteps(src io.Reader, dst io.Writer, o codec.Options) *unpackSteps {
	return &unpackSteps{o: o, r: format.NewReader(src, o.MaxChunkSize), dst: dst}
}

// header reads the header. It writes nothing.
func (u *unpackSteps) header() (n int, err error) {
	u.h, err = u.r.ReadHeader()
	return 0, err
}

// session checks the options against the header and derives the keys.
func (u *unpackSteps) session() (err error) {
	if u.s, err = codec.NewUnpackSession(u.h, u.o); err != nil {
		return err
	}
	u.digest = u.s.NewDigest()
	return nil
}

func (u *unpackSteps) chunkSize() int    { return u.h.ChunkSize }
func (u *unpackSteps) coderBytes() int64 { return codec.DecoderMemory(codec.Codec(u.h.Codec)) }

// read reads the next frame into j. The first frame's buffer grows as its
// bytes arrive (format.Reader does not trust the lengths it reads). Once
// a container has shown a second frame, a job without a buffer gets one
// of the largest body the header's chunk size allows, which is what the
// job was charged for: bodies vary in size, and a buffer fitted to each
// larger one in turn would be made again and again, each time fresh
// memory for the kernel to fault in (a quarter of the page faults of a
// first 128 MiB unpack, measured with benchtool repeat). Only the pages a
// body fills are touched; a one-frame container, a small file's, never
// gets one.
func (u *unpackSteps) read(j *job) error {
	if cap(j.in) == 0 && u.frames > 0 {
		j.in = make([]byte, 0, format.MaxBodyLen(u.h.ChunkSize))
	}
	f, err := u.r.Next(j.in)
	if err != nil {
		return err
	}
	u.frames++
	j.frame, j.in = f, f.Body
	j.index, j.last, j.rawLen = f.Index, f.Last, f.RawLen
	return nil
}

func (u *unpackSteps) newCoder() (func(*job) error, func()) {
	dec := u.s.NewDecoder()
	return func(j *job) error {
		raw, sum, err := dec.Decode(j.out, j.frame)
		if err != nil {
			return err
		}
		j.out, j.sum = raw, sum
		return nil
	}, dec.Release
}

func (u *unpackSteps) write(j *job) (int, error) {
	if u.dst != nil {
		if n, err := format.WriteFull(u.dst, j.out); err != nil {
			return n, err
		}
	}
	u.digest.Add(j.sum, len(j.out))
	return len(j.out), nil
}

// trailer reads the trailer (the reader stopped at the last frame) and
// checks the whole-file digest against it.
func (u *unpackSteps) trailer() (int, error) {
	if _, err := u.r.Next(nil); !errors.Is(err, io.EOF) {
		if err == nil {
			return 0, fmt.Errorf("%w: a frame follows the last one", format.ErrCorrupt)
		}
		return 0, err
	}
	return 0, u.digest.Check(u.r.Trailer())
}

func (u *unpackSteps) hasOutput() bool { return u.dst != nil }
