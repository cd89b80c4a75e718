package files

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapFS is the real file system, with each file it creates wrapped by
// wrap: the tests below watch or fail a file's syncs that way.
type wrapFS struct {
	OS
	wrap func(File) File
}

func (w *wrapFS) Create(name string, perm os.FileMode) (File, error) {
	f, err := w.OS.Create(name, perm)
	if err != nil {
		return nil, err
	}
	return w.wrap(f), nil
}

// syncCountFS records, for each sync of the files it creates, how many
// bytes had been written, and sends it on synced.
type syncCountFS struct {
	wrapFS
	synced chan int64 // buffered: a sync never waits for the test
}

func newSyncCountFS() *syncCountFS {
	c := &syncCountFS{synced: make(chan int64, 100)}
	c.wrap = func(f File) File { return &syncCountFile{File: f, fs: c} }
	return c
}

type syncCountFile struct {
	File
	fs      *syncCountFS
	written atomic.Int64
}

func (f *syncCountFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.written.Add(int64(n))
	return n, err
}

func (f *syncCountFile) Sync() error {
	f.fs.synced <- f.written.Load()
	return f.File.Sync()
}

// syncs closes c.synced and returns what it received.
func (c *syncCountFS) syncs() []int64 {
	close(c.synced)
	var at []int64
	for n := range c.synced {
		at = append(at, n)
	}
	return at
}

// TestWriteAtomicSyncsAsItWrites: a file larger than a stretch is synced
// while it is being written, not only at the end, and still holds exactly
// what was written. The fill writes a stretch and a bit, then waits until
// a sync has been made before it writes the rest: so it passes only if a
// sync runs while the writing is still going on.
func TestWriteAtomicSyncsAsItWrites(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	fsys := newSyncCountFS()
	const stretch = 4096
	var early int64 = -1
	fill := func(w io.Writer) error {
		if err := fillWith(content[:stretch+1000])(w); err != nil {
			return err
		}
		select {
		case early = <-fsys.synced:
		case <-time.After(10 * time.Second): // only if it is broken
			return errors.New("no sync while writing")
		}
		return fillWith(content[stretch+1000:])(w)
	}

	err := WriteAtomic(t.Context(), dst, AtomicOptions{FS: fsys, stretch: stretch}, fill)

	require.NoError(t, err)
	// The sync runs once the first stretch is written, before or after the
	// next 1000 bytes: either way before the rest, which waits for it.
	assert.GreaterOrEqual(t, early, int64(stretch), "a sync ran before the first stretch was written")
	assert.LessOrEqual(t, early, int64(stretch+1000), "the sync ran while the file was being written")
	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(content, got), "the file holds what was written")
	syncs := fsys.syncs()
	require.NotEmpty(t, syncs)
	assert.Equal(t, int64(len(content)), syncs[len(syncs)-1], "the last sync comes after the last byte")
}

// TestWriteAtomicSmallFileSyncsOnce: a file under one stretch is synced
// once, before the rename, and no goroutine is started for it.
func TestWriteAtomicSmallFileSyncsOnce(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	fsys := newSyncCountFS()
	syncerDuringFill := true
	fill := func(w io.Writer) error {
		err := fillWith(content)(w)
		syncerDuringFill = syncerRunning()
		return err
	}

	require.NoError(t, WriteAtomic(t.Context(), dst, AtomicOptions{FS: fsys, stretch: int64(len(content)) + 1}, fill))

	assert.False(t, syncerDuringFill, "no goroutine started for a file under one stretch")
	assert.Equal(t, []int64{int64(len(content))}, fsys.syncs())
}

// TestWriteAtomicBackgroundSyncFails: when a sync made while writing fails,
// the write fails at the sync step and nothing is published, even though
// every later write and sync succeeded: the error is not lost with the
// goroutine that met it.
func TestWriteAtomicBackgroundSyncFails(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	fsys := newFailFirstSyncFS()

	err := WriteAtomic(t.Context(), dst, AtomicOptions{FS: fsys, stretch: 4096}, fillWith(content))

	require.ErrorIs(t, err, errInjected)
	var se *StageError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, StageSync, se.Stage)
	assert.NoFileExists(t, dst)
	assert.Empty(t, dirNames(t, dir), "no temporary file left")
	assert.Equal(t, int32(1), fsys.failed.Load(), "the first sync failed")
}

// failFirstSyncFS fails the first sync of the files it creates, and no
// other: as Linux reports a failed write-back once, to the first sync
// after it.
type failFirstSyncFS struct {
	wrapFS
	failed atomic.Int32
}

func newFailFirstSyncFS() *failFirstSyncFS {
	c := &failFirstSyncFS{}
	c.wrap = func(f File) File { return &failFirstSyncFile{File: f, fs: c} }
	return c
}

type failFirstSyncFile struct {
	File
	fs *failFirstSyncFS
}

func (f *failFirstSyncFile) Sync() error {
	if f.fs.failed.CompareAndSwap(0, 1) {
		return errInjected
	}
	return f.File.Sync()
}

// syncTally counts the syncs of files and directories made through it.
type syncTally struct {
	wrapFS
	files, dirs atomic.Int32
}

func newSyncTally() *syncTally {
	c := &syncTally{}
	c.wrap = func(f File) File { return &tallyFile{File: f, n: &c.files} }
	return c
}

func (c *syncTally) SyncDir(dir string) error {
	c.dirs.Add(1)
	return c.OS.SyncDir(dir)
}

type tallyFile struct {
	File
	n *atomic.Int32
}

func (f *tallyFile) Sync() error {
	f.n.Add(1)
	return f.File.Sync()
}

// TestWriteAtomicNoSync: without syncs the file is still written whole,
// through a temporary file and a rename, and nothing is synced: not the
// file while it is written (it spans many stretches here), not before the
// rename, not the directory. With them, all three happen.
func TestWriteAtomicNoSync(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		dir := t.TempDir()
		dst := filepath.Join(dir, "out")
		fsys := newSyncTally()

		err := WriteAtomic(t.Context(), dst, AtomicOptions{FS: fsys, stretch: 4096, NoSync: noSync}, fillWith(content))

		require.NoError(t, err)
		got, err := os.ReadFile(dst)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(content, got), "the file holds what was written")
		assert.Equal(t, []string{"out"}, dirNames(t, dir), "no temporary file left")
		if noSync {
			assert.Zero(t, fsys.files.Load(), "file syncs")
			assert.Zero(t, fsys.dirs.Load(), "directory syncs")
		} else {
			assert.GreaterOrEqual(t, fsys.files.Load(), int32(2), "file syncs: while writing and before the rename")
			assert.Equal(t, int32(1), fsys.dirs.Load(), "directory syncs")
		}
	}
}

// syncerRunning reports whether a background syncer goroutine is alive.
// It looks for the syncer's own function in every goroutine's stack
// rather than comparing runtime.NumGoroutine before and after: a goroutine
// of an earlier test that ends in between would make that count lie.
func syncerRunning() bool {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	return bytes.Contains(buf[:n], []byte("files.(*syncer).run"))
}
