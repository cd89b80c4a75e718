// Package atomicfile writes a file so that it appears whole or not at all:
// lesson 11's crash-safe output, cut down to its skeleton.
package atomicfile

import (
	"context"
	"errors"
	"io"
)

// Write creates path with the bytes fill writes, so that path either does
// not change or holds them all, whatever fails and whenever ctx is done:
// fill writes a temporary file in path's directory, which is synced,
// closed and renamed over path, and the directory is synced last.
//
// Unless overwrite, an existing path is never replaced: Write fails with an
// error wrapping fs.ErrExist. On any error before the rename, the temporary
// file is removed and path is as it was. Once renamed the file is never
// removed: if only the directory sync fails, Write returns an error
// wrapping ErrDirSync and the cause. ctx is checked before anything else
// (before any call to fsys), right after fill returns and just before the
// rename, and a done ctx's own error is returned; after the rename it is
// too late to stop.
func Write(ctx context.Context, fsys FS, path string, fill func(io.Writer) error, overwrite bool) error {
	// TODO: stop at once if ctx is done; unless overwrite, you may refuse
	// an existing path early (fs.ErrExist), but that check is only a shortcut.
	// TODO: create the temp in path's directory, fill it, sync it, close it,
	// checking ctx after fill and just before the rename; on any error
	// remove the temp and return the error.
	// TODO: rename the temp onto path (replace only if overwrite), then
	// sync the directory; after the rename, never remove anything.
	return errors.New("atomicfile: Write is not written yet")
}
