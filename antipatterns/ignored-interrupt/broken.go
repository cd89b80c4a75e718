// Package ignoredinterrupt shows the Ctrl-C handling the course's origin
// program shipped: none. Its pipeline took no cancellation, and nothing
// turned an interrupt into one, so Ctrl-C killed the process between two
// writes and left a truncated container under the final name, which looks
// like a finished one until someone unpacks it.
package ignoredinterrupt

import (
	"context"
	"errors"
	"io"
	"os"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFileBroken packs in into the file out, writing frames straight into
// out. Nothing can stop it but the signal's default action, which ends the
// process wherever it is.
func PackFileBroken(in io.Reader, out string, chunkSize int) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	// The mistake: a context that is never done, and output under the
	// final name from the first byte.
	if err := pack(context.Background(), in, f, chunkSize); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// pack writes the frames of in's chunks to w until in ends or ctx is done.
func pack(ctx context.Context, in io.Reader, w io.Writer, chunkSize int) error {
	buf := make([]byte, chunkSize)
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := io.ReadFull(in, buf)
		if n > 0 {
			if _, err := w.Write(pipeline.Compress(pipeline.Chunk{Index: i, Data: buf[:n]}).Encode()); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
