package atomicfile

// The graded behaviours of Write. Each test's name is the behaviour it
// proves, and each failure message says what went wrong. The tests run
// Write against a file system in memory that logs every call, can fail any
// one of them, and knows which bytes a crash would keep: only those synced.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

const dest = "/data/out/archive.pack"

var errInjected = errors.New("injected fault")

// memFS is a file system in memory. Every call is one step in its log;
// failAt makes the step with that number fail with errInjected, and hook,
// if set, runs at each step before it happens.
type memFS struct {
	mu                 sync.Mutex
	files              map[string][]byte // what a reader sees now
	synced             map[string]bool   // files whose every byte was fsynced
	open               map[string]*memFile
	log                []string // "op name" per step
	failAt             int      // 1-based step to fail; 0 for none
	hook               func(step int, op, name string)
	renamed            bool // a Rename succeeded
	removedAfterRename []string
}

func newMemFS(existing map[string]string) *memFS {
	m := &memFS{files: map[string][]byte{}, synced: map[string]bool{}, open: map[string]*memFile{}}
	for name, data := range existing {
		m.files[name] = []byte(data)
		m.synced[name] = true
	}
	return m
}

// step logs one call and says whether it must fail.
func (m *memFS) step(op, name string) error {
	m.mu.Lock()
	m.log = append(m.log, op+" "+name)
	n := len(m.log)
	hook := m.hook
	m.mu.Unlock()
	if hook != nil {
		hook(n, op, name)
	}
	if n == m.failAt {
		return fmt.Errorf("%s %s: %w", op, name, errInjected)
	}
	return nil
}

func (m *memFS) CreateTemp(dir, pattern string) (File, error) {
	if err := m.step("createtemp", dir); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	name := filepath.Join(dir, strings.Replace(pattern, "*", fmt.Sprint(len(m.log)), 1))
	if !strings.Contains(pattern, "*") {
		name += fmt.Sprint(len(m.log))
	}
	if _, ok := m.files[name]; ok {
		return nil, &fs.PathError{Op: "createtemp", Path: name, Err: fs.ErrExist}
	}
	m.files[name] = nil
	f := &memFile{fs: m, name: name}
	m.open[name] = f
	return f, nil
}

func (m *memFS) Rename(oldpath, newpath string, replace bool) error {
	if err := m.step("rename", oldpath+" -> "+newpath); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[oldpath]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldpath, Err: fs.ErrNotExist}
	}
	if filepath.Dir(oldpath) != filepath.Dir(newpath) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: errors.New("invalid cross-device link (EXDEV)")}
	}
	if _, exists := m.files[newpath]; exists && !replace {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrExist}
	}
	m.files[newpath] = data
	m.synced[newpath] = m.synced[oldpath]
	delete(m.files, oldpath)
	delete(m.synced, oldpath)
	if newpath == dest {
		m.renamed = true
	}
	return nil
}

func (m *memFS) Remove(name string) error {
	if err := m.step("remove", name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.renamed {
		m.removedAfterRename = append(m.removedAfterRename, name)
	}
	if _, ok := m.files[name]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.files, name)
	delete(m.synced, name)
	return nil
}

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	if err := m.step("stat", name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return memInfo{name: filepath.Base(name), size: int64(len(data))}, nil
}

func (m *memFS) SyncDir(dir string) error { return m.step("syncdir", dir) }

// put makes a file appear, as another program would.
func (m *memFS) put(name, data string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = []byte(data)
	m.synced[name] = true
}

func (m *memFS) content(name string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[name]
	return string(data), ok
}

// leftovers are the files in dest's directory and in os.TempDir other
// than dest itself, and the files still open.
func (m *memFS) leftovers() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var left []string
	for name := range m.files {
		if name != dest && !strings.HasPrefix(name, "/data/keep") {
			left = append(left, name)
		}
	}
	for name := range m.open {
		left = append(left, name+" (still open)")
	}
	slices.Sort(left)
	return left
}

func (m *memFS) steps() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.log)
}

type memFile struct {
	fs     *memFS
	name   string
	closed bool
}

func (f *memFile) Name() string { return f.name }

