package busyselect

import (
	"context"
	"io"

	"packcourse/antipatterns/internal/pipeline"
)

// WriteFixed is WriteBroken without the default case: select blocks until
// a frame arrives or ctx is done, and the goroutine sleeps in the
// scheduler meanwhile, using no CPU. It never finds nothing to do, so it
// never calls idle. (A default case belongs in a select that must not
// wait: a non-blocking send or a poll done once, not in a loop.)
func WriteFixed(ctx context.Context, frames <-chan pipeline.Frame, w io.Writer, idle func()) error {
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return nil
			}
			if _, err := w.Write(f.Encode()); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
