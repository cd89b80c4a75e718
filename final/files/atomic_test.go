package files

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/final/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ptr[T any](v T) *T { return &v }

// The operations, as the tests name them.
const (
	Pack   = engine.Pack
	Unpack = engine.Unpack
	Verify = engine.Verify
)

// content is what the tests write: big enough to take several writes.
var content = bytes.Repeat([]byte("0123456789abcdef"), 4096)

// fillWith returns a fill function that writes b in 4 KiB pieces.
func fillWith(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		for len(b) > 0 {
			n := min(len(b), 4096)
			if _, err := w.Write(b[:n]); err != nil {
				return err
			}
			b = b[n:]
		}
		return nil
	}
}

// dirNames lists the names in dir, to catch a temporary file left behind.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteAtomicWritesTheFile(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	require.NoError(t, WriteAtomic(t.Context(), dst, AtomicOptions{}, fillWith(content)))

	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	info, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "default permission bits")
	assert.Equal(t, []string{"out.gpk"}, dirNames(t, dir), "no temporary file left")
}

func TestWriteAtomicSetsPermissions(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, WriteAtomic(t.Context(), dst, AtomicOptions{Perm: ptr(os.FileMode(0o600))}, fillWith(content)))
	info, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

// TestWriteAtomicFaultAtEveryStage fails each step in turn and checks the
// promise: the error names the step, nothing is at the destination, and
// no temporary file is left in the directory. (The directory sync comes
// after the rename: hostile_test.go has it.)
func TestWriteAtomicFaultAtEveryStage(t *testing.T) {
	for _, stage := range []Stage{StageCreate, StageWrite, StageSync, StageClose, StageRename} {
		t.Run(string(stage), func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.gpk")
			fsys := &faultFS{stage: stage}

			err := WriteAtomic(t.Context(), dst, AtomicOptions{FS: fsys}, fillWith(content))

			require.ErrorIs(t, err, errInjected)
			var se *StageError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, stage, se.Stage)
			assert.Contains(t, err.Error(), string(stage), "the message names the step")
			assert.NoFileExists(t, dst)
			assert.Empty(t, dirNames(t, dir), "no temporary file left")
			if stage != StageCreate {
				require.Len(t, fsys.created, 1, "a temporary file was made, and then removed")
			}
		})
	}
}

// TestWriteAtomicFaultKeepsOldFile: with Overwrite, a failure before the
// rename leaves the file that was there untouched.
func TestWriteAtomicFaultKeepsOldFile(t *testing.T) {
	for _, stage := range []Stage{StageCreate, StageWrite, StageSync, StageClose, StageRename} {
		t.Run(string(stage), func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.gpk")
			require.NoError(t, os.WriteFile(dst, []byte("old"), 0o644))

			err := WriteAtomic(t.Context(), dst, AtomicOptions{FS: &faultFS{stage: stage}, Overwrite: true}, fillWith(content))

			require.ErrorIs(t, err, errInjected)
			got, rerr := os.ReadFile(dst)
			require.NoError(t, rerr)
			assert.Equal(t, "old", string(got))
			assert.Equal(t, []string{"out.gpk"}, dirNames(t, dir))
		})
	}
}

func TestWriteAtomicRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	require.NoError(t, os.WriteFile(dst, []byte("old"), 0o644))
	filled := false

	err := WriteAtomic(t.Context(), dst, AtomicOptions{}, func(w io.Writer) error { filled = true; return nil })

	require.ErrorIs(t, err, ErrExists)
	assert.Contains(t, err.Error(), dst)
	assert.False(t, filled, "no work is done for a destination that will be refused")
	got, _ := os.ReadFile(dst)
	assert.Equal(t, "old", string(got))
}

// TestWriteAtomicRefusesFileMadeMeanwhile: the destination appears while
// the output is being written; it is still not replaced.
func TestWriteAtomicRefusesFileMadeMeanwhile(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	err := WriteAtomic(t.Context(), dst, AtomicOptions{}, func(w io.Writer) error {
		return os.WriteFile(dst, []byte("theirs"), 0o644)
	})
	require.ErrorIs(t, err, ErrExists)
	got, _ := os.ReadFile(dst)
	assert.Equal(t, "theirs", string(got))
	assert.Equal(t, []string{"out.gpk"}, dirNames(t, dir))
}

// racingFS makes the destination, as another process would, at the last
// moment: after WriteAtomic's last look and just before its rename.
type racingFS struct{ OS }

func (r racingFS) Rename(oldpath, newpath string, replace bool) error {
	if err := os.WriteFile(newpath, []byte("theirs"), 0o644); err != nil {
		return err
	}
	return r.OS.Rename(oldpath, newpath, replace)
}

