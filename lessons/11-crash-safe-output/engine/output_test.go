package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"packcourse/lessons/00-the-job/pipetest"
	"packcourse/lessons/11-crash-safe-output/engine"
)

// docs:region faultFS
// A faultFS is the real file system, in a test's directory, with every
// step counted by kind: the nth "write", the first "rename". It can fail
// one chosen step, and call a hook just before each step runs. Steps of
// one kind happen in one goroutine, in order (the reader reads, the writer
// writes), so "the 3rd write" is the same write in every run, however the
// reads and writes of a run interleave.
type faultFS struct {
	engine.OS
	fail   stepAt         // the step to fail; the zero value fails none
	before func(s stepAt) // called just before each step, if set
	mu     sync.Mutex     // guards counts: reads and writes are in different goroutines
	counts map[string]int // steps so far, by kind
}

// A stepAt names one step of a run: the nth step of a kind, from 1.
type stepAt struct {
	kind string
	n    int
}

func (s stepAt) String() string { return fmt.Sprintf("%s #%d", s.kind, s.n) }

var errInjected = errors.New("injected fault")

// step counts a step of the given kind, calls the hook, and returns the
// injected error if this is the step to fail.
func (f *faultFS) step(kind string) error {
	f.mu.Lock()
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	f.counts[kind]++
	s := stepAt{kind, f.counts[kind]}
	f.mu.Unlock()
	if f.before != nil {
		f.before(s)
	}
	if s == f.fail {
		return fmt.Errorf("%v: %w", s, errInjected)
	}
	return nil
}

// docs:endregion faultFS

func (f *faultFS) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[kind]
}

func (f *faultFS) Open(name string) (io.ReadCloser, error) {
	if err := f.step("open"); err != nil {
		return nil, err
	}
	r, err := f.OS.Open(name)
	if err != nil {
		return nil, err
	}
	// Hide ReadAt, so the engine reads in sequence from one goroutine and
	// "the nth read" is the same read in every run.
	return struct {
		io.Reader
		io.Closer
	}{readerFunc(func(p []byte) (int, error) {
		if err := f.step("read"); err != nil {
			return 0, err
		}
		return r.Read(p)
	}), r}, nil
}

func (f *faultFS) Stat(name string) (fs.FileInfo, error) {
	if err := f.step("stat"); err != nil {
		return nil, err
	}
	return f.OS.Stat(name)
}

func (f *faultFS) CreateTemp(dir, prefix string) (engine.TempFile, error) {
	if err := f.step("create"); err != nil {
		return nil, err
	}
	file, err := f.OS.CreateTemp(dir, prefix)
	if err != nil {
		return nil, err
	}
	return &faultFile{TempFile: file, fs: f}, nil
}

func (f *faultFS) Rename(oldpath, newpath string, replace bool) error {
	if err := f.step("rename"); err != nil {
		return err
	}
	return f.OS.Rename(oldpath, newpath, replace)
}

func (f *faultFS) OpenDir(dir string) (engine.Dir, error) {
	if err := f.step("opendir"); err != nil {
		return nil, err
	}
	d, err := f.OS.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	return &faultDir{Dir: d, fs: f}, nil
}

// A faultFile is a temporary file whose writes, sync and close are steps.
// A failed write writes nothing; a failed sync or close still closes the
// file, so that the test's directory can be removed.
type faultFile struct {
	engine.TempFile
	fs *faultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	if err := f.fs.step("write"); err != nil {
		return 0, err
	}
	return f.TempFile.Write(p)
}

func (f *faultFile) Sync() error {
	if err := f.fs.step("sync"); err != nil {
		return err
	}
	return f.TempFile.Sync()
}

func (f *faultFile) Close() error {
	if err := f.fs.step("close"); err != nil {
		f.TempFile.Close()
		return err
	}
	return f.TempFile.Close()
}

type faultDir struct {
	engine.Dir
	fs *faultFS
}

func (d *faultDir) Sync() error {
	if err := d.fs.step("syncdir"); err != nil {
		return err
	}
	return d.Dir.Sync()
}

