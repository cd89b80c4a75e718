// Package busyselect shows a select with a default case spinning: the
// writer's loop selects on its frames and its context with an empty
// default, so whenever no frame is ready it loops again at once. It is
// correct, and while it waits it burns a whole core doing nothing; on a
// two-core machine that is half the machine, taken from the compressors
// it is waiting for.
//
// Modelled on wellington/wellington#150 (a watcher loop whose select had
// a default case and sent CPU use "through the roof"; the fix removed the
// default) and jackc/pgconn#39 (a wait loop spinning on select with
// default, runtime.selectgo at the top of the profile).
package busyselect

import (
	"context"
	"io"

	"packcourse/antipatterns/internal/pipeline"
)

// WriteBroken writes frames to w as they arrive, until frames is closed or
// ctx is done. idle is called each time the loop finds nothing to do:
// production passes a no-op, the tests count the calls.
func WriteBroken(ctx context.Context, frames <-chan pipeline.Frame, w io.Writer, idle func()) error {
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
		default: // The mistake: nothing ready, so go round again, at once, for ever.
			idle()
		}
	}
}
