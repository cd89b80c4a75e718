package engine

import (
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// packSteps cut the input into chunks, encode them into frames and write
// the container.
type packSteps struct {
	o       codec.Options
	src     io.Reader
	w       *format.Writer
	s       *codec.Session // made by session
	chunks  *codec.Chunker
	digest  *format.Digest
	written int64 // the writer's offset after the last call to count

	adaptive *Adaptive // nil: fixed chunks
	sizes    *sizer    // made by session when adaptive
	schedule []int     // each chunk's raw length, in order, when adaptive: the writer's
}

func newPackSteps(dst io.Writer, src io.Reader, o codec.Options) *packSteps {
	return &packSteps{o: o, src: src, w: format.NewWriter(dst)}
}

func (p *packSteps) session() (err error) {
	if p.s, err = codec.NewPackSession(p.o); err != nil {
		return err
	}
	p.chunks = codec.NewChunker(p.src, p.chunkSize())
	p.digest = p.s.NewDigest()
	if p.adaptive != nil {
		p.sizes = newSizer(p.adaptive, p.chunkSize())
	}
	return nil
}

func (p *packSteps) header() (int, error) { return p.count(p.w.WriteHeader(p.s.Header())) }
func (p *packSteps) chunkSize() int       { return p.s.Header().ChunkSize }
func (p *packSteps) coderBytes() int64    { return codec.EncoderMemory(p.o) }

func (p *packSteps) read(j *job) error {
	if cap(j.in) < p.chunkSize() {
		// Once per job, unless it took a spare: its bytes were charged for
		// a chunk, and with a chunk's room the Chunker never allocates.
		j.in = make([]byte, p.chunkSize())
	}
	size := p.chunkSize()
	if p.sizes != nil {
		size = p.sizes.next()
	}
	off := p.chunks.Offset()
	c, err := p.chunks.NextN(j.in, size)
	if err != nil {
		return err
	}
	j.index, j.last, j.in, j.rawLen, j.off = c.Index, c.Last, c.Data, len(c.Data), off
	return nil
}

func (p *packSteps) newCoder() (func(*job) error, func()) {
	enc := p.s.NewEncoder()
	return func(j *job) error {
		// A frame never outgrows MaxBodyLen, so with this capacity Encode
		// never reallocates: the job holds no more than it was charged for.
		if need := format.FrameHeaderLen + format.MaxBodyLen(len(j.in)); cap(j.out) < need {
			j.out = make([]byte, 0, need)
		}
		encode := func() error {
			f, err := enc.Encode(j.out, j.index, j.last, j.in)
			if err != nil {
				return err
			}
			j.out, j.sum = f.Bytes, f.Sum
			return nil
		}
		if p.sizes == nil {
			return encode()
		}
		return p.sizes.timed(j.off, len(j.in), encode)
	}, enc.Release
}

func (p *packSteps) write(j *job) (int, error) {
	if err := p.w.WriteFrame(j.out); err != nil {
		return p.count(err)
	}
	p.digest.Add(j.sum, j.rawLen)
	if p.sizes != nil {
		p.schedule = append(p.schedule, j.rawLen)
	}
	return p.count(nil)
}

func (p *packSteps) trailer() (int, error) {
	n, err := p.count(p.w.WriteTrailer(p.digest.Trailer()))
	if err == nil && p.adaptive != nil && p.adaptive.Schedule != nil {
		p.adaptive.Schedule(p.schedule)
	}
	return n, err
}
func (p *packSteps) hasOutput() bool { return true }

// count turns a format.Writer call's error into (bytes written, error),
// from the writer's offset.
func (p *packSteps) count(err error) (int, error) {
	n := p.w.Offset() - p.written
	p.written = p.w.Offset()
	return int(n), err
}
