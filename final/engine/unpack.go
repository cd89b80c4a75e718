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

// read reads the next frame into j. Buffers grow as the frame's bytes
// arrive (format.Reader does not trust the lengths it reads), and never
// beyond what the header's chunk size allows, which is what the job was
// charged for.
func (u *unpackSteps) read(j *job) error {
	f, err := u.r.Next(j.in)
	if err != nil {
		return err
	}
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
