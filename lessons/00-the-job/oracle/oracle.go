// Package oracle is the sequential reference engine: one goroutine reads a
// chunk, encodes it, writes the frame, and repeats. It is simple enough to
// trust, and every engine in the course must produce the same bytes.
package oracle

import (
	"context"
	"errors"
	"fmt"
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// Engine is the oracle as a value with Pack and Unpack methods, the shape
// the conformance suite (package pipetest) tests.
type Engine struct{}

// Pack calls the package's Pack.
func (Engine) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	return Pack(ctx, dst, src, o)
}

// Unpack calls the package's Unpack.
func (Engine) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	return Unpack(ctx, dst, src, o)
}

// Pack reads src to its end and writes it to dst as a container. It checks
// ctx between chunks and returns ctx's error if it is cancelled.
func Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	s, err := codec.NewPackSession(o)
	if err != nil {
		return err
	}
	w := format.NewWriter(dst)
	if err := w.WriteHeader(s.Header()); err != nil {
		return err
	}
	chunks := codec.NewChunker(src, s.Header().ChunkSize)
	enc, digest := s.NewEncoder(), s.NewDigest()
	var raw, out []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := chunks.Next(raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		raw = c.Data
		f, err := enc.Encode(out, c.Index, c.Last, c.Data)
		if err != nil {
			return err
		}
		out = f.Bytes
		if err := w.WriteFrame(f.Bytes); err != nil {
			return err
		}
		digest.Add(f.Sum, f.RawLen)
	}
	return w.WriteTrailer(digest.Trailer())
}

// Unpack reads a container from src and writes the original bytes to dst.
// Each chunk is verified before it is written; the whole-file digest is
// verified at the end, so on error dst may hold a verified prefix of the
// original. It checks ctx between frames.
func Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	o, err := o.WithDefaults()
	if err != nil {
		return err
	}
	r := format.NewReader(src, o.MaxChunkSize)
	h, err := r.ReadHeader()
	if err != nil {
		return err
	}
	s, err := codec.NewUnpackSession(h, o)
	if err != nil {
		return err
	}
	dec, digest := s.NewDecoder(), s.NewDigest()
	var body, raw []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := r.Next(body)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		body = f.Body
		chunk, sum, err := dec.Decode(raw, f)
		if err != nil {
			return err
		}
		raw = chunk
		if _, err := format.WriteFull(dst, chunk); err != nil {
			return fmt.Errorf("writing frame %d's chunk: %w", f.Index, err)
		}
		digest.Add(sum, len(chunk))
	}
	return digest.Check(r.Trailer())
}
