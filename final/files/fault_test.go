package files

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
)

// errInjected is the error every injected fault returns.
var errInjected = errors.New("injected fault")

// faultFS is the real file system with one step made to fail: the step
// named by stage, for files whose name contains match ("" matches all).
// Stage "open" fails opening a source file.
type faultFS struct {
	OS
	stage Stage
	match string

	mu      sync.Mutex
	created []string // temporary files created, in order
}

const stageOpen Stage = "open"

// hits reports whether the step on the file name must fail. Only the base
// name is matched: the test's temporary directory has the test's name in it.
func (f *faultFS) hits(stage Stage, name string) bool {
	return f.stage == stage && strings.Contains(filepath.Base(name), f.match)
}

func (f *faultFS) Open(name string) (Source, error) {
	if f.hits(stageOpen, name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errInjected}
	}
	return f.OS.Open(name)
}

func (f *faultFS) Create(name string, perm fs.FileMode) (File, error) {
	if f.hits(StageCreate, name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errInjected}
	}
	file, err := f.OS.Create(name, perm)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.created = append(f.created, file.Name())
	f.mu.Unlock()
	return &faultFile{File: file, fs: f, hit: strings.Contains(filepath.Base(name), f.match)}, nil
}

func (f *faultFS) Rename(oldpath, newpath string, replace bool) error {
	if f.hits(StageRename, newpath) {
		return errInjected
	}
	return f.OS.Rename(oldpath, newpath, replace)
}

func (f *faultFS) SyncDir(dir string) error {
	if f.stage == StageSyncDir {
		return errInjected
	}
	return f.OS.SyncDir(dir)
}

// faultFile fails Write after 100 bytes (as a full disk does), Sync or
// Close, as its faultFS says.
type faultFile struct {
	File
	fs      *faultFS
	hit     bool
	written int
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.hit && f.fs.stage == StageWrite && f.written+len(p) > 100 {
		n, _ := f.File.Write(p[:max(100-f.written, 0)])
		f.written += n
		return n, errInjected
	}
	n, err := f.File.Write(p)
	f.written += n
	return n, err
}

func (f *faultFile) Sync() error {
	if f.hit && f.fs.stage == StageSync {
		return errInjected
	}
	return f.File.Sync()
}

func (f *faultFile) Close() error {
	err := f.File.Close() // really close it, as a failing close does
	if f.hit && f.fs.stage == StageClose {
		return errInjected
	}
	return err
}