// TestWriteAtomicRefusesFileMadeJustBeforeTheRename: the destination
// appears between the last look and the rename. Without Overwrite the
// rename itself refuses it (renameat2 with RENAME_NOREPLACE, or link
// then remove): theirs is kept, ours is not published, nothing is left.
func TestWriteAtomicRefusesFileMadeJustBeforeTheRename(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	err := WriteAtomic(t.Context(), dst, AtomicOptions{FS: racingFS{}}, fillWith(content))
	require.ErrorIs(t, err, ErrExists)
	got, _ := os.ReadFile(dst)
	assert.Equal(t, "theirs", string(got))
	assert.Equal(t, []string{"out.gpk"}, dirNames(t, dir))
}

// TestLinkThenRemoveNeverReplaces: the fallback where renameat2 is
// missing refuses an existing newpath too, and moves the file otherwise.
func TestLinkThenRemoveNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "ours"), filepath.Join(dir, "theirs")
	require.NoError(t, os.WriteFile(ours, []byte("ours"), 0o644))
	require.NoError(t, os.WriteFile(theirs, []byte("theirs"), 0o644))
	require.ErrorIs(t, linkThenRemove(ours, theirs), fs.ErrExist)
	got, _ := os.ReadFile(theirs)
	assert.Equal(t, "theirs", string(got))

	moved := filepath.Join(dir, "moved")
	require.NoError(t, linkThenRemove(ours, moved))
	got, _ = os.ReadFile(moved)
	assert.Equal(t, "ours", string(got))
	assert.Equal(t, []string{"moved", "theirs"}, dirNames(t, dir))
}

func TestWriteAtomicOverwrite(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out.gpk")
	require.NoError(t, os.WriteFile(dst, []byte("old"), 0o644))
	require.NoError(t, WriteAtomic(t.Context(), dst, AtomicOptions{Overwrite: true}, fillWith(content)))
	got, _ := os.ReadFile(dst)
	assert.Equal(t, content, got)
}

// TestWriteAtomicFillError: the producer's own error comes back as it is,
// not dressed up as a step of the write, and nothing is left.
func TestWriteAtomicFillError(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	boom := errors.New("source went away")
	err := WriteAtomic(t.Context(), dst, AtomicOptions{}, func(w io.Writer) error {
		if err := fillWith(content)(w); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	var se *StageError
	assert.False(t, errors.As(err, &se), "not a step failure: %v", err)
	assert.Empty(t, dirNames(t, dir))
}

// TestWriteAtomicCancelled: cancelling before, during or after the last
// byte (but before the rename) publishes nothing.
func TestWriteAtomicCancelled(t *testing.T) {
	for _, after := range []int{-1, 0, len(content) / 2, len(content)} {
		dir := t.TempDir()
		dst := filepath.Join(dir, "out.gpk")
		ctx, cancel := context.WithCancel(t.Context())
		if after < 0 {
			cancel()
		}
		err := WriteAtomic(ctx, dst, AtomicOptions{}, func(w io.Writer) error {
			if err := fillWith(content[:after])(w); err != nil {
				return err
			}
			cancel()
			if after < len(content) {
				return ctx.Err() // what a producer does when it sees the cancellation
			}
			return nil // finished anyway: WriteAtomic must still notice
		})
		cancel()
		require.ErrorIs(t, err, context.Canceled, "cancel after %d bytes", after)
		assert.Empty(t, dirNames(t, dir), "cancel after %d bytes", after)
	}
}

func TestWriteAtomicInCurrentDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, WriteAtomic(t.Context(), "plain", AtomicOptions{}, fillWith(content)))
	assert.Equal(t, []string{"plain"}, dirNames(t, dir))
}

// TestWriteAtomicReplacesOnlyRegularFiles: even with Overwrite, a device,
// a directory or a symbolic link at the destination is left alone.
func TestWriteAtomicReplacesOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	require.NoError(t, os.WriteFile(target, []byte("target"), 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(target, link))
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	for dst, kind := range map[string]string{link: "symbolic link", sub: "directory"} {
		err := WriteAtomic(t.Context(), dst, AtomicOptions{Overwrite: true}, fillWith(content))
		require.Error(t, err, dst)
		assert.Contains(t, err.Error(), "exists and is a "+kind+", not a regular file: not replacing it")
	}
	got, _ := os.ReadFile(target)
	assert.Equal(t, "target", string(got))
	assert.Equal(t, []string{"link", "sub", "target"}, dirNames(t, dir), "no temporary file")
}
