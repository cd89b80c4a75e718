package files

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// FS is every file-system operation this package performs. OS is the real
// one; tests substitute one that fails a chosen step, or swaps a file
// between planning and opening, to prove that no failure anywhere leaves a
// partial output behind and that nothing swapped in is followed.
type FS interface {
	// Open opens a source for reading without following a symbolic link
	// and without blocking (a FIFO opens at once, and is then refused).
	Open(name string) (Source, error)
	// Create creates a new file, failing if name exists (a link included),
	// with permission bits perm & 0600 until the writer sets its own.
	Create(name string, perm fs.FileMode) (File, error)
	// Rename moves oldpath to newpath in one step. With replace it
	// replaces whatever file is at newpath; without, it fails with an
	// error wrapping fs.ErrExist if newpath exists, checked in the same
	// step as the move.
	Rename(oldpath, newpath string, replace bool) error
	// Remove removes a file.
	Remove(name string) error
	// Truncate changes a file's size (to empty a temporary file that
	// could not be removed).
	Truncate(name string, size int64) error
	// SyncDir flushes a directory's entries to stable storage.
	SyncDir(dir string) error
	// Stat describes name, following symbolic links.
	Stat(name string) (fs.FileInfo, error)
	// Lstat describes name without following a symbolic link.
	Lstat(name string) (fs.FileInfo, error)
	// ReadDir lists a directory, sorted by name.
	ReadDir(name string) ([]fs.DirEntry, error)
	// MkdirAll makes a directory and any missing parents.
	MkdirAll(dir string) error
}

// Source is an input being read: Stat describes the open file itself
// (fstat), so it says what was opened, whatever the name points to now.
type Source interface {
	io.ReadCloser
	Stat() (fs.FileInfo, error)
}

// File is a file being written by WriteAtomic.
type File interface {
	io.Writer
	Name() string
	Sync() error
	Chmod(mode fs.FileMode) error
	Close() error
}

// OS is the operating system's file system.
type OS struct{}

// Open opens name read-only with O_NOFOLLOW and O_NONBLOCK (see
// openSource): a name swapped for a link fails, a FIFO does not block.
func (OS) Open(name string) (Source, error) { return openSource(name) }

// Create makes a new file with O_EXCL and O_NOFOLLOW, readable and
// writable by its owner at most while it is written.
func (OS) Create(name string, perm fs.FileMode) (File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, perm.Perm()&0o600)
}

// Rename is os.Rename when replace. Otherwise the check that newpath is
// free and the move are one step (renameNoReplace), so a file another
// process makes at newpath after the last look is never replaced.
func (OS) Rename(oldpath, newpath string, replace bool) error {
	if replace {
		return os.Rename(oldpath, newpath)
	}
	return renameNoReplace(oldpath, newpath)
}

// linkThenRemove moves oldpath to newpath as lesson 11 does: link(2)
// fails if newpath exists, which makes the check and the move one step;
// then the old name goes.
func linkThenRemove(oldpath, newpath string) error {
	if err := os.Link(oldpath, newpath); err != nil {
		return err
	}
	return os.Remove(oldpath)
}

// Remove calls os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

// Truncate calls os.Truncate.
func (OS) Truncate(name string, size int64) error { return os.Truncate(name, size) }

// SyncDir opens dir and syncs it: on Linux that is what makes a rename
// inside it durable.
func (OS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// Stat calls os.Stat.
func (OS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// Lstat calls os.Lstat.
func (OS) Lstat(name string) (fs.FileInfo, error) { return os.Lstat(name) }

// ReadDir calls os.ReadDir.
func (OS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// MkdirAll calls os.MkdirAll with permission bits 0755.
func (OS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// unwrapPath drops the operation and path from a *fs.PathError, for
// messages that name the file already: "opening: no such file or
// directory" rather than "opening: open a/b: no such file or directory".
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