func (f *memFile) Write(p []byte) (int, error) {
	if err := f.fs.step("write", f.name); err != nil {
		return 0, err
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	f.fs.files[f.name] = append(f.fs.files[f.name], p...)
	f.fs.synced[f.name] = false
	return len(p), nil
}

func (f *memFile) Sync() error {
	if err := f.fs.step("sync", f.name); err != nil {
		return err
	}
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	f.fs.synced[f.name] = true
	return nil
}

func (f *memFile) Close() error {
	// A failed Close still closes the file, as os.File's does.
	err := f.fs.step("close", f.name)
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	f.closed = true
	delete(f.fs.open, f.name)
	return err
}

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

const newData = "frame one|frame two|frame three"

// fillParts writes newData in three calls, as an encoder would.
func fillParts(w io.Writer) error {
	for _, part := range []string{"frame one|", "frame two|", "frame three"} {
		if _, err := io.WriteString(w, part); err != nil {
			return err
		}
	}
	return nil
}

// checkUntouched fails the test if dest is not as it was before Write, or
// if anything else is left behind.
func checkUntouched(t *testing.T, m *memFS, before string, existed bool, what string) {
	t.Helper()
	got, ok := m.content(dest)
	switch {
	case existed && !ok:
		t.Errorf("%s: the existing destination is gone: it must stay intact until a complete file replaces it in one rename", what)
	case existed && got != before:
		t.Errorf("%s: the existing destination now holds %q, want it intact (%q)", what, got, before)
	case !existed && ok:
		t.Errorf("%s: the destination exists and holds %q: on failure no output may be visible", what, got)
	}
	if left := m.leftovers(); len(left) > 0 {
		t.Errorf("%s: left behind %q: close and remove the temporary file on every failure", what, left)
	}
}

func TestWritesTheFile(t *testing.T) {
	for _, existing := range []bool{false, true} {
		t.Run(fmt.Sprintf("existing=%v", existing), func(t *testing.T) {
			files := map[string]string{}
			if existing {
				files[dest] = "old contents"
			}
			m := newMemFS(files)
			if err := Write(t.Context(), m, dest, fillParts, true); err != nil {
				t.Fatalf("Write(overwrite=true) returned %v on a file system that never fails", err)
			}
			if got, _ := m.content(dest); got != newData {
				t.Fatalf("%s holds %q, want %q", dest, got, newData)
			}
			if left := m.leftovers(); len(left) > 0 {
				t.Fatalf("a successful Write left behind %q", left)
			}
		})
	}
}

func TestCreatesTheTempNextToTheDestination(t *testing.T) {
	for _, path := range []string{dest, "archive.pack"} {
		m := newMemFS(nil)
		err := Write(t.Context(), m, path, fillParts, false)
		for _, s := range m.steps() {
			if dir, ok := strings.CutPrefix(s, "createtemp "); ok && !sameDir(dir, filepath.Dir(path)) {
				t.Fatalf("for %q the temporary file was created in %q, not in the destination's directory %q: a rename is atomic only within one file system, and across two it fails (EXDEV) or copies (an empty dir means os.TempDir to CreateTemp; filepath.Dir gives \".\" for a bare name)", path, dir, filepath.Dir(path))
			}
			if dir, ok := strings.CutPrefix(s, "syncdir "); ok && !sameDir(dir, filepath.Dir(path)) {
				t.Fatalf("for %q the directory synced was %q, not the destination's %q", path, dir, filepath.Dir(path))
			}
		}
		if err != nil {
			t.Fatalf("Write(%q) returned %v on a file system that never fails", path, err)
		}
	}
}

// sameDir reports whether got names the directory want does (a trailing
// slash or a "./" is no difference; an empty name is none: CreateTemp
// takes it for os.TempDir).
func sameDir(got, want string) bool {
	return got != "" && filepath.Clean(got) == filepath.Clean(want)
}

// order returns the step numbers of the first op in each name, and of the
// last write.
func order(steps []string) map[string]int {
	at := map[string]int{}
	for i, s := range steps {
		op, _, _ := strings.Cut(s, " ")
		if op == "write" {
			at["lastwrite"] = i + 1
		}
		if _, ok := at[op]; !ok {
			at[op] = i + 1
		}
	}
	return at
}

func TestSyncsTheDataBeforeRenaming(t *testing.T) {
	m := newMemFS(nil)
	var syncedAtRename, sawRename bool
	m.hook = func(step int, op, name string) {
		if op == "rename" {
			sawRename = true
			tmp, _, _ := strings.Cut(name, " -> ")
			m.mu.Lock()
			syncedAtRename = m.synced[tmp]
			_, stillOpen := m.open[tmp]
			m.mu.Unlock()
			if stillOpen {
				t.Errorf("renamed %s while it was still open: close it first (its error can be a lost write, and on some systems an open file cannot be renamed)", tmp)
			}
		}
	}
	if err := Write(t.Context(), m, dest, fillParts, false); err != nil {
		t.Fatalf("Write returned %v on a file system that never fails", err)
	}
	if !sawRename {
		t.Fatalf("Write never renamed a file onto %s; steps: %q", dest, m.steps())
	}
	if !syncedAtRename {
		t.Fatalf("the temporary file was renamed onto %s before all its data was synced (steps: %q): after a crash the new name could point at an empty or torn file; call Sync after the last write and before Rename", dest, m.steps())
	}
}

func TestSyncsTheDirectoryAfterRenaming(t *testing.T) {
	m := newMemFS(nil)
	if err := Write(t.Context(), m, dest, fillParts, false); err != nil {
		t.Fatalf("Write returned %v on a file system that never fails", err)
	}
	steps := m.steps()
	at := order(steps)
	syncDir := 0
	for i, s := range steps {
		if dir, ok := strings.CutPrefix(s, "syncdir "); ok && sameDir(dir, filepath.Dir(dest)) && i+1 > at["rename"] {
			syncDir = i + 1
		}
	}
	if at["rename"] == 0 || syncDir == 0 {
		t.Fatalf("no SyncDir(%q) after the rename (steps: %q): the rename is a change to the directory, and until the directory is synced a crash can undo it", filepath.Dir(dest), steps)
	}
}

// TestLeavesNothingBehindAFaultAtEveryStep runs Write once to learn its
// steps, then again once per step, with that step failing.
func TestLeavesNothingBehindAFaultAtEveryStep(t *testing.T) {
	for _, existing := range []bool{false, true} {
		for _, overwrite := range []bool{false, true} {
			if existing && !overwrite {
				continue // refused before any step that writes: see TestRefusesAnExistingDestination
			}
			files := map[string]string{}
			if existing {
				files[dest] = "old contents"
			}
			clean := newMemFS(files)
			if err := Write(t.Context(), clean, dest, fillParts, overwrite); err != nil {
				t.Fatalf("Write returned %v on a file system that never fails", err)
			}
			steps := clean.steps()
			renameAt := order(steps)["rename"]
			for i, s := range steps {
				what := fmt.Sprintf("existing=%v overwrite=%v, step %d (%s) failing", existing, overwrite, i+1, s)
				t.Run(fmt.Sprintf("existing=%v,overwrite=%v,step=%d", existing, overwrite, i+1), func(t *testing.T) {
					m := newMemFS(files)
					m.failAt = i + 1
					err := Write(t.Context(), m, dest, fillParts, overwrite)
					if !errors.Is(err, errInjected) {
						t.Fatalf("%s: Write returned %v, want an error wrapping the fault (%v): every failure must be reported, Close's and Sync's included", what, err, errInjected)
					}
					if renameAt == 0 || i+1 <= renameAt {
						checkUntouched(t, m, files[dest], existing, what)
						return
					}
					// A fault after the rename: the new file stays.
					if got, _ := m.content(dest); got != newData {
						t.Errorf("%s: after the rename the destination holds %q, want the new file (%q) kept", what, got, newData)
					}
				})
			}
		}
	}
}

func TestKeepsTheFileWhenTheDirectorySyncFails(t *testing.T) {
	m := newMemFS(nil)
	m.hook = func(step int, op, name string) {
		if op == "syncdir" {
			m.failAt = step
		}
	}
	err := Write(t.Context(), m, dest, fillParts, false)
	if got, ok := m.content(dest); !ok || got != newData {
		t.Errorf("the directory sync failed after the rename and %s holds %q (exists=%v), want the complete new file kept: once renamed, the file is the output, and removing it loses it", dest, got, ok)
	}
	if len(m.removedAfterRename) > 0 {
		t.Errorf("removed %q after the rename had succeeded: after the rename nothing may be removed", m.removedAfterRename)
	}
	if !errors.Is(err, ErrDirSync) || !errors.Is(err, errInjected) {
		t.Errorf("Write returned %v, want an error wrapping both ErrDirSync and the cause: the caller must learn that the file is in place but its rename may not survive a crash", err)
	}
}

func TestLeavesNothingWhenFillFails(t *testing.T) {
	errFill := errors.New("encoder failed")
	for _, existing := range []bool{false, true} {
		t.Run(fmt.Sprintf("existing=%v", existing), func(t *testing.T) {
			files := map[string]string{}
			if existing {
				files[dest] = "old contents"
			}
			m := newMemFS(files)
			err := Write(t.Context(), m, dest, func(w io.Writer) error {
				io.WriteString(w, "half a fra")
				return errFill
			}, true)
			if !errors.Is(err, errFill) {
				t.Errorf("fill failed and Write returned %v, want fill's error (%v)", err, errFill)
			}
			checkUntouched(t, m, files[dest], existing, "fill failing half way")
		})
	}
}

func TestLeavesNothingWhenCancelled(t *testing.T) {
	cases := []struct {
		name string
		// cancel is called at each step with the cancel function, and
		// during fill with step 0.
		when func(step int, op string) bool
	}{
		{"before Write", nil},
		{"during fill", func(step int, op string) bool { return step == 0 }},
		{"at Sync", func(step int, op string) bool { return op == "sync" }},
		{"at Close", func(step int, op string) bool { return op == "close" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemFS(map[string]string{dest: "old contents"})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.when == nil {
				cancel()
			} else {
				m.hook = func(step int, op, name string) {
					if tc.when(step, op) {
						cancel()
					}
				}
			}
			filled := false
			err := Write(ctx, m, dest, func(w io.Writer) error {
				filled = true
				if tc.when != nil && tc.when(0, "fill") {
					cancel()
				}
				return fillParts(w)
			}, true)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("ctx was cancelled %s and Write returned %v, want context.Canceled: check ctx before starting, after fill, and once more just before the rename", tc.name, err)
			}
			if tc.when == nil && (filled || len(m.steps()) > 0) {
				t.Errorf("ctx was done before Write, and Write still called fill: %v, and the file system: %q; check ctx before starting, and do nothing", filled, m.steps())
			}
			checkUntouched(t, m, "old contents", true, "ctx cancelled "+tc.name)
		})
	}
}

