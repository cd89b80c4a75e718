package files

// The hostile world, at the level of the file system: files swapped,
// changed or locked between planning and opening, names at the length
// limit, disks that fail after the rename, temporary files left by a
// killed run. Each test names the item of the issue it covers; the
// command's own cases are in cmd/pipeline/hostile_test.go.

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
)

// hostileTree writes files (name -> content) under a new directory.
func hostileTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return dir
}

// byName returns the Result of the job whose input ends in name.
func byName(t *testing.T, results []Result, name string) Result {
	t.Helper()
	for _, r := range results {
		if filepath.Base(r.Job.Src) == name {
			return r
		}
	}
	t.Fatalf("no job for %s", name)
	return Result{}
}

// TestHostileSwappedForLink (item 2): a planned file replaced by a
// symbolic link to a secret before it is opened fails, and the secret is
// in no output; the other files are packed.
func TestHostileSwappedForLink(t *testing.T) {
	src := hostileTree(t, map[string]string{"a.txt": "alpha", "b.txt": "bravo"})
	secret := filepath.Join(t.TempDir(), "shadow")
	require.NoError(t, os.WriteFile(secret, []byte("root:secret"), 0o600))
	out := filepath.Join(t.TempDir(), "out")
	p, err := MakePlan(Pack, []string{src}, out)
	require.NoError(t, err)

	require.NoError(t, os.Remove(filepath.Join(src, "b.txt")))
	require.NoError(t, os.Symlink(secret, filepath.Join(src, "b.txt")))
	results := newRunner(codec.Options{}).Run(t.Context(), Pack, p.Jobs)

	require.NoError(t, byName(t, results, "a.txt").Err)
	err = byName(t, results, "b.txt").Err
	require.ErrorIs(t, err, ErrSwapped)
	assert.Contains(t, err.Error(), "symbolic link now (not followed)")
	assert.NoFileExists(t, filepath.Join(out, "b.txt.gpk"))
	assertNoTemporaryFiles(t, out)
}

// TestHostileSwappedForFIFO (item 3): a planned file replaced by a FIFO
// fails at once; opening it does not wait for a writer that never comes.
func TestHostileSwappedForFIFO(t *testing.T) {
	src := hostileTree(t, map[string]string{"a.txt": "alpha", "b.txt": "bravo"})
	out := filepath.Join(t.TempDir(), "out")
	p, err := MakePlan(Pack, []string{src}, out)
	require.NoError(t, err)

	require.NoError(t, os.Remove(filepath.Join(src, "b.txt")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(src, "b.txt"), 0o644))
	results := newRunner(codec.Options{}).Run(t.Context(), Pack, p.Jobs)

	require.NoError(t, byName(t, results, "a.txt").Err)
	err = byName(t, results, "b.txt").Err
	require.ErrorIs(t, err, ErrSwapped)
	assert.Contains(t, err.Error(), "it is a FIFO now, not a regular file")
}

// TestHostileSwappedForAnotherFile (item 2): a planned file replaced by
// another regular file (another inode) fails too.
func TestHostileSwappedForAnotherFile(t *testing.T) {
	src := hostileTree(t, map[string]string{"a.txt": "alpha"})
	other := filepath.Join(src, "other")
	require.NoError(t, os.WriteFile(other, []byte("not the planned file"), 0o644))
	p, err := MakePlan(Pack, []string{filepath.Join(src, "a.txt")}, filepath.Join(t.TempDir(), "a.gpk"))
	require.NoError(t, err)
	require.NoError(t, os.Rename(other, filepath.Join(src, "a.txt")))

	res := newRunner(codec.Options{}).Run(t.Context(), Pack, p.Jobs)
	require.ErrorIs(t, res[0].Err, ErrSwapped)
	assert.Contains(t, res[0].Err.Error(), "device and inode differ")
	assert.NoFileExists(t, res[0].Job.Dst)
}

// changingFS changes a file named match after the first read from it,
// with change.
type changingFS struct {
	OS
	match  string
	change func(path string) error
}

func (c *changingFS) Open(name string) (Source, error) {
	f, err := c.OS.Open(name)
	if err != nil || filepath.Base(name) != c.match {
		return f, err
	}
	return &changingSource{Source: f, path: name, change: c.change}, nil
}