func (d *faultDir) Close() error {
	if err := d.fs.step("closedir"); err != nil {
		d.Dir.Close()
		return err
	}
	return d.Dir.Close()
}

type readerFunc func(p []byte) (int, error)

func (r readerFunc) Read(p []byte) (int, error) { return r(p) }

// A packCase is one directory with an input file and, if old is not nil,
// an existing output holding old.
type packCase struct {
	dir, src, dst string
	data, want    []byte // the input and the oracle's container of it
	old           []byte // the output's content before the run; nil: there is none
}

func newPackCase(t *testing.T, existing bool) *packCase {
	t.Helper()
	dir := t.TempDir()
	c := &packCase{dir: dir, src: filepath.Join(dir, "input.bin"), dst: filepath.Join(dir, "input.pack")}
	c.data = pipetest.Input(24*pipetest.ChunkSize + 7)
	c.want = pipetest.OraclePack(t, c.data, fast)
	if err := os.WriteFile(c.src, c.data, 0o644); err != nil {
		t.Fatal(err)
	}
	if existing {
		c.old = []byte("the previous output, which must survive any failure before the rename")
		if err := os.WriteFile(c.dst, c.old, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// docs:region outputIs
// outputIs says what the output holds: "old" (as before the run; absent
// if there was none), "new" (the whole new container) or "partial"
// (anything else, which must never be seen).
func (c *packCase) outputIs() string {
	got, err := os.ReadFile(c.dst)
	switch {
	case errors.Is(err, fs.ErrNotExist) && c.old == nil:
		return "old"
	case err != nil:
		return "partial: " + err.Error()
	case c.old != nil && bytes.Equal(got, c.old):
		return "old"
	case bytes.Equal(got, c.want):
		return "new"
	}
	return fmt.Sprintf("partial: %d bytes", len(got))
}

// docs:endregion outputIs

// temps lists the temporary files in the case's directory.
func (c *packCase) temps(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), engine.TempPrefix) {
			names = append(names, e.Name())
		}
	}
	return names
}

// pack runs PackFile through fsys, checking before every step that the
// output is never partial, and returns PackFile's error.
func (c *packCase) pack(t *testing.T, ctx context.Context, fsys *faultFS) error {
	t.Helper()
	hook := fsys.before
	fsys.before = func(s stepAt) {
		if got := c.outputIs(); got != "old" && got != "new" {
			t.Errorf("before %v the output is %s", s, got)
		}
		if hook != nil {
			hook(s)
		}
	}
	e := &engine.Engine{Workers: 2}
	return e.PackFile(ctx, c.dst, c.src, fast, engine.Output{FS: fsys, Overwrite: c.old != nil})
}

// stepsOf runs PackFile once with no fault and returns how many steps of
// each kind it took. Every kind but "stat" (only without Overwrite) must
// be there: a run that skips a sync fails here.
func stepsOf(t *testing.T, existing bool) map[string]int {
	t.Helper()
	c := newPackCase(t, existing)
	fsys := &faultFS{}
	if err := c.pack(t, context.Background(), fsys); err != nil {
		t.Fatalf("with no fault: %v", err)
	}
	if got := c.outputIs(); got != "new" {
		t.Fatalf("with no fault the output is %s, want the new container", got)
	}
	for _, kind := range []string{"open", "create", "read", "write", "sync", "close", "rename", "opendir", "syncdir", "closedir"} {
		if fsys.counts[kind] == 0 {
			t.Fatalf("PackFile took no %q step", kind)
		}
	}
	return fsys.counts
}

