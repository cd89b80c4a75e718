package oracle

import (
	"context"
	"errors"
	"fmt"
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// ErrSchedule is wrapped by every error about a chunk schedule that does
// not fit its input or its options.
var ErrSchedule = errors.New("chunk schedule does not fit")

// docs:region PackSchedule
// PackSchedule is Pack with the chunks cut to the sizes given instead of
// all of o.ChunkSize: chunk i holds sizes[i] bytes. It is the reference
// for an engine that picks its own chunk sizes: given the sizes such an
// engine chose, PackSchedule writes the bytes it must have written. The
// header still declares o.ChunkSize, the cap every frame's raw length is
// under, so each size must be 1..o.ChunkSize, and the sizes must add up
// to the input's length exactly; otherwise it returns an error wrapping
// ErrSchedule.
func PackSchedule(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options, sizes []int) error {
	s, err := codec.NewPackSession(o)
	if err != nil {
		return err
	}
	if err := checkSchedule(sizes, s.Header().ChunkSize); err != nil {
		return err
	}
	w := format.NewWriter(dst)
	if err := w.WriteHeader(s.Header()); err != nil {
		return err
	}
	chunks := codec.NewChunker(src, s.Header().ChunkSize)
	enc, digest := s.NewEncoder(), s.NewDigest()
	var raw, out []byte
	for i, size := range sizes {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := chunks.NextN(raw, size)
		last := i == len(sizes)-1
		switch {
		case errors.Is(err, io.EOF), err == nil && (len(c.Data) < size || c.Last && !last):
			return fmt.Errorf("%w: the input ends at byte %d, within the schedule's %d chunks", ErrSchedule, chunks.Offset(), len(sizes))
		case err != nil:
			return err
		case last && !c.Last:
			return fmt.Errorf("%w: the input goes on after the schedule's %d chunks (%d bytes)", ErrSchedule, len(sizes), chunks.Offset())
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
	if len(sizes) == 0 {
		if _, err := chunks.Next(raw); !errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: an empty schedule for an input that is not empty", ErrSchedule)
		}
	}
	return w.WriteTrailer(digest.Trailer())
}

// docs:endregion PackSchedule

// checkSchedule checks every size is a chunk a header of chunkSize allows.
func checkSchedule(sizes []int, chunkSize int) error {
	for i, n := range sizes {
		if n < 1 || n > chunkSize {
			return fmt.Errorf("%w: chunk %d is %d bytes, not 1..%d (the header's chunk size)", ErrSchedule, i, n, chunkSize)
		}
	}
	return nil
}

// Schedule returns the raw length of every frame in a container, in
// order: the chunk schedule its packer chose, which PackSchedule replays.
// It reads frame headers only (the bodies are skipped, not decoded), so it
// vouches for nothing but their lengths.
func Schedule(container io.Reader) ([]int, error) {
	r := format.NewReader(container, 0)
	if _, err := r.ReadHeader(); err != nil {
		return nil, err
	}
	var sizes []int
	var body []byte
	for {
		f, err := r.Next(body)
		if errors.Is(err, io.EOF) {
			return sizes, nil
		}
		if err != nil {
			return nil, err
		}
		body = f.Body
		sizes = append(sizes, f.RawLen)
	}
}