type changingSource struct {
	Source
	path   string
	change func(string) error
	once   sync.Once
	err    error
}

func (c *changingSource) Read(p []byte) (int, error) {
	n, err := c.Source.Read(p)
	c.once.Do(func() { c.err = c.change(c.path) })
	if c.err != nil {
		return n, c.err
	}
	return n, err
}

// TestHostileFileChangedWhileRead (item 9): an input that shrinks, or is
// rewritten with the same size, while it is packed fails that file with
// "file changed as we read it", and leaves no output.
func TestHostileFileChangedWhileRead(t *testing.T) {
	big := strings.Repeat("0123456789", 3*chunk)
	changes := map[string]func(string) error{
		"shrinks": func(path string) error { return os.Truncate(path, 0) },
		"rewritten": func(path string) error {
			if err := os.WriteFile(path, bytes.Repeat([]byte{'x'}, len(big)), 0o644); err != nil {
				return err
			}
			later := time.Now().Add(time.Hour) // a clock tick may be coarser than the test
			return os.Chtimes(path, later, later)
		},
	}
	if runtime.GOOS == "linux" { // where changeTime reads the change time
		// Rewritten with the same size, and the modification time put
		// back as it was: only the change time tells.
		changes["rewritten, modification time put back"] = func(path string) error {
			info, err := os.Stat(path)
			if err != nil {
				return err
			}
			if err := os.WriteFile(path, bytes.Repeat([]byte{'x'}, len(big)), 0o644); err != nil {
				return err
			}
			return os.Chtimes(path, info.ModTime(), info.ModTime())
		}
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			src := hostileTree(t, map[string]string{"f.txt": big})
			out := filepath.Join(t.TempDir(), "f.gpk")
			r := newRunner(codec.Options{})
			r.FS = &changingFS{match: "f.txt", change: change}
			p, err := MakePlan(Pack, []string{filepath.Join(src, "f.txt")}, out)
			require.NoError(t, err)

			res := r.Run(t.Context(), Pack, p.Jobs)
			require.ErrorIs(t, res[0].Err, ErrChanged)
			assert.Contains(t, res[0].Err.Error(), "file changed as we read it")
			assert.NoFileExists(t, out)
			assertNoTemporaryFiles(t, filepath.Dir(out))
		})
	}
}

// countingFS counts the files open at once (inputs, temporary files,
// directories being synced) and remembers the most.
type countingFS struct {
	OS
	mu         sync.Mutex
	open, peak int
}

func (c *countingFS) add(d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open += d
	c.peak = max(c.peak, c.open)
}

func (c *countingFS) Open(name string) (Source, error) {
	f, err := c.OS.Open(name)
	if err != nil {
		return nil, err
	}
	c.add(1)
	return &countedSource{Source: f, fs: c}, nil
}

func (c *countingFS) Create(name string, perm fs.FileMode) (File, error) {
	f, err := c.OS.Create(name, perm)
	if err != nil {
		return nil, err
	}
	c.add(1)
	return &countedFile{File: f, fs: c}, nil
}

func (c *countingFS) SyncDir(dir string) error {
	c.add(1)
	defer c.add(-1)
	return c.OS.SyncDir(dir)
}

type countedSource struct {
	Source
	fs   *countingFS
	once sync.Once
}

func (c *countedSource) Close() error { c.once.Do(func() { c.fs.add(-1) }); return c.Source.Close() }

type countedFile struct {
	File
	fs   *countingFS
	once sync.Once
}

func (c *countedFile) Close() error { c.once.Do(func() { c.fs.add(-1) }); return c.File.Close() }