// docs:region fault-table
// faultCases are the steps to fail, or to cancel just before, and what the
// output must be after each: "old" before the rename has happened, "new"
// once it has. A failure after the rename is ErrDirSync, never a removal.
func faultCases(steps map[string]int) []struct {
	at        stepAt
	failed    string // the output after this step fails
	cancelled string // the output after ctx is cancelled just before this step
} {
	all := []struct {
		at        stepAt
		failed    string
		cancelled string
	}{
		{stepAt{"open", 1}, "old", "old"},
		{stepAt{"stat", 1}, "old", "old"}, // only without Overwrite
		{stepAt{"create", 1}, "old", "old"},
		{stepAt{"read", 1}, "old", "old"},
		{stepAt{"read", steps["read"] / 2}, "old", "old"},
		{stepAt{"write", 1}, "old", "old"},
		{stepAt{"write", steps["write"] / 2}, "old", "old"},
		{stepAt{"write", steps["write"]}, "old", "old"}, // the trailer
		{stepAt{"sync", 1}, "old", "old"},
		{stepAt{"close", 1}, "old", "old"},
		// Cancelled just before the rename, the run has checked ctx for
		// the last time: the rename goes ahead, and the run succeeds.
		{stepAt{"rename", 1}, "old", "new"},
		{stepAt{"opendir", 1}, "new", "new"},
		{stepAt{"syncdir", 1}, "new", "new"},
		{stepAt{"closedir", 1}, "new", "new"},
	}
	cases := all[:0]
	for _, c := range all {
		if c.at.n >= 1 && c.at.n <= steps[c.at.kind] {
			cases = append(cases, c)
		}
	}
	return cases
}

// docs:endregion fault-table

// docs:region TestAFaultAtAnyStepLeavesTheOutputWholeOrUntouched
// Every step of PackFile fails in turn, with no output yet and with an
// existing one to replace. After each: the output is the old one if the
// rename had not happened and the whole new one if it had, never partial
// (checked before every step too), no temporary file is left and no
// goroutine.
func TestAFaultAtAnyStepLeavesTheOutputWholeOrUntouched(t *testing.T) {
	for _, existing := range []bool{false, true} {
		for _, fc := range faultCases(stepsOf(t, existing)) {
			t.Run(fmt.Sprintf("existing=%v/fail %v", existing, fc.at), func(t *testing.T) {
				defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
				c := newPackCase(t, existing)
				err := c.pack(t, context.Background(), &faultFS{fail: fc.at})
				if !errors.Is(err, errInjected) {
					t.Fatalf("PackFile returned %v, want the injected fault", err)
				}
				if got := c.outputIs(); got != fc.failed {
					t.Errorf("after the fault the output is %s, want %s", got, fc.failed)
				}
				if afterRename := fc.failed == "new"; afterRename != errors.Is(err, engine.ErrDirSync) {
					t.Errorf("error %q: wraps ErrDirSync = %v, want %v (the file is in place)", err, !afterRename, afterRename)
				}
				if temps := c.temps(t); len(temps) > 0 {
					t.Errorf("temporary files left behind: %v", temps)
				}
			})
		}
	}
}

// docs:endregion TestAFaultAtAnyStepLeavesTheOutputWholeOrUntouched

// ctx is cancelled just before each step in turn: the run stops at its
// next check and cleans up, or, past the last check before the rename,
// completes.
func TestCancellingBeforeAnyStepLeavesTheOutputWholeOrUntouched(t *testing.T) {
	for _, existing := range []bool{false, true} {
		for _, fc := range faultCases(stepsOf(t, existing)) {
			t.Run(fmt.Sprintf("existing=%v/cancel before %v", existing, fc.at), func(t *testing.T) {
				defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
				c := newPackCase(t, existing)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				fsys := &faultFS{before: func(s stepAt) {
					if s == fc.at {
						cancel()
					}
				}}
				err := c.pack(t, ctx, fsys)
				want := error(nil)
				if fc.cancelled == "old" {
					want = context.Canceled
				}
				if !errors.Is(err, want) || (want == nil && err != nil) {
					t.Fatalf("PackFile returned %v, want %v", err, want)
				}
				if got := c.outputIs(); got != fc.cancelled {
					t.Errorf("after cancelling the output is %s, want %s", got, fc.cancelled)
				}
				if temps := c.temps(t); len(temps) > 0 {
					t.Errorf("temporary files left behind: %v", temps)
				}
			})
		}
	}
}

