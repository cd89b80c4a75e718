package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrDirSync is wrapped by the error Write returns when the file was
// renamed into place but syncing its directory failed: the file is there,
// whole, but the rename may not survive a crash.
var ErrDirSync = errors.New("atomicfile: file in place, but syncing its directory failed")

// A File is the temporary file Write fills.
type File interface {
	io.Writer
	Name() string // the path it was created at
	Sync() error  // flush its data to stable storage (fsync)
	Close() error
}

// An FS is the file system Write works through: OS for the real one,
// fakes with faults in the tests.
type FS interface {
	// CreateTemp creates a new file in dir, named from pattern as
	// os.CreateTemp does, open for writing.
	CreateTemp(dir, pattern string) (File, error)
	// Rename moves oldpath to newpath atomically. With replace false it
	// fails with an error wrapping fs.ErrExist if newpath exists, and the
	// check and the move are one step: no file can appear in between.
	Rename(oldpath, newpath string, replace bool) error
	// Remove removes a file.
	Remove(name string) error
	// Stat describes a file; its error wraps fs.ErrNotExist if there is none.
	Stat(name string) (fs.FileInfo, error)
	// SyncDir flushes a directory's entries (a rename in it) to stable storage.
	SyncDir(dir string) error
}

// OS is the real file system.
type OS struct{}

// CreateTemp is os.CreateTemp.
func (OS) CreateTemp(dir, pattern string) (File, error) { return os.CreateTemp(dir, pattern) }

// Rename is os.Rename when replace; otherwise it links newpath to oldpath,
// which fails if newpath exists, and then removes the name oldpath.
func (OS) Rename(oldpath, newpath string, replace bool) error {
	if replace {
		return os.Rename(oldpath, newpath)
	}
	if err := os.Link(oldpath, newpath); err != nil {
		return err
	}
	return os.Remove(oldpath)
}

// Remove is os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

// Stat is os.Stat.
func (OS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// SyncDir opens dir and syncs it.
func (OS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("atomicfile: syncing %s: %w", dir, err)
	}
	return d.Close()
}