// TestHostileOpenFilesBounded (item 7): however many files may be in
// flight, no more than OpenFiles are open at once, and every file is
// packed. (cmd/pipeline's TestHostileOpenFileLimit does it under a real
// RLIMIT_NOFILE of 256.)
func TestHostileOpenFilesBounded(t *testing.T) {
	files := map[string]string{}
	for i := range 60 {
		files[filepath.Join("d", strings.Repeat("f", 1+i%7)+string(rune('a'+i%26))+"-"+string(rune('a'+i/26))+".txt")] = strings.Repeat("x", i*97)
	}
	src := tree(t, files)
	fsys := &countingFS{}
	r := newRunner(codec.Options{})
	r.FS, r.Files, r.OpenFiles = fsys, 64, 9
	results := run(t, r, Pack, src, filepath.Join(t.TempDir(), "out"))
	requireNoErrors(t, results)
	assert.Len(t, results, 60)
	assert.LessOrEqual(t, fsys.peak, 9, "files open at once")
	assert.Positive(t, fsys.peak)
}

// TestHostileNoFileLimitFromRlimit: with no OpenFiles given, the bound
// comes from RLIMIT_NOFILE, less the reserve.
func TestHostileNoFileLimitFromRlimit(t *testing.T) {
	r := newRunner(codec.Options{})
	r.Files = 1 << 20
	small, big := r.slots()
	assert.LessOrEqual(t, (small+big)*filesPerJob, fileLimit(), "in flight at once, at most what the limit allows")
	assert.Positive(t, big)
}

// brokenDirFS fails every Rename and Remove, as a directory made
// read-only mid-run does.
type brokenDirFS struct{ OS }

func (brokenDirFS) Rename(string, string, bool) error { return errInjected }
func (brokenDirFS) Remove(name string) error {
	return &fs.PathError{Op: "remove", Path: name, Err: syscall.EACCES}
}

// TestHostileRenameAndCleanupFail (item 8): when the rename fails and the
// temporary file cannot be removed either, the error names both, and the
// temporary file is emptied, not left full size.
func TestHostileRenameAndCleanupFail(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	err := WriteAtomic(t.Context(), dst, AtomicOptions{FS: brokenDirFS{}}, fillWith(content))

	require.ErrorIs(t, err, errInjected)
	var ce *CleanupError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.Emptied)
	assert.Contains(t, err.Error(), string(StageRename))
	assert.Contains(t, err.Error(), "could not remove temporary file")
	assert.Contains(t, err.Error(), "permission denied")
	info, serr := os.Stat(ce.Temp)
	require.NoError(t, serr)
	assert.Zero(t, info.Size(), "not left full size")
	assert.NoFileExists(t, dst)
}

// TestHostileDirSyncFailsAfterRename (issue 9 item 1): the directory sync
// after the rename fails. The file is published, so it stays, with and
// without Overwrite (which has already replaced the old one), and the
// error says it was written but is not known to be durable.
func TestHostileDirSyncFailsAfterRename(t *testing.T) {
	for _, overwrite := range []bool{false, true} {
		t.Run(map[bool]string{false: "new", true: "force"}[overwrite], func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.gpk")
			if overwrite {
				require.NoError(t, os.WriteFile(dst, []byte("old"), 0o644))
			}
			o := AtomicOptions{FS: &faultFS{stage: StageSyncDir}, Overwrite: overwrite}
			err := WriteAtomic(t.Context(), dst, o, fillWith(content))

			require.ErrorIs(t, err, errInjected)
			require.ErrorIs(t, err, ErrNotDurable)
			assert.Contains(t, err.Error(), "written but not known to be durable")
			got, rerr := os.ReadFile(dst)
			require.NoError(t, rerr, "the published file survives")
			assert.Equal(t, content, got)
			assert.Equal(t, []string{"out.gpk"}, dirNames(t, dir))
		})
	}
}

// TestHostileStaleTemporaryFiles (item 8): a run removes the temporary
// files a killed run left for its outputs, and only those: its name's
// marker must check and its process must have ended. A user's file that
// merely looks like one, one for another destination, and one whose
// process still runs are all kept.
func TestHostileStaleTemporaryFiles(t *testing.T) {
	src := hostileTree(t, map[string]string{"a.txt": "alpha"})
	out := t.TempDir()
	dst := filepath.Join(out, "a.txt.gpk")
	const dead, live = 999001, 999002
	stale := filepath.Join(out, tempName("a.txt.gpk", dead))
	running := filepath.Join(out, tempName("a.txt.gpk", live))
	other := filepath.Join(out, tempName("b.txt.gpk", dead))
	forged := filepath.Join(out, ".a.txt.gpk."+strconv.Itoa(dead)+"-0123456789abcdef.tmp")
	users := filepath.Join(out, ".a.txt.gpk.tmp")
	for _, p := range []string{stale, running, other, forged, users} {
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o644))
	}
	r := newRunner(codec.Options{})
	r.alive = func(pid int) bool { return pid == live }
	var removed []string
	r.Stale = func(p string) { removed = append(removed, p) }

	requireNoErrors(t, run(t, r, Pack, filepath.Join(src, "a.txt"), dst))
	assert.Equal(t, []string{stale}, removed)
	assert.NoFileExists(t, stale)
	for _, p := range []string{running, other, forged, users, dst} {
		assert.FileExists(t, p)
	}
}

