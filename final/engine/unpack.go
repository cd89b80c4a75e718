package engine

import (
	"errors"
	"fmt"
	"io"

	"packcourse/final/obs"
	"packcourse/lessons/00-the-job/codec"
	"packcourse/lessons/00-the-job/format"
)

// unpackSteps read frames, decode and verify them, and write the chunks
// (or nothing, for Verify).
type unpackSteps struct {
	o       codec.Options
	r       *format.Reader
	dst     io.Writer // nil: verify only
	session *codec.Session
	digest  *format.Digest
}

func newUnpackSteps(src io.Reader, dst io.Writer, o codec.Options) *unpackSteps {
	return &unpackSteps{o: o, r: format.NewReader(src, o.MaxChunkSize), dst: dst}
}

// start reads the header and makes the session for it. It writes nothing.
func (u *unpackSteps) start() (int, error) {
	h, err := u.r.ReadHeader()
	if err != nil {
		return 0, err
	}
	if u.session, err = codec.NewUnpackSession(h, u.o); err != nil {
		return 0, err
	}
	u.digest = u.session.NewDigest()
	return 0, nil
}

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

func (u *unpackSteps) transform() func(*job) error {
	dec := u.session.NewDecoder()
	return func(j *job) error {
		raw, sum, err := dec.Decode(j.out, j.frame)
		if err != nil {
			return err
		}
		j.out, j.sum = raw, sum
		return nil
	}
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

// finish reads the trailer (the reader stopped at the last frame) and
// checks the whole-file digest against it.
func (u *unpackSteps) finish() (int, error) {
	if _, err := u.r.Next(nil); !errors.Is(err, io.EOF) {
		if err == nil {
			return 0, fmt.Errorf("%w: a frame follows the last one", format.ErrCorrupt)
		}
		return 0, err
	}
	return 0, u.digest.Check(u.r.Trailer())
}

func (u *unpackSteps) op() obs.Op      { return obs.Decode }
func (u *unpackSteps) hasOutput() bool { return u.dst != nil }
