package engine

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// docs:region FS
// A TempFile is a temporary output file: the container is written into it,
// then it is synced, closed and renamed into place.
type TempFile interface {
	io.Writer
	Name() string // the path it was created at
	Sync() error  // flush its data to stable storage (fsync)
	Close() error
}

// A Dir is an open directory, held only to sync its entries.
type Dir interface {
	Sync() error // flush the directory's entries (a rename in it) to stable storage
	Close() error
}

// An FS is the file system PackFile and PackPaths work through: OS for
// the real one, wrappers that log or fail a chosen step in the tests and
// the demo. It is the atomicfile exercise's FS with two differences: Open
// reads the input, and the exercise's SyncDir is two steps, OpenDir and
// Dir.Sync, so that each can fail on its own.
type FS interface {
	// Open opens a file for reading.
	Open(name string) (io.ReadCloser, error)
	// CreateTemp creates a new file in dir whose name starts with
	// prefix, open for writing.
	CreateTemp(dir, prefix string) (TempFile, error)
	// Rename moves oldpath to newpath atomically. With replace false it
	// fails with an error wrapping fs.ErrExist if newpath exists, and the
	// check and the move are one step: no file can appear in between.
	Rename(oldpath, newpath string, replace bool) error
	// Remove removes a file.
	Remove(name string) error
	// Stat describes a file; its error wraps fs.ErrNotExist if there is none.
	Stat(name string) (fs.FileInfo, error)
	// OpenDir opens a directory so that it can be synced.
	OpenDir(dir string) (Dir, error)
}

// docs:endregion FS

// OS is the real file system.
type OS struct{}

// Open is os.Open.
func (OS) Open(name string) (io.ReadCloser, error) { return os.Open(name) }

// docs:region OS.CreateTemp
// CreateTemp creates prefix followed by random letters in dir, as
// os.CreateTemp does, but with the mode os.Create gives a new file (0666
// less the umask) rather than CreateTemp's 0600: the temporary file
// becomes the output, and the output should look like any other file the
// user creates.
func (OS) CreateTemp(dir, prefix string) (TempFile, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+randomSuffix())
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue // another run drew the same name: draw again
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, prefix+"*"), Err: fs.ErrExist}
}

// docs:endregion OS.CreateTemp

// randomSuffix is 12 random hex digits: two runs never draw the same.
func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// docs:region OS.Rename
// Rename is os.Rename when replace. Otherwise it links newpath to
// oldpath, which fails if newpath exists (the check and the move in one
// step, which os.Rename cannot do), and then removes the name oldpath.
func (OS) Rename(oldpath, newpath string, replace bool) error {
	if replace {
		return os.Rename(oldpath, newpath)
	}
	if err := os.Link(oldpath, newpath); err != nil {
		return err
	}
	return os.Remove(oldpath)
}

// docs:endregion OS.Rename

// Remove is os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

// Stat is os.Stat.
func (OS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// OpenDir is os.Open on a directory.
func (OS) OpenDir(dir string) (Dir, error) { return os.Open(dir) }
