package codec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Chunker cuts a stream into chunks of a fixed size (the last may be
// shorter) and tells which chunk is the last, by peeking one byte ahead.
// An empty stream has no chunks.
type Chunker struct {
	br    *bufio.Reader
	size  int
	index int
	off   int64
	done  bool
}

// Chunk is one piece of the input, in the caller's buffer.
type Chunk struct {
	Index int
	Data  []byte
	Last  bool
}

// NewChunker returns a Chunker that reads r in chunks of size bytes.
func NewChunker(r io.Reader, size int) *Chunker {
	return &Chunker{br: bufio.NewReader(r), size: size}
}

// Next reads the next chunk into buf (grown to the chunk size if needed).
// It returns io.EOF when the input is exhausted, and any read error
// wrapped with the offset where it happened.
func (c *Chunker) Next(buf []byte) (Chunk, error) {
	if c.done {
		return Chunk{}, io.EOF
	}
	if cap(buf) < c.size {
		buf = make([]byte, c.size)
	}
	n, err := io.ReadFull(c.br, buf[:c.size])
	switch {
	case err == io.EOF: // nothing left: the previous chunk was the last
		c.done = true
		return Chunk{}, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF): // a short final chunk
		c.done = true
	case err != nil:
		return Chunk{}, fmt.Errorf("reading input at offset %d: %w", c.off+int64(n), err)
	default:
		c.done, err = c.atEOF()
		if err != nil {
			return Chunk{}, fmt.Errorf("reading input at offset %d: %w", c.off+int64(n), err)
		}
	}
	ch := Chunk{Index: c.index, Data: buf[:n], Last: c.done}
	c.index++
	c.off += int64(n)
	return ch, nil
}

// NextN is Next for a chunk of up to size bytes instead of the Chunker's
// own size: an engine that picks each chunk's size as it goes (and an
// oracle that replays the sizes it picked) cuts the stream with it. The
// chunk is shorter than size only when the input ends inside it. size
// must be at least 1.
func (c *Chunker) NextN(buf []byte, size int) (Chunk, error) {
	if size < 1 {
		return Chunk{}, fmt.Errorf("reading input at offset %d: chunk size %d is not positive", c.off, size)
	}
	own := c.size
	c.size = size
	defer func() { c.size = own }()
	return c.Next(buf)
}

// atEOF reports whether the input has no more bytes.
func (c *Chunker) atEOF() (bool, error) {
	_, err := c.br.Peek(1)
	if err == io.EOF {
		return true, nil
	}
	return false, err
}

// Offset is how many input bytes the chunks returned so far hold.
func (c *Chunker) Offset() int64 { return c.off }
