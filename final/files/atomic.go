package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// Stage names one step of an atomic write, so that an error says which
// step failed: "syncing: ... no space left on device" tells a user far
// more than the bare system error.
type Stage string

// The steps of WriteAtomic, in order.
const (
	StageCreate  Stage = "creating temporary file"
	StageWrite   Stage = "writing temporary file"
	StageSync    Stage = "syncing temporary file"
	StageClose   Stage = "closing temporary file"
	StageRename  Stage = "renaming into place"
	StageSyncDir Stage = "syncing directory"
)

// ErrNotDurable is wrapped by the error WriteAtomic returns when the
// output was renamed into place but the directory could not be synced:
// the file is there, whole, but a power cut could still undo the rename.
// It is kept: after the rename the file it replaced is gone, so removing
// the new one would lose both.
var ErrNotDurable = errors.New("written but not known to be durable")

// NotDurableError is the error of a write published but not synced.
type NotDurableError struct {
	Path string
	Err  error // why the directory sync failed
}

func (e *NotDurableError) Error() string {
	return fmt.Sprintf("%s %v: %s: %v", Quote(e.Path), ErrNotDurable, StageSyncDir, e.Err)
}

// Unwrap returns both ErrNotDurable and the sync's error.
func (e *NotDurableError) Unwrap() []error { return []error{ErrNotDurable, e.Err} }

// CleanupError is joined to a failed write's error when its temporary file
// could not be removed afterwards, so the message names both.
type CleanupError struct {
	Temp    string // the temporary file left behind
	Err     error  // why it could not be removed
	Emptied bool   // it was truncated to 0 bytes instead
}

func (e *CleanupError) Error() string {
	what := "left it full size"
	if e.Emptied {
		what = "emptied it"
	}
	return fmt.Sprintf("could not remove temporary file %s (%s): %v", Quote(e.Temp), what, e.Err)
}

func (e *CleanupError) Unwrap() error { return e.Err }

// StageError is a failure of one step of an atomic write.
type StageError struct {
	Stage Stage
	Err   error
}

func (e *StageError) Error() string { return fmt.Sprintf("%s: %v", e.Stage, e.Err) }

// Unwrap returns the underlying error, so errors.Is(err, syscall.ENOSPC)
// still works through a StageError.
func (e *StageError) Unwrap() error { return e.Err }

// ErrExists is returned (wrapped, with the path) when the destination is
// already there and the caller did not ask to replace it.
var ErrExists = errors.New("destination already exists")

// AtomicOptions tune WriteAtomic. The zero value writes through the
// operating system, with permission bits 0644, and refuses to replace an
// existing file.
type AtomicOptions struct {
	FS        FS           // nil means OS{}
	Perm      *fs.FileMode // permission bits of the new file, exactly (000 too); nil means 0644
	Overwrite bool         // replace a file already at the destination

	// NoSync skips every sync: of the file, while it is written and before
	// the rename, and of the directory after. The output still appears
	// whole or not at all to every program, and after the process is
	// killed; but a power cut or an operating-system crash can leave it
	// missing, empty or partial, as it can any file written without a
	// sync. On a directory of small files the syncs weigh most.
	NoSync bool

	stretch int64 // bytes between background syncs; 0 means syncStretch (tests set less)
}

// WriteAtomic makes path hold exactly what fill writes, or leaves path as
// it was. fill writes into a temporary file in path's directory (same
// file system, so the rename below is atomic); the file is synced, closed
// and renamed over path, and the directory is synced so the rename itself
// survives a power cut.
//
// If fill fails, any step fails, or ctx is cancelled before the rename,
// the temporary file is removed and the error returned: fill's own error
// as it is, a failed step as a *StageError; if the temporary file cannot
// be removed either, a *CleanupError is joined to it. Nobody ever sees a
// partial file at path. After the rename nothing is removed: if only the
// final directory sync fails, the file stays and the error is a
// *NotDurableError (ErrNotDurable). Only a crash of the whole process
// (kill -9, power loss) can leave a temporary file, ".NAME.PID-RANDOM.tmp"
// (see temp.go), never the file itself; the next run writing path removes
// it.
func WriteAtomic(ctx context.Context, path string, o AtomicOptions, fill func(w io.Writer) error) (err error) {
	fsys, perm := o.fsys(), o.perm()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkDestination(fsys, path, o.Overwrite); err != nil {
		return err
	}
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// docs:region create-fill-publish
	tmp, err := createTemp(fsys, dir, name, perm)
	if err != nil {
		return &StageError{StageCreate, err}
	}
	t := &tempFile{fsys: fsys, f: tmp}
	defer func() {
		if err != nil {
			if derr := t.discard(); derr != nil {
				err = errors.Join(err, derr)
			}
		}
	}()
	w := newStageWriter(tmp, o.syncStretch())
	fillErr := fill(w)
	if err := w.stop(); fillErr == nil && err != nil {
		return &StageError{StageSync, err}
	}
	if fillErr != nil {
		return fillErr
	}
	if err := ctx.Err(); err != nil {
		return err // cancelled after the last byte: still do not publish
	}
	if err := t.syncAndClose(perm, !o.NoSync); err != nil {
		return err
	}
	// Checked again: another process may have made path meanwhile. And
	// without Overwrite the rename itself refuses an existing path, for
	// one made between this look and the rename.
	if err := checkDestination(fsys, path, o.Overwrite); err != nil {
		return err
	}
	if err := fsys.Rename(tmp.Name(), path, o.Overwrite); err != nil {
		if !o.Overwrite && errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", Quote(path), ErrExists)
		}
		return &StageError{StageRename, err}
	}
	t.published = true // from here on, nothing is removed
	if o.NoSync {
		return nil
	}
	if err := fsys.SyncDir(dir); err != nil {
		return &NotDurableError{Path: path, Err: err}
	}
	// docs:endregion create-fill-publish
	return nil
}

