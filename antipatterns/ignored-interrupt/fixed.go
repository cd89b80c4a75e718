package ignoredinterrupt

import (
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"
)

// PackFileFixed packs in into the file out. An interrupt cancels the
// context the pipeline checks between chunks, and the frames go to a
// temporary file that becomes out only when every frame is written: on
// Ctrl-C it returns context.Canceled and out does not exist. (Lesson 11
// adds the fsyncs that make the rename crash-safe too.)
func PackFileFixed(in io.Reader, out string, chunkSize int) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := pack(ctx, in, tmp, chunkSize); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
