package format

import (
	"fmt"
	"io"
)

// Writer writes a container to a stream, in order, without seeking.
// It remembers the first write error and returns it from every later call.
type Writer struct {
	w   io.Writer
	off int64
	err error
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteHeader writes the header. Call it once, first.
func (w *Writer) WriteHeader(h Header) error { return w.write(h.Marshal(), "header") }

// WriteFrame writes one encoded frame (header and body, as made by the codec).
func (w *Writer) WriteFrame(frame []byte) error { return w.write(frame, "frame") }

// WriteTrailer writes the trailer. Call it once, last.
func (w *Writer) WriteTrailer(t Trailer) error { return w.write(t.Marshal(), "trailer") }

// Offset is how many bytes have been written so far.
func (w *Writer) Offset() int64 { return w.off }

func (w *Writer) write(b []byte, what string) error {
	if w.err != nil {
		return w.err
	}
	n, err := WriteFull(w.w, b)
	if err != nil {
		w.err = fmt.Errorf("writing %s at offset %d: %w", what, w.off+int64(n), err)
	}
	w.off += int64(n)
	return w.err
}

// WriteFull writes p to w and turns a short write without an error (a
// Writer breaking its contract) into io.ErrShortWrite, so no byte is lost
// silently.
func WriteFull(w io.Writer, p []byte) (int, error) {
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}