// checkDestination returns an error wrapping ErrExists if something is at
// path and overwrite is false. Even with overwrite, only a regular file is
// replaced: renaming over /dev/null or a symbolic link would replace the
// device or the link itself, never what the user meant. A failure to look
// is an error too: we cannot promise not to replace what we cannot see.
func checkDestination(fsys FS, path string, overwrite bool) error {
	info, err := fsys.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !overwrite:
		return fmt.Errorf("%s: %w", Quote(path), ErrExists)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s exists and is a %s, not a regular file: not replacing it", Quote(path), typeName(info.Mode()))
	}
	return nil
}

// createTemp makes a new temporary file for name in dir (see temp.go for
// its name), retrying on the rare name already taken.
func createTemp(fsys FS, dir, name string, perm fs.FileMode) (File, error) {
	for range 100 {
		f, err := fsys.Create(filepath.Join(dir, tempName(name, os.Getpid())), perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no free temporary name for %s in %s", Quote(name), Quote(dir))
}

// tempFile tracks how far one atomic write got, so that discard undoes
// exactly what was done: close the file if it is still open, remove it
// unless it was renamed into place.
type tempFile struct {
	fsys      FS
	f         File
	closed    bool
	published bool // renamed to the destination: never remove it
}

// syncAndClose gives the file its permission bits, flushes it to stable
// storage and closes it. The sync must come before the rename: otherwise
// a crash can leave the new name pointing at a file whose data never
// reached the disk. The bits are set last because the file is created
// readable by its owner only: nobody else reads a partial output.
func (t *tempFile) syncAndClose(perm fs.FileMode, sync bool) error {
	if err := t.f.Chmod(perm); err != nil {
		return &StageError{StageClose, err}
	}
	if sync {
		if err := t.f.Sync(); err != nil {
			return &StageError{StageSync, err}
		}
	}
	t.closed = true // a failed Close must not be retried: the descriptor is gone either way
	if err := t.f.Close(); err != nil {
		return &StageError{StageClose, err}
	}
	return nil
}

// discard removes the file after a failure and returns any error doing
// so. A file it cannot remove it empties if it can, so that a failed
// write never leaves a full-size copy behind.
func (t *tempFile) discard() error {
	if t.published {
		return nil
	}
	var errs []error
	if !t.closed {
		t.closed = true
		errs = append(errs, ignoreClosed(t.f.Close()))
	}
	name := t.f.Name()
	if err := t.fsys.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		emptied := t.fsys.Truncate(name, 0) == nil
		errs = append(errs, &CleanupError{Temp: name, Err: unwrapPath(err), Emptied: emptied})
	}
	return errors.Join(errs...)
}

// ignoreClosed drops the error of closing an already closed file.
func ignoreClosed(err error) error {
	if errors.Is(err, fs.ErrClosed) {
		return nil
	}
	return err
}

func (o AtomicOptions) fsys() FS {
	if o.FS == nil {
		return OS{}
	}
	return o.FS
}

// syncStretch is how many bytes are written between background syncs:
// never, with NoSync.
func (o AtomicOptions) syncStretch() int64 {
	if o.NoSync {
		return math.MaxInt64
	}
	if o.stretch <= 0 {
		return syncStretch
	}
	return o.stretch
}

func (o AtomicOptions) perm() fs.FileMode {
	if o.Perm == nil {
		return 0o644
	}
	return o.Perm.Perm()
}