// Without Overwrite an existing output is an error wrapping fs.ErrExist,
// found before any work is done, and the file is left as it was.
func TestAnExistingOutputIsKeptUnlessOverwriteIsAsked(t *testing.T) {
	c := newPackCase(t, true)
	fsys := &faultFS{}
	e := &engine.Engine{Workers: 2}
	err := e.PackFile(context.Background(), c.dst, c.src, fast, engine.Output{FS: fsys})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("PackFile returned %v, want an error wrapping fs.ErrExist", err)
	}
	t.Logf("the error: %v", err)
	if got := c.outputIs(); got != "old" {
		t.Errorf("the output is %s, want it untouched", got)
	}
	if n := fsys.count("create"); n != 0 {
		t.Errorf("%d temporary files created, want none: the existing output is found first", n)
	}
}

// An output that appears while the container is being written, after the
// early check, is not replaced either: the rename without replace refuses
// it, and the temporary file goes.
func TestAnOutputThatAppearsDuringThePackIsNotReplaced(t *testing.T) {
	c := newPackCase(t, false)
	theirs := []byte("someone else's file, created while we packed")
	fsys := &faultFS{before: func(s stepAt) {
		if s == (stepAt{"sync", 1}) {
			if err := os.WriteFile(c.dst, theirs, 0o644); err != nil {
				t.Error(err)
			}
		}
	}}
	e := &engine.Engine{Workers: 2}
	err := e.PackFile(context.Background(), c.dst, c.src, fast, engine.Output{FS: fsys})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("PackFile returned %v, want an error wrapping fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(c.dst); !bytes.Equal(got, theirs) {
		t.Errorf("the file that appeared holds %q, want it untouched", got)
	}
	if temps := c.temps(t); len(temps) > 0 {
		t.Errorf("temporary files left behind: %v", temps)
	}
}

// A missing input is a one-line error naming it, and creates nothing.
func TestAMissingInputCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	e := &engine.Engine{Workers: 2}
	err := e.PackFile(context.Background(), filepath.Join(dir, "out.pack"), filepath.Join(dir, "missing.bin"), fast, engine.Output{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.bin") {
		t.Fatalf("PackFile returned %v, want an error naming missing.bin", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the directory holds %d entries, want none", len(entries))
	}
}

// PackPaths packs every file it can: a file that fails is reported by
// name, and the others are whole, each byte for byte the oracle's.
func TestPackPathsReportsEachFailureAndPacksTheRest(t *testing.T) {
	c := newPackCase(t, false)
	paths := []engine.Path{
		{Src: c.src, Dst: filepath.Join(c.dir, "a.pack")},
		{Src: filepath.Join(c.dir, "missing.bin"), Dst: filepath.Join(c.dir, "missing.pack")},
		{Src: c.src, Dst: filepath.Join(c.dir, "b.pack")},
	}
	var done []string
	var mu sync.Mutex
	out := engine.Output{Done: func(p engine.Path, err error) {
		mu.Lock()
		defer mu.Unlock()
		done = append(done, filepath.Base(p.Dst))
	}}
	err := (&engine.Engine{Workers: 2}).PackPaths(context.Background(), paths, fast, out)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.bin") {
		t.Fatalf("PackPaths returned %v, want an error naming missing.bin", err)
	}
	for _, name := range []string{"a.pack", "b.pack"} {
		if got, _ := os.ReadFile(filepath.Join(c.dir, name)); !bytes.Equal(got, c.want) {
			t.Errorf("%s holds %d bytes, want the oracle's %d", name, len(got), len(c.want))
		}
	}
	if _, err := os.Stat(filepath.Join(c.dir, "missing.pack")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing.pack: %v, want no such file", err)
	}
	if len(done) != len(paths) {
		t.Errorf("Done was called for %v, want each of the %d files once", done, len(paths))
	}
	if temps := c.temps(t); len(temps) > 0 {
		t.Errorf("temporary files left behind: %v", temps)
	}
}
