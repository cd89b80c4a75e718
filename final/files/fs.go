package files

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// FS is every file-system operation this package performs. OS is the real
// one; tests substitute one that fails a chosen step, to prove that no
// failure anywhere leaves a partial output behind.
type FS interface {
	// Open opens a file for reading.
	Open(name string) (io.ReadCloser, error)
	// CreateTemp creates a new file in dir, named from pattern as
	// os.CreateTemp does, with permission bits perm.
	CreateTemp(dir, pattern string, perm fs.FileMode) (File, error)
	// Rename atomically replaces newpath with oldpath.
	Rename(oldpath, newpath string) error
	// Remove removes a file.
	Remove(name string) error
	// SyncDir flushes a directory's entries to stable storage.
	SyncDir(dir string) error
	// Lstat describes name without following a symbolic link.
	Lstat(name string) (fs.FileInfo, error)
	// MkdirAll makes a directory and any missing parents.
	MkdirAll(dir string) error
}

// File is a file being written by WriteAtomic.
type File interface {
	io.Writer
	Name() string
	Sync() error
	Close() error
}

// OS is the operating system's file system.
type OS struct{}

// Open calls os.Open.
func (OS) Open(name string) (io.ReadCloser, error) { return os.Open(name) }

// CreateTemp calls os.CreateTemp, then sets the permission bits, which
// os.CreateTemp always makes 0600.
func (OS) CreateTemp(dir, pattern string, perm fs.FileMode) (File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// Rename calls os.Rename.
func (OS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove calls os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

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

// Lstat calls os.Lstat.
func (OS) Lstat(name string) (fs.FileInfo, error) { return os.Lstat(name) }

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
