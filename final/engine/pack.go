package engine

import (
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/final/obs"
)

// packSteps cut the input into chunks, encode them into frames and write
// the container.
type packSteps struct {
	session *codec.Session
	chunks  *codec.Chunker
	w       *format.Writer
	digest  *format.Digest
	size    int   // chunk size
	off     int64 // the writer's offset after the last call to written
}

func newPackSteps(s *codec.Session, dst io.Writer, src io.Reader) *packSteps {
	size := s.Header().ChunkSize
	return &packSteps{
		session: s,
		chunks:  codec.NewChunker(src, size),
		w:       format.NewWriter(dst),
		digest:  s.NewDigest(),
		size:    size,
	}
}

// start writes the header; call it before the first write.
func (p *packSteps) start() (int, error) { return p.written(p.w.WriteHeader(p.session.Header())) }

func (p *packSteps) read(j *job) error {
	if j.in == nil {
		j.in = make([]byte, p.size) // allocated once per job; the job's bytes were charged for it
	}
	c, err := p.chunks.Next(j.in)
	if err != nil {
		return err
	}
	j.index, j.last, j.in, j.rawLen = c.Index, c.Last, c.Data, len(c.Data)
	return nil
}

func (p *packSteps) transform() func(*job) error {
	enc := p.session.NewEncoder()
	return func(j *job) error {
		// A frame never outgrows MaxBodyLen, so with this capacity Encode
		// never reallocates: the job holds no more than it was charged for.
		if need := format.FrameHeaderLen + format.MaxBodyLen(len(j.in)); cap(j.out) < need {
			j.out = make([]byte, 0, need)
		}
		f, err := enc.Encode(j.out, j.index, j.last, j.in)
		if err != nil {
			return err
		}
		j.out, j.sum = f.Bytes, f.Sum
		return nil
	}
}

func (p *packSteps) write(j *job) (int, error) {
	if err := p.w.WriteFrame(j.out); err != nil {
		return p.written(err)
	}
	p.digest.Add(j.sum, j.rawLen)
	return p.written(nil)
}

func (p *packSteps) finish() (int, error) { return p.written(p.w.WriteTrailer(p.digest.Trailer())) }

// written turns a format.Writer call's error into (bytes written, error),
// from the writer's offset.
func (p *packSteps) written(err error) (int, error) {
	n := p.w.Offset() - p.off
	p.off = p.w.Offset()
	return int(n), err
}

func (p *packSteps) op() obs.Op      { return obs.Encode }
func (p *packSteps) hasOutput() bool { return true }
