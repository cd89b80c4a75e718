// Wrong: returns context.Cause(ctx) instead of ctx.Err() at each ctx check,
// so a ctx cancelled with a cause returns that cause, which is neither
// context.Canceled nor DeadlineExceeded (breaks "for ctx, its own error,
// ctx.Err()").
// Caught by: TestReturnsCtxErrNotItsCause
// Package atomicfile writes a file so that it appears whole or not at all:
// lesson 11's crash-safe output, cut down to its skeleton.
package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
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
func Write(ctx context.Context, fsys FS, path string, fill func(io.Writer) error, overwrite bool) (err error) {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if !overwrite {
		// Fail fast, before fill does its work. This is only a shortcut:
		// a file may still appear before the rename, which checks again.
		if _, err := fsys.Stat(path); err == nil {
			return fmt.Errorf("atomicfile: %s: %w", path, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	dir := filepath.Dir(path)
	// The temp must be in path's directory: a rename is atomic only
	// within one file system, and os.TempDir may be another.
	tmp, err := fsys.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if err := fillAndClose(ctx, tmp, fill); err != nil {
		fsys.Remove(tmp.Name()) // nothing of it may be left behind
		return err
	}
	if err := fsys.Rename(tmp.Name(), path, overwrite); err != nil {
		fsys.Remove(tmp.Name())
		return err
	}
	// From here path holds the new file, whole: never remove it.
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("%w: %w", ErrDirSync, err)
	}
	return nil
}

// fillAndClose fills tmp, syncs it and closes it, and checks ctx after
// fill and once more last, just before the caller renames. tmp is closed
// whatever happens.
func fillAndClose(ctx context.Context, tmp File, fill func(io.Writer) error) error {
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if ctx.Err() != nil {
		tmp.Close()
		return context.Cause(ctx)
	}
	// Sync before the rename: otherwise a crash can leave path renamed
	// but its data never written, an empty or torn file under the new name.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	// Close reports write errors some file systems defer (NFS, quotas).
	if err := tmp.Close(); err != nil {
		return err
	}
	return context.Cause(ctx)
}