// A ctx already done stops Write before it does anything: no Stat, no
// temporary file, no fill; and its error is ctx's, even where the early
// check would have refused an existing destination.
func TestADoneContextStopsWriteBeforeAnyStep(t *testing.T) {
	for _, existing := range []bool{false, true} {
		for _, overwrite := range []bool{false, true} {
			files := map[string]string{}
			if existing {
				files[dest] = "old contents"
			}
			m := newMemFS(files)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			filled := false
			err := Write(ctx, m, dest, func(w io.Writer) error { filled = true; return fillParts(w) }, overwrite)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("existing=%v overwrite=%v: ctx was done before Write, and Write returned %v, want context.Canceled: check ctx before anything else, the early Stat included", existing, overwrite, err)
			}
			if steps := m.steps(); filled || len(steps) > 0 {
				t.Errorf("existing=%v overwrite=%v: ctx was done before Write, and Write still called fill: %v, and the file system: %q; check ctx first, and do nothing", existing, overwrite, filled, steps)
			}
		}
	}
}

// A ctx whose deadline passes makes Write return ctx.Err(),
// context.DeadlineExceeded, wherever it is noticed: the error says why
// Write stopped. The deadlines pass in a synctest bubble, on its clock.
func TestReturnsTheContextsOwnError(t *testing.T) {
	cases := []struct {
		name  string
		fill  bool   // the deadline passes during fill
		at    string // or at this step
		ahead bool   // or before Write
	}{
		{name: "before Write", ahead: true},
		{name: "during fill", fill: true},
		{name: "at Sync", at: "sync"},
		{name: "at Close", at: "close"},
	}
	for _, tc := range cases {
		synctest.Test(t, func(t *testing.T) {
			m := newMemFS(map[string]string{dest: "old contents"})
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if tc.ahead {
				time.Sleep(2 * time.Second)
			}
			m.hook = func(step int, op, name string) {
				if op == tc.at {
					time.Sleep(2 * time.Second)
				}
			}
			err := Write(ctx, m, dest, func(w io.Writer) error {
				if tc.fill {
					time.Sleep(2 * time.Second)
				}
				return fillParts(w)
			}, true)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ctx's deadline passed %s, and Write returned %v, want ctx.Err(), context.DeadlineExceeded: return the context's own error, not context.Canceled", tc.name, err)
			}
			checkUntouched(t, m, "old contents", true, "ctx's deadline passing "+tc.name)
		})
	}
}

