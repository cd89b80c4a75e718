package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"packcourse/core/codec"
)

// A File is one input of a batch and where its container goes.
type File struct {
	Name string // for errors
	Src  io.Reader
	Dst  io.Writer
}

// docs:region PackFiles
// PackFiles packs every file at once, each in a Pack of its own on e, and
// waits for them all. A file that fails does not stop the others; the
// error joins every file's error, in the order of files, each naming its
// file. With e.Governor set the runs share it, which is the point: how
// many files are in flight no longer changes how many CPU tokens, I/O
// tokens and bytes they hold together.
func (e *Engine) PackFiles(ctx context.Context, files []File, o codec.Options) error {
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() {
			if err := e.Pack(ctx, f.Dst, f.Src, o); err != nil {
				errs[i] = fmt.Errorf("%s: %w", f.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// docs:endregion PackFiles