// readDirFS fails reading any directory named match.
type readDirFS struct {
	OS
	match string
}

func (r readDirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if filepath.Base(name) == r.match {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return r.OS.ReadDir(name)
}

// TestHostileUnreadableSubdirectory (item 10): a directory that cannot be
// read fails alone: it is listed in Plan.Failed, and every other file is
// still planned.
func TestHostileUnreadableSubdirectory(t *testing.T) {
	src := hostileTree(t, map[string]string{"a.txt": "a", "locked/b.txt": "b", "z/c.txt": "c"})
	p, err := MakePlanFS(readDirFS{match: "locked"}, Pack, []string{src}, filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	var names []string
	for _, j := range p.Jobs {
		names = append(names, rel(t, src, j.Src))
	}
	assert.Equal(t, []string{"a.txt", filepath.Join("z", "c.txt")}, names)
	require.Len(t, p.Failed, 1)
	assert.Equal(t, filepath.Join(src, "locked"), p.Failed[0].Path)
	assert.Contains(t, p.Failed[0].Reason, "permission denied")
}

// TestHostileLinkToDirectoryOnCommandLine (item 10): a link to a
// directory named on the command line is followed, alone or among
// several paths; links inside it still are not.
func TestHostileLinkToDirectoryOnCommandLine(t *testing.T) {
	real := hostileTree(t, map[string]string{"a.txt": "a", "sub/b.txt": "b"})
	require.NoError(t, os.Symlink("a.txt", filepath.Join(real, "inner-link")))
	base := t.TempDir()
	link := filepath.Join(base, "link")
	require.NoError(t, os.Symlink(real, link))
	single := hostileTree(t, map[string]string{"c.txt": "c"})
	r := newRunner(codec.Options{})

	out := filepath.Join(t.TempDir(), "out")
	p, err := MakePlan(Pack, []string{link}, out)
	require.NoError(t, err)
	require.Len(t, p.Jobs, 2)
	assert.Equal(t, filepath.Join(link, "a.txt"), p.Jobs[0].Src, "named through the link, as given")
	assert.Equal(t, []Skip{{filepath.Join(link, "inner-link"), "symbolic link (not followed)"}}, p.Skipped)
	requireNoErrors(t, r.Run(t.Context(), Pack, p.Jobs))
	assert.FileExists(t, filepath.Join(out, "sub", "b.txt.gpk"))

	out2 := filepath.Join(t.TempDir(), "out")
	p, err = MakePlan(Pack, []string{link, filepath.Join(single, "c.txt")}, out2)
	require.NoError(t, err)
	requireNoErrors(t, r.Run(t.Context(), Pack, p.Jobs))
	assert.FileExists(t, filepath.Join(out2, "link", "a.txt.gpk"))
	assert.FileExists(t, filepath.Join(out2, "link", "sub", "b.txt.gpk"))
	assert.FileExists(t, filepath.Join(out2, "c.txt.gpk"))
}

// TestHostileLongNames (item 10): names of 236 to 251 bytes, whose
// ".gpk" output is at most 255, pack and unpack: the temporary name is
// cut to fit.
func TestHostileLongNames(t *testing.T) {
	for _, n := range []int{236, 240, 251} {
		name := strings.Repeat("n", n)
		src := hostileTree(t, map[string]string{name: "long"})
		out := t.TempDir()
		r := newRunner(codec.Options{})
		requireNoErrors(t, run(t, r, Pack, filepath.Join(src, name), out))
		restored := t.TempDir()
		requireNoErrors(t, run(t, r, Unpack, filepath.Join(out, name+Ext), restored))
		got, err := os.ReadFile(filepath.Join(restored, name))
		require.NoError(t, err)
		assert.Equal(t, "long", string(got))
		assert.LessOrEqual(t, len(tempName(name+Ext, 1<<30)), 255)
	}
}

// TestHostilePermissionsNeverWiden (item 10): an output has exactly its
// input's permission bits, 000 included, packing and unpacking.
func TestHostilePermissionsNeverWiden(t *testing.T) {
	for _, perm := range []fs.FileMode{0o000, 0o400, 0o640, 0o755} {
		src := hostileTree(t, map[string]string{"f": "data"})
		require.NoError(t, os.Chmod(filepath.Join(src, "f"), perm))
		out, restored := filepath.Join(t.TempDir(), "f.gpk"), filepath.Join(t.TempDir(), "f")
		r := newRunner(codec.Options{})
		requireNoErrors(t, run(t, r, Pack, filepath.Join(src, "f"), out))
		requireNoErrors(t, run(t, r, Unpack, out, restored))
		for _, p := range []string{out, restored} {
			info, err := os.Stat(p)
			require.NoError(t, err)
			assert.Equal(t, perm, info.Mode().Perm(), "%s from an input of mode %v", p, perm)
		}
	}
}

// TestHostileOutputIsAnInput (item 10): a destination that is the source
// (the same path, or the same file through a link) or that leads into the
// source tree through a link is refused before anything is written.
func TestHostileOutputIsAnInput(t *testing.T) {
	src := hostileTree(t, map[string]string{"a.txt": "alpha", "sub/b.txt": "b"})
	a := filepath.Join(src, "a.txt")
	linkDir := filepath.Join(t.TempDir(), "into-src")
	require.NoError(t, os.Symlink(filepath.Join(src, "sub"), linkDir))
	samePath := filepath.Join(t.TempDir(), "same")
	require.NoError(t, os.Symlink(src, samePath))

	_, err := MakePlan(Unpack, []string{a}, a)
	assert.ErrorContains(t, err, "is both an input and an output")
	_, err = MakePlan(Pack, []string{a}, filepath.Join(samePath, "a.txt"))
	assert.ErrorContains(t, err, "is both an input and an output")
	_, err = MakePlan(Pack, []string{src}, linkDir)
	assert.ErrorContains(t, err, "is inside")
	_, err = MakePlan(Pack, []string{src}, filepath.Join(linkDir, "deeper"))
	assert.ErrorContains(t, err, "is inside")
}

// TestHostileQuotedNames (item 10): a name with a newline or an escape
// code is quoted wherever a message prints it.
func TestHostileQuotedNames(t *testing.T) {
	assert.Equal(t, "plain name.txt", Quote("plain name.txt"))
	assert.Equal(t, `"a\nb"`, Quote("a\nb"))
	assert.Equal(t, `"\x1b[31mred"`, Quote("\x1b[31mred"))
	assert.Equal(t, `"bad\xff"`, Quote("bad\xff"))
	_, err := MakePlan(Pack, []string{"/no/such/a\nb"}, "out")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n")
	assert.Equal(t, `"x\ny"`, Job{Src: "x\ny"}.Name())
	// Names a reader could split wrongly are quoted too.
	assert.Equal(t, `"a: b"`, Quote("a: b"))
	assert.Equal(t, `" lead"`, Quote(" lead"))
	assert.Equal(t, `"trail "`, Quote("trail "))
	assert.Equal(t, `""`, Quote(""))
}

// TestHostileOneLine: a message carrying a value as typed (a flag's) keeps
// it printable and on one line, the rest of the message as it is.
func TestHostileOneLine(t *testing.T) {
	assert.Equal(t, `-mem "1\nMiB": want a size`, OneLine("-mem \"1\nMiB\": want a size"))
	assert.Equal(t, `-codec z\x1b[31m: want zstd`, OneLine("-codec z\x1b[31m: want zstd"))
	assert.Equal(t, `bad \xff byte, line\u2028sep, é kept`, OneLine("bad \xff byte, line\u2028sep, é kept"))
}