// errCause is the cause a test cancels ctx with: not what Write returns.
var errCause = errors.New("the cause given to cancel")

// A ctx cancelled with a cause (context.WithCancelCause) still makes
// Write return ctx.Err(), context.Canceled, as the README says: the cause
// is for whoever cancelled, through context.Cause; the error says why
// Write stopped.
func TestReturnsCtxErrNotItsCause(t *testing.T) {
	for _, at := range []string{"before Write", "during fill", "sync"} {
		m := newMemFS(map[string]string{dest: "old contents"})
		ctx, cancel := context.WithCancelCause(context.Background())
		if at == "before Write" {
			cancel(errCause)
		}
		m.hook = func(step int, op, name string) {
			if op == at {
				cancel(errCause)
			}
		}
		err := Write(ctx, m, dest, func(w io.Writer) error {
			if at == "during fill" {
				cancel(errCause)
			}
			return fillParts(w)
		}, true)
		cancel(nil)
		if !errors.Is(err, context.Canceled) || errors.Is(err, errCause) {
			t.Errorf("ctx was cancelled with a cause (%s), and Write returned %v, want ctx.Err(), context.Canceled: return the context's own error, not context.Cause(ctx)", at, err)
		}
		checkUntouched(t, m, "old contents", true, "ctx cancelled with a cause "+at)
	}
}

