package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sync"

	"packcourse/core/codec"
)

// TempPrefix starts the name of every temporary file PackFile creates, so
// that one left behind by a crash is recognisable: nothing else the
// engine writes has a name that starts with it. A later run ignores such
// files (see PackPaths).
const TempPrefix = ".pack-tmp-"

// ErrDirSync is wrapped by the error PackFile returns when the output was
// renamed into place but syncing its directory failed: the file is there,
// whole, and stays there, but a crash could still undo the rename.
var ErrDirSync = errors.New("written but not known durable: syncing its directory failed")

// Output says how PackFile and PackPaths write their outputs. The zero
// value writes through the real file system and never replaces a file.
type Output struct {
	// FS is the file system to work through; nil means OS.
	FS FS
	// Overwrite allows replacing an existing output. Without it, an
	// existing output is an error wrapping fs.ErrExist and is left as it
	// was.
	Overwrite bool
	// Done, if set, is called once for every file PackPaths finishes,
	// with its error (nil: the output is in place and durable). It may be
	// called from several goroutines at once.
	Done func(p Path, err error)
}

func (out Output) fs() FS {
	if out.FS == nil {
		return OS{}
	}
	return out.FS
}

// A Path is one file to pack: where its input is and where its container
// goes.
type Path struct {
	Src, Dst string
}

// docs:region PackFile
// PackFile packs the file at srcPath into a container at dstPath, so that
// dstPath either holds the whole container or is as it was before, whatever
// fails and whenever ctx is done: see writeAtomic. The one exception is an
// error wrapping ErrDirSync, which means the container is in place, whole,
// but may not survive a crash.
func (e *Engine) PackFile(ctx context.Context, dstPath, srcPath string, o codec.Options, out Output) error {
	fsys := out.fs()
	src, err := fsys.Open(srcPath)
	if err != nil {
		return err
	}
	defer src.Close()
	return writeAtomic(ctx, fsys, dstPath, out.Overwrite, func(w io.Writer) error {
		return e.Pack(ctx, w, src, o)
	})
}

// docs:endregion PackFile

// docs:region writeAtomic
// writeAtomic makes path hold exactly the bytes fill writes, or leaves it
// as it was: fill writes a temporary file in path's directory, which is
// synced, closed and renamed onto path, and the directory is synced last.
// On any error before the rename, and if ctx is done before it, the
// temporary file is removed. After the rename nothing is removed: if
// syncing the directory fails, the error wraps ErrDirSync and the file
// stays.
func writeAtomic(ctx context.Context, fsys FS, path string, overwrite bool, fill func(io.Writer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !overwrite {
		if err := refuseExisting(fsys, path); err != nil {
			return err
		}
	}
	// The temporary file must be in path's directory: a rename is atomic
	// only within one file system, and os.TempDir may be another.
	dir := filepath.Dir(path)
	tmp, err := fsys.CreateTemp(dir, TempPrefix+filepath.Base(path)+".")
	if err != nil {
		return fmt.Errorf("creating a temporary file for %s: %w", path, err)
	}
	if err := fillSyncClose(ctx, tmp, fill); err != nil {
		return alsoFailed(err, fsys.Remove(tmp.Name()))
	}
	if err := fsys.Rename(tmp.Name(), path, overwrite); err != nil {
		return alsoFailed(renameError(path, err), fsys.Remove(tmp.Name()))
	}
	// From here path holds the new file, whole. Never remove it: the old
	// file, if there was one, is gone already.
	if err := syncDir(fsys, dir); err != nil {
		return fmt.Errorf("%s: %w: %w", path, ErrDirSync, err)
	}
	return nil
}

// docs:endregion writeAtomic

// docs:region fillSyncClose
// fillSyncClose fills tmp, syncs it and closes it, checking ctx after fill
// and again last, just before the caller renames. tmp is closed whatever
// happens.
func fillSyncClose(ctx context.Context, tmp TempFile, fill func(io.Writer) error) error {
	if err := fill(tmp); err != nil {
		return alsoFailed(err, tmp.Close())
	}
	if err := ctx.Err(); err != nil {
		return alsoFailed(err, tmp.Close())
	}
	// Sync before the rename: otherwise a crash can leave the new name
	// pointing at data that never reached the disk, an empty or torn file.
	if err := tmp.Sync(); err != nil {
		return alsoFailed(fmt.Errorf("syncing %s: %w", tmp.Name(), err), tmp.Close())
	}
	// Close reports write errors some file systems defer (NFS, quotas).
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	return ctx.Err()
}

// docs:endregion fillSyncClose

// alsoFailed is err, with the error of the cleanup that followed it, if
// that failed too, on the same line.
func alsoFailed(err, cleanup error) error {
	if cleanup == nil {
		return err
	}
	return fmt.Errorf("%w (then: %w)", err, cleanup)
}

// refuseExisting fails if path exists. It only saves the work of packing
// a file that could not be renamed into place: a file may still appear
// while the container is written, and Rename without replace checks again.
func refuseExisting(fsys FS, path string) error {
	_, err := fsys.Stat(path)
	if err == nil {
		return existsError(path, fs.ErrExist)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func existsError(path string, cause error) error {
	return fmt.Errorf("%s: %w (not replaced without Overwrite)", path, cause)
}

func renameError(path string, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return existsError(path, err)
	}
	return err
}

// syncDir flushes dir's entries, so that a rename in it survives a crash.
func syncDir(fsys FS, dir string) error {
	d, err := fsys.OpenDir(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		return alsoFailed(err, d.Close())
	}
	return d.Close()
}

// docs:region PackPaths
// PackPaths packs each path's Src into its Dst with PackFile, up to
// Workers files at once, and returns when every one it started has
// finished. A file that fails does not stop the others; the error joins
// every file's error, each naming its file. Once ctx is done no new file
// is started, and every file in progress removes its temporary file.
//
// Temporary files left by an earlier run that crashed (their names start
// with TempPrefix) are ignored: never read, never taken for an output,
// never removed, since a run still in progress may own them.
func (e *Engine) PackPaths(ctx context.Context, paths []Path, o codec.Options, out Output) error {
	errs := make([]error, len(paths))
	slots := make(chan struct{}, e.workers())
	var wg sync.WaitGroup
	for i, p := range paths {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return errors.Join(errors.Join(errs...), ctx.Err())
		}
		wg.Go(func() {
			defer func() { <-slots }()
			err := e.PackFile(ctx, p.Dst, p.Src, o, out)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", p.Src, err)
			}
			if out.Done != nil {
				out.Done(p, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// docs:endregion PackPaths