// Write may be called from many goroutines at once for different paths:
// four at once, each on a path of its own, all succeed and hold their
// own bytes. With the race detector on, state shared between calls
// without a lock (a counter naming the temporary files, say) is reported.
func TestWritesFromManyGoroutinesAtOnce(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			path := filepath.Join(dir, fmt.Sprintf("out%d.pack", i))
			errs[i] = Write(t.Context(), OS{}, path, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "file %d", i)
				return err
			}, false)
		})
	}
	wg.Wait()
	for i, err := range errs {
		path := filepath.Join(dir, fmt.Sprintf("out%d.pack", i))
		got, rerr := os.ReadFile(path)
		if err != nil || rerr != nil || string(got) != fmt.Sprintf("file %d", i) {
			t.Errorf("four Writes at once to four paths: Write to %s returned %v, and it holds %q (%v), want %q", path, err, got, rerr, fmt.Sprintf("file %d", i))
		}
	}
}

// ctx is checked as soon as fill returns: a Write cancelled during fill
// stops there, without syncing the temporary file (an fsync can take
// long, and its work would be thrown away).
func TestStopsRightAfterFillWhenCancelled(t *testing.T) {
	m := newMemFS(nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	err := Write(ctx, m, dest, func(w io.Writer) error {
		cancel()
		return fillParts(w)
	}, false)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ctx was cancelled during fill, and Write returned %v, want context.Canceled", err)
	}
	for _, s := range m.steps() {
		if op, _, _ := strings.Cut(s, " "); op == "sync" || op == "rename" {
			t.Errorf("ctx was cancelled during fill, and Write still called %s (steps: %q): check ctx right after fill returns, and then only close and remove the temporary file", op, m.steps())
			break
		}
	}
	checkUntouched(t, m, "", false, "ctx cancelled during fill")
}

// On every failure the temporary file is closed, then removed: some
// systems (Windows among them) cannot remove a file that is still open,
// and the temp would be left behind.
func TestClosesTheTempBeforeRemovingIt(t *testing.T) {
	clean := newMemFS(nil)
	if err := Write(t.Context(), clean, dest, fillParts, false); err != nil {
		t.Fatalf("Write returned %v on a file system that never fails", err)
	}
	renameAt := order(clean.steps())["rename"]
	type failure struct {
		what   string
		failAt int
		fill   func(ctx context.Context, cancel func()) func(io.Writer) error
	}
	failures := []failure{
		{what: "fill failing", fill: func(context.Context, func()) func(io.Writer) error {
			return func(w io.Writer) error { io.WriteString(w, "half a fra"); return errors.New("encoder failed") }
		}},
		{what: "ctx cancelled during fill", fill: func(_ context.Context, cancel func()) func(io.Writer) error {
			return func(w io.Writer) error { cancel(); return fillParts(w) }
		}},
	}
	for i, s := range clean.steps()[:renameAt] {
		failures = append(failures, failure{what: fmt.Sprintf("step %d (%s) failing", i+1, s), failAt: i + 1})
	}
	for _, f := range failures {
		m := newMemFS(nil)
		m.failAt = f.failAt
		m.hook = func(step int, op, name string) {
			if op != "remove" {
				return
			}
			m.mu.Lock()
			_, open := m.open[name]
			m.mu.Unlock()
			if open {
				t.Errorf("%s: removed %s while it was still open (steps: %q): close the temporary file first, then remove it; some systems cannot remove an open file", f.what, name, m.steps())
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		fill := fillParts
		if f.fill != nil {
			fill = f.fill(ctx, cancel)
		}
		if err := Write(ctx, m, dest, fill, false); err == nil {
			t.Errorf("%s: Write returned nil", f.what)
		}
		cancel()
		checkUntouched(t, m, "", false, f.what)
	}
}

func TestCommitsOnceRenamed(t *testing.T) {
	m := newMemFS(nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m.hook = func(step int, op, name string) {
		if op == "rename" {
			cancel()
		}
	}
	err := Write(ctx, m, dest, fillParts, false)
	if got, _ := m.content(dest); got != newData {
		t.Fatalf("ctx was cancelled during the rename, which succeeded, and %s holds %q: once renamed, the new file is the output; it is too late to undo", dest, got)
	}
	if len(m.removedAfterRename) > 0 {
		t.Fatalf("removed %q after the rename had succeeded", m.removedAfterRename)
	}
	synced := false
	for _, s := range m.steps()[order(m.steps())["rename"]:] {
		if dir, ok := strings.CutPrefix(s, "syncdir "); ok && sameDir(dir, filepath.Dir(dest)) {
			synced = true
		}
	}
	if !synced || err != nil {
		t.Fatalf("ctx was cancelled during the rename, which succeeded, and Write returned %v, syncing the directory after it: %v; after the rename it is too late to stop: sync the directory and return nil (ctx is not checked again)", err, synced)
	}
}

func TestRefusesAnExistingDestination(t *testing.T) {
	m := newMemFS(map[string]string{dest: "old contents"})
	err := Write(t.Context(), m, dest, fillParts, false)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("Write(overwrite=false) onto an existing file returned %v, want an error wrapping fs.ErrExist", err)
	}
	checkUntouched(t, m, "old contents", true, "overwrite=false onto an existing file")
}

func TestNeverReplacesAFileThatAppears(t *testing.T) {
	m := newMemFS(nil)
	// Another program creates dest while fill runs.
	err := Write(t.Context(), m, dest, func(w io.Writer) error {
		m.put(dest, "someone else's file")
		return fillParts(w)
	}, false)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("a file appeared at %s while fill ran, and Write(overwrite=false) returned %v, want an error wrapping fs.ErrExist", dest, err)
	}
	checkUntouched(t, m, "someone else's file", true, "a file appearing during fill, overwrite=false: a check before the rename cannot see a file that appears after it; let Rename(replace=false) refuse it in the same step")
}

func TestOverwriteNeverRemovesTheDestination(t *testing.T) {
	m := newMemFS(map[string]string{dest: "old contents"})
	m.hook = func(step int, op, name string) {
		if op == "remove" && name == dest {
			t.Errorf("removed %s before replacing it: a crash between the Remove and the Rename loses both files; Rename(replace=true) swaps it in one step", dest)
		}
	}
	if err := Write(t.Context(), m, dest, fillParts, true); err != nil {
		t.Fatalf("Write returned %v on a file system that never fails", err)
	}
	if got, _ := m.content(dest); got != newData {
		t.Fatalf("%s holds %q, want %q", dest, got, newData)
	}
}

func TestWorksOnTheRealFileSystem(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.pack")
	if err := Write(t.Context(), OS{}, path, fillParts, false); err != nil {
		t.Fatalf("Write with OS{} returned %v", err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, []byte(newData)) {
		t.Fatalf("%s holds %q (%v), want %q", path, got, err, newData)
	}
	if err := Write(t.Context(), OS{}, path, fillParts, false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Write(overwrite=false) returned %v, want fs.ErrExist", err)
	}
	if err := Write(t.Context(), OS{}, path, func(w io.Writer) error { _, err := io.WriteString(w, "v2"); return err }, true); err != nil {
		t.Fatalf("Write(overwrite=true) returned %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the directory holds %q, want only out.pack", names)
	}
	if got, _ := os.ReadFile(path); string(got) != "v2" {
		t.Fatalf("after overwrite %s holds %q, want %q", path, got, "v2")
	}
}
