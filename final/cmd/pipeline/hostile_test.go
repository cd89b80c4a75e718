package main

// The hostile world, at the level of the command: what an attacker or an
// unlucky user can do to it (issue 12), each case a test that failed on
// the command before the fix. The file-system cases (files swapped or
// changed between planning and opening, long names, permissions, stale
// temporary files, a directory sync failing after the rename) are in
// final/files/hostile_test.go.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/core/workload"
	"packcourse/final/files"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

// TestHostileTrace (item 1): -trace never replaces an existing file
// without -force, and never one of the run's inputs, outputs or key file,
// even with -force or through a link; a usage error (2), the file
// untouched.
func TestHostileTrace(t *testing.T) {
	f := newFixture(t)
	existing := f.at("notes")
	require.NoError(t, os.WriteFile(existing, []byte("keep me"), 0o644))
	outDir := t.TempDir()
	out := filepath.Join(outDir, "out.gpk")
	linked := filepath.Join(t.TempDir(), "linked")
	require.NoError(t, os.Symlink(outDir, linked))
	key := filepath.Join(t.TempDir(), "key")
	keyBytes := bytes.Repeat([]byte{7}, 32)
	require.NoError(t, os.WriteFile(key, keyBytes, 0o600))
	for _, c := range []struct {
		name, trace string
		force       bool
		want        string
	}{
		{"the input", f.at("text.txt"), false, "is also this run's input"},
		{"the input, forced", f.at("text.txt"), true, "is also this run's input"},
		{"the output", out, true, "is also this run's output"},
		{"the output through a linked directory", filepath.Join(linked, "out.gpk"), true, "is also this run's output"},
		{"the key file, forced", key, true, "is also this run's key file"},
		{"an existing file", existing, false, "already exists (use -force to replace it)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"pack", "-encrypt", "-key-file", key, "-trace", c.trace}
			if c.force {
				args = append(args, "-force")
			}
			r := cli(t, t.Context(), nil, nil, append(args, f.at("text.txt"), out)...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, c.want)
			assert.NoFileExists(t, out)
			got, err := os.ReadFile(f.at("text.txt"))
			require.NoError(t, err)
			assert.Equal(t, f.text, got, "the input is untouched")
			got, err = os.ReadFile(existing)
			require.NoError(t, err)
			assert.Equal(t, "keep me", string(got))
			got, err = os.ReadFile(key)
			require.NoError(t, err)
			assert.Equal(t, keyBytes, got, "the key file is untouched")
		})
	}
	r := cli(t, t.Context(), nil, nil, "pack", "-trace", "-", f.at("text.txt"), out)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "not to standard output")
	assert.NoFileExists(t, "-")

	r = cli(t, t.Context(), nil, nil, "pack", "-q", "-force", "-trace", existing, f.at("text.txt"), out)
	require.Equal(t, exitOK, r.code, r.stderr)
	b, err := os.ReadFile(existing)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte("go 1.")), "with -force an ordinary file is replaced by the trace")
}

// TestHostileTraceIsStandardOutput: with -force, a trace file that is also
// where standard output goes (pack -force -trace x in - > x) would be
// truncated and written by the trace and the container at once, a damaged
// container and exit 0. It is refused, and so is the file standard input
// is, before anything is written.
func TestHostileTraceIsStandardOutput(t *testing.T) {
	f := newFixture(t)
	for _, stream := range []string{"stdout", "stdin"} {
		t.Run(stream, func(t *testing.T) {
			shared := filepath.Join(t.TempDir(), "shared")
			require.NoError(t, os.WriteFile(shared, []byte("keep me"), 0o644))
			file, err := os.OpenFile(shared, os.O_RDWR, 0)
			require.NoError(t, err)
			t.Cleanup(func() { file.Close() })
			var stderr bytes.Buffer
			e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv}
			args := []string{"pack", "-q", "-force", "-trace", shared, f.at("text.txt"), "-"}
			if stream == "stdin" {
				e.stdin = file
				args = []string{"pack", "-q", "-force", "-trace", shared, "-", filepath.Join(t.TempDir(), "out.gpk")}
			} else {
				e.stdout = file
			}
			code := runEnv(t.Context(), args, e)
			assert.Equal(t, exitUsage, code, stderr.String())
			assert.Contains(t, stderr.String(), "standard input or output")
			got, err := os.ReadFile(shared)
			require.NoError(t, err)
			assert.Equal(t, "keep me", string(got), "the file was changed")
		})
	}
}

// TestHostileFlagValuesStayOnOneLine: a flag's value is printed as typed
// in its error, but a newline or an escape code in it is escaped: the
// error stays one line (plus the usage hint) and cannot drive the
// terminal.
func TestHostileFlagValuesStayOnOneLine(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "out.gpk")
	for _, args := range [][]string{
		{"-x\ny"},
		{"-codec", "z\x1b[31m"},
		{"-mem", "1\nMiX"},
		{"-metrics", "127.0.0.1:9\n1"},
		{"-encrypt", "-passphrase-env", "A\nB"},
		{"-encrypt", "-key-file", "no\nkey"},
	} {
		r := cli(t, t.Context(), nil, nil, append(append([]string{"pack"}, args...), f.at("text.txt"), out)...)
		assert.Equal(t, exitUsage, r.code, "%q: %s", args, r.stderr)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		assert.Len(t, lines, 2, "%q: the error and the usage hint: %q", args, r.stderr)
		assert.NotContains(t, r.stderr, "\x1b", "%q", args)
		assert.NoFileExists(t, out)
	}
}

// TestHostileFlagRanges (item 5): every numeric flag has a range, and a
// value outside it is one line and exit 2, before anything starts.
func TestHostileFlagRanges(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	in := f.at("text.txt")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pack", "-workers", "1025", in, out}, "-workers 1025: want 1..1024"},
		{[]string{"pack", "-workers", "4611686018427387904", in, out}, "-workers 4611686018427387904: want 1..1024"},
		{[]string{"pack", "-workers", "-3", in, out}, "-workers -3: want 1..1024"},
		{[]string{"pack", "-chunk", "1", in, out}, "-chunk 1: want 4.0 KiB .. 64.0 MiB"},
		{[]string{"pack", "-chunk", "65MiB", in, out}, "-chunk 65MiB: want 4.0 KiB .. 64.0 MiB"},
		{[]string{"pack", "-mem", "2048GiB", in, out}, "-mem 2048GiB: want 1 byte .. 1.0 TiB"},
		{[]string{"pack", "-mem", "0", in, out}, "-mem 0: want 1 byte .. 1.0 TiB"},
		{[]string{"pack", "-level", "-1", in, out}, "-level -1: want 1..22 for zstd"},
		{[]string{"pack", "-level", "23", in, out}, "-level 23: want 1..22 for zstd"},
		{[]string{"pack", "-codec", "deflate", "-level", "10", in, out}, "-level 10: want 1..9 for deflate"},
		{[]string{"pack", "-codec", "gzip", in, out}, "-codec gzip: want zstd or deflate"},
		{[]string{"demo", "-size", "17GiB"}, "-size 17GiB: want 0 .. 16.0 GiB"},
		{[]string{"demo", "-files", "-1"}, "-files -1: want 0..100000"},
		{[]string{"demo", "-files", "100001"}, "-files 100001: want 0..100000"},
		{[]string{"verify", "-metrics", "localhost", in}, "-metrics localhost: want HOST:PORT"},
		{[]string{"verify", "-metrics", "127.0.0.1:99999", in}, `-metrics 127.0.0.1:99999: port "99999": want a number 0..65535`},
	} {
		t.Run(strings.Join(c.args[:3], " "), func(t *testing.T) {
			r := cli(t, t.Context(), nil, nil, c.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			require.Len(t, lines, 2, r.stderr)
			assert.Contains(t, lines[0], c.want)
			assert.Equal(t, "Run 'pipeline help "+c.args[0]+"' for usage.", lines[1])
			assert.NoFileExists(t, out)
		})
	}
}

// TestHostileMetricsAddressBusy (item 10): a -metrics address that cannot
// be served (taken by another program) is a usage error: exit 2, nothing
// done, and the other program's port is left to it.
func TestHostileMetricsAddressBusy(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	out := filepath.Join(t.TempDir(), "out")
	r := cli(t, t.Context(), nil, nil, "unpack", "-metrics", ln.Addr().String(), f.at("text.gpk"), out)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "address already in use")
	assert.NoFileExists(t, out)
}

// blockedWriter is standard output whose reader has stopped reading: the
// first Write says so on started and then blocks until release is
// closed; it never reads p.
type blockedWriter struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockedWriter) Write(p []byte) (int, error) {
	b.once.Do(func() { close(b.started) })
	<-b.release
	return 0, io.ErrClosedPipe
}

// TestHostileInterruptWhileStdoutBlocked (item 4): an interrupt ends the
// run while a write to standard output is blocked, with exit 130 and one
// line that says the output is incomplete. The blocked write may still
// put its bytes out after the command has returned, so the line does not
// claim that nothing reached standard output: it gives the range.
func TestHostileInterruptWhileStdoutBlocked(t *testing.T) {
	f := newFixture(t)
	w := &blockedWriter{started: make(chan struct{}), release: make(chan struct{})}
	defer close(w.release) // lets the blocked write return: no goroutine outlives the test
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		<-w.started
		cancel()
	}()
	done := make(chan result, 1)
	go func() {
		var stderr bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: w, stderr: &stderr, lookup: os.LookupEnv}
		code := runEnv(ctx, []string{"unpack", f.at("text.gpk"), "-"}, e)
		done <- result{code: code, stderr: stderr.String()}
	}()
	select {
	case r := <-done:
		assert.Equal(t, exitInterrupted, r.code, r.stderr)
		assert.Regexp(t, `^pipeline: interrupted: 0 of 1 files done; standard output got between 0 B and [0-9.]+ KiB \(a write was under way\), an incomplete file\n$`, r.stderr)
	case <-time.After(30 * time.Second): // a guard against a hang, not a timing
		t.Fatal("the run did not end while standard output was blocked")
	}
}

// TestHostileInterruptedStdoutIsIncomplete (item 10): packing to standard
// output cut short does not claim "no partial output left": the bytes
// already written are said to be an incomplete container.
func TestHostileInterruptedStdoutIsIncomplete(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	in := &pipetest.CancelingReader{R: pipetest.Endless(1), After: 512 << 10, Grace: 2 << 20, Cancel: cancel}
	var stdout lockedBuffer // a write cut short by the interrupt may still finish after runEnv returns
	var stderr bytes.Buffer
	e := env{stdin: in, stdout: &stdout, stderr: &stderr, lookup: os.LookupEnv}
	code := runEnv(ctx, []string{"pack", "-chunk", "16KiB", "-level", "1", "-", "-"}, e)
	assert.Equal(t, exitInterrupted, code)
	require.Positive(t, stdout.Len())
	// A write may have been under way when the interrupt came: then the
	// line gives a range.
	assert.Regexp(t, `^pipeline: interrupted: 0 of 1 files done; standard output got ([0-9.]+ KiB|between [0-9.]+ KiB and [0-9.]+ KiB \(a write was under way\)), an incomplete container\n$`, stderr.String())
}

// lockedBuffer is a bytes.Buffer behind a mutex. Standard output is
// written from a goroutine of cancelableWriter's, which an interrupt
// abandons: its write may still be going on when the command returns.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// buildBinary builds the command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pipeline")
	out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// randomReader is incompressible input, so that what goes in comes out.
type randomReader struct{ r *rand.ChaCha8 }

func (r randomReader) Read(p []byte) (int, error) { return r.r.Read(p) }

// TestHostileInterruptBinaryStdoutBlocked (item 4): the real command,
// packing endless random input to a pipe nobody reads. Input is fed until
// the command stops taking it: its budget is full and its writer is
// blocked in write(2). SIGINT must still end it with 130 and a message,
// not leave it waiting for a reader that never comes.
func TestHostileInterruptBinaryStdoutBlocked(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "pack", "-chunk", "64KiB", "-mem", "8MiB", "-workers", "2", "-", "-")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	pr, pw, err := os.Pipe() // its read end is never read
	require.NoError(t, err)
	defer pr.Close()
	cmd.Stdout = pw
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	pw.Close()

	var fed atomic.Int64
	var feeding sync.WaitGroup
	feeding.Go(func() { // ends when the command has exited and closed its input
		io.Copy(stdin, io.TeeReader(randomReader{rand.NewChaCha8([32]byte{1})}, countWriter{&fed}))
	})
	waitUntilStalled(t, &fed)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(30 * time.Second): // a guard against a hang, not a timing
		cmd.Process.Kill()
		<-exited
		feeding.Wait()
		t.Fatal("SIGINT did not end the command while its standard output was blocked")
	}
	feeding.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, stderr.String())
	assert.Equal(t, exitInterrupted, exit.ExitCode(), stderr.String())
	// The write blocked in write(2) may have put part of its frame into the
	// pipe's buffer: the line gives the range.
	assert.Regexp(t, `^pipeline: interrupted: 0 of 1 files done; standard output got between [0-9.]+ (B|KiB|MiB) and [0-9.]+ (B|KiB|MiB) \(a write was under way\), an incomplete container\n$`, stderr.String())
}

// TestHostileKilledRunLeavesTempThatNextRunRemoves (item 8): SIGKILL
// leaves a temporary file, named as the help says; the next run writing
// the same output removes it, says so, and writes the output.
func TestHostileKilledRunLeavesTempThatNextRunRemoves(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.gpk")
	cmd := exec.Command(bin, "pack", "-chunk", "64KiB", "-", dst)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	if _, err := io.CopyN(stdin, pipetest.Endless(1), 4<<20); err != nil {
		t.Fatalf("the command did not read its input: %v", err)
	}
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	stdin.Close()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the killed run's temporary file")
	assert.Regexp(t, `^\.out\.gpk\.\d+-[0-9a-f]{16}\.tmp$`, entries[0].Name())

	f := newFixture(t)
	r := cli(t, t.Context(), nil, nil, "pack", f.at("text.txt"), dst)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "pipeline: removed "+filepath.Join(dir, entries[0].Name())+", a temporary file left by a run that was killed")
	assert.Equal(t, []string{"out.gpk"}, names(t, dir))
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return n
}

// TestHostileOpenFileLimit (item 7): 2,000 files pack with the open-file
// limit at 256 and -workers 64. The test runs itself again in a child
// process whose RLIMIT_NOFILE is lowered to 256, soft and hard.
func TestHostileOpenFileLimit(t *testing.T) {
	if dir := os.Getenv("PIPELINE_NOFILE_CHILD"); dir != "" {
		lim := syscall.Rlimit{Cur: 256, Max: 256}
		require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
		r := cli(t, t.Context(), nil, nil, "pack", "-q", "-workers", "64", "-chunk", "4KiB", filepath.Join(dir, "src"), filepath.Join(dir, "out"))
		require.Equal(t, exitOK, r.code, "%.2000s", r.stderr)
		return
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for i := range 2000 {
		sub := filepath.Join(src, fmt.Sprintf("d%02d", i%20))
		require.NoError(t, os.MkdirAll(sub, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%04d", i)), bytes.Repeat([]byte{byte(i)}, 100+i), 0o644))
	}
	child := exec.Command(os.Args[0], "-test.run=^TestHostileOpenFileLimit$", "-test.count=1")
	child.Env = append(os.Environ(), "PIPELINE_NOFILE_CHILD="+dir)
	out, err := child.CombinedOutput()
	require.NoError(t, err, "%s", out)
	packed := 0
	require.NoError(t, filepath.WalkDir(filepath.Join(dir, "out"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			packed++
		}
		return err
	}))
	assert.Equal(t, 2000, packed)
}

// TestHostileQuotedNames (item 10): a name with a newline or an escape
// code is printed quoted, so every failure is still one line and nothing
// reaches the terminal raw.
func TestHostileQuotedNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"two\nlines", "\x1b[31mred"} {
		src := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(src, []byte("x"), 0o644))
		require.NoError(t, os.WriteFile(src+".gpk", []byte("in the way"), 0o644))
		r := cli(t, t.Context(), nil, nil, "pack", src, src+".gpk")
		assert.Equal(t, exitFailed, r.code)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
		assert.NotContains(t, r.stderr, "\x1b")
		assert.Contains(t, r.stderr, fmt.Sprintf("%q already exists", src+".gpk"))
	}
}

// TestHostileSameSourceAndDestination (item 10): -force with the output
// the input itself is refused, and the input is untouched.
func TestHostileSameSourceAndDestination(t *testing.T) {
	f := newFixture(t)
	r := cli(t, t.Context(), nil, nil, "pack", "-force", f.at("text.txt"), f.at("text.txt"))
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "is both an input and an output")
	got, err := os.ReadFile(f.at("text.txt"))
	require.NoError(t, err)
	assert.Equal(t, f.text, got)
}

// fullFS is a disk that fills up after limit bytes of any output.
type fullFS struct {
	files.OS
	limit int
}

func (d *fullFS) Create(name string, perm fs.FileMode) (files.File, error) {
	f, err := d.OS.Create(name, perm)
	if err != nil {
		return nil, err
	}
	return &fullFile{File: f, left: d.limit}, nil
}

type fullFile struct {
	files.File
	left int
}

func (f *fullFile) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.File.Write(p[:f.left])
		f.left = 0
		return n, syscall.ENOSPC
	}
	f.left -= len(p)
	return f.File.Write(p)
}

// TestHostileFullDiskFile (item 10): the disk fills while a file output is
// written; the one line names the output, the frame and its offset, and
// the system's reason, and nothing is left.
func TestHostileFullDiskFile(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "out.gpk")
	var stderr bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv, fsys: &fullFS{limit: 20 << 10}}
	code := runEnv(t.Context(), []string{"pack", "-codec", "deflate", "-chunk", "16KiB", f.at("text.txt"), out}, e)
	assert.Equal(t, exitFailed, code)
	assert.Regexp(t, `^pipeline: pack \S+: writing \S+out\.gpk: write frame \d+: writing frame at offset \d+: writing temporary file: no space left on device\n$`, stderr.String())
	assert.Empty(t, names(t, filepath.Dir(out)))
}

// TestHostileFullDiskTrace: the disk fills while the trace is written
// (runtime/trace drops its writer's errors): exit 1, one line that says
// so, and the trace that -force would have replaced is still there,
// whole, with no temporary file beside it; the output itself went to
// standard output whole.
func TestHostileFullDiskTrace(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	old := filepath.Join(dir, "run.trace")
	require.NoError(t, os.WriteFile(old, []byte("an earlier trace"), 0o644))
	var stdout, stderr bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, lookup: os.LookupEnv, fsys: &fullFS{limit: 1 << 10}}
	code := runEnv(t.Context(), []string{"pack", "-q", "-force", "-trace", old, f.at("text.txt"), "-"}, e)
	assert.Equal(t, exitFailed, code)
	assert.Regexp(t, `^pipeline pack: -trace: writing temporary file: no space left on device\n$`, stderr.String())
	assert.Equal(t, []string{"run.trace"}, names(t, dir))
	got, err := os.ReadFile(old)
	require.NoError(t, err)
	assert.Equal(t, "an earlier trace", string(got))
	var restored bytes.Buffer
	require.NoError(t, oracle.Unpack(t.Context(), &restored, &stdout, codec.Options{}))
	assert.Equal(t, f.text, restored.Bytes(), "the container on standard output is whole")
}

// syncFailFS fails every directory sync, after the rename.
type syncFailFS struct{ files.OS }

func (syncFailFS) SyncDir(string) error { return syscall.EIO }

// TestHostileDirSyncFailsKeepsOutput (issue 9 item 1): the directory sync
// fails after the rename: exit 1, the message says the file was written
// but is not known to be durable, and the file is there, with and without
// -force.
func TestHostileDirSyncFailsKeepsOutput(t *testing.T) {
	f := newFixture(t)
	for _, force := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "out.gpk")
		args := []string{"pack", f.at("text.txt"), out}
		if force {
			require.NoError(t, os.WriteFile(out, []byte("old"), 0o644))
			args = append([]string{"pack", "-force"}, args[1:]...)
		}
		var stderr bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv, fsys: syncFailFS{}}
		code := runEnv(t.Context(), args, e)
		assert.Equal(t, exitFailed, code)
		assert.Contains(t, stderr.String(), "written but not known to be durable: syncing directory: input/output error (the file is kept; check the disk)")
		b, err := os.ReadFile(out)
		require.NoError(t, err, "the published file survives (force: %v)", force)
		assert.True(t, bytes.HasPrefix(b, format.Magic[:]), "it is the new container")
	}
}

// noSyncFS fails every sync, of a file or a directory.
type noSyncFS struct{ files.OS }

func (noSyncFS) SyncDir(string) error { return syscall.EIO }

func (n noSyncFS) Create(name string, perm fs.FileMode) (files.File, error) {
	f, err := n.OS.Create(name, perm)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

type noSyncFile struct{ files.File }

func (noSyncFile) Sync() error { return syscall.EIO }

// TestSyncFlag: on a disk whose every sync fails, pack and unpack fail
// (exit 1, nothing left at the output), and with -sync=false both succeed
// and round trip: so -sync=false syncs neither the files (not even while
// writing a file of many chunks) nor their directory.
func TestSyncFlag(t *testing.T) {
	data := workload.Bytes(workload.Mixed, 20<<20, 4)
	dir := t.TempDir()
	in, packed, restored := filepath.Join(dir, "in"), filepath.Join(dir, "in.gpk"), filepath.Join(dir, "restored")
	require.NoError(t, os.WriteFile(in, data, 0o644))
	runWith := func(args ...string) (int, string) {
		var stderr bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv, fsys: noSyncFS{}}
		return runEnv(t.Context(), args, e), stderr.String()
	}

	code, stderr := runWith("pack", "-q", in, packed)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr, "syncing temporary file: input/output error")
	assert.NoFileExists(t, packed)

	code, stderr = runWith("pack", "-q", "-sync=false", in, packed)
	require.Equal(t, exitOK, code, stderr)
	code, stderr = runWith("unpack", "-q", "-sync=false", packed, restored)
	require.Equal(t, exitOK, code, stderr)
	got, err := os.ReadFile(restored)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got), "round trip")

	code, stderr = runWith("unpack", "-q", "-force", packed, restored)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr, "syncing temporary file: input/output error")
}

// unreadableFS cannot read a directory named "locked".
type unreadableFS struct{ files.OS }

func (u unreadableFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if filepath.Base(name) == "locked" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return u.OS.ReadDir(name)
}

// TestHostileUnreadableSubdirectory (item 10): an unreadable directory
// fails its own files; the others are packed; the exit code is 1.
func TestHostileUnreadableSubdirectory(t *testing.T) {
	src := t.TempDir()
	for _, name := range []string{"a", "locked/b", "z/c"} {
		require.NoError(t, os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(name), 0o644))
	}
	out := filepath.Join(t.TempDir(), "out")
	var stderr bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv, fsys: unreadableFS{}}
	code := runEnv(t.Context(), []string{"pack", "-q", src, out}, e)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr.String(), "pipeline: pack "+filepath.Join(src, "locked")+": cannot read directory: permission denied")
	assert.FileExists(t, filepath.Join(out, "a.gpk"))
	assert.FileExists(t, filepath.Join(out, "z", "c.gpk"))
}

// TestHostileSwappedAfterPlanning (items 2 and 3): between planning and
// running, one file becomes a link to a secret and another a FIFO; both
// fail with a clear line, the run does not hang, and the secret is in no
// output.
func TestHostileSwappedAfterPlanning(t *testing.T) {
	src := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(name), 0o644))
	}
	secret := filepath.Join(t.TempDir(), "shadow")
	require.NoError(t, os.WriteFile(secret, []byte("root:secret"), 0o600))
	out := filepath.Join(t.TempDir(), "out")
	var stderr bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv,
		afterPlan: func(files.Plan) {
			require.NoError(t, os.Remove(filepath.Join(src, "a")))
			require.NoError(t, os.Symlink(secret, filepath.Join(src, "a")))
			require.NoError(t, os.Remove(filepath.Join(src, "b")))
			require.NoError(t, syscall.Mkfifo(filepath.Join(src, "b"), 0o644))
		}}
	code := runEnv(t.Context(), []string{"pack", src, out}, e)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr.String(), "pipeline: pack "+filepath.Join(src, "a")+": opening: no longer the file that was planned: it is a symbolic link now (not followed)")
	assert.Contains(t, stderr.String(), "pipeline: pack "+filepath.Join(src, "b")+": opening: no longer the file that was planned: it is a FIFO now, not a regular file")
	assert.Equal(t, []string{"c.gpk"}, names(t, out))
}

// TestHostileBadHexKey (item 10): a key file that is almost a hex key
// says precisely what is wrong with it.
func TestHostileBadHexKey(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	good := strings.Repeat("ab", 32)
	for content, want := range map[string]string{
		good[:20] + "g" + good[21:] + "\n": "found 65 bytes, read as hex text: byte 21 is not a hex digit",
		good + "a\n":                       "found 65 hex digits (66 bytes with white space), want exactly 64",
		good[:62] + "\n":                   "found 62 hex digits (63 bytes with white space), want exactly 64",
	} {
		key := filepath.Join(dir, "key")
		require.NoError(t, os.WriteFile(key, []byte(content), 0o600))
		r := cli(t, t.Context(), nil, nil, "unpack", "-key-file", key, f.at("secret.gpk"), filepath.Join(dir, "out"))
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, want)
	}
}

// TestHostileHelpSaysWhatIsNotProtected (items 8 and 11): the help names
// the temporary files a killed run leaves, and says that a plain container
// is not authenticated, next to what encryption adds.
func TestHostileHelpSaysWhatIsNotProtected(t *testing.T) {
	r := cli(t, t.Context(), nil, nil, "help")
	assert.Contains(t, r.stdout, ".NAME.PID-RANDOM.tmp")
	assert.Contains(t, r.stdout, "A plain container is not authenticated")
	assert.Contains(t, r.stdout, "Only\n-encrypt")
}

// TestCodecFlag: -codec picks the codec the header records (zstd by
// default), and unpack reads it from the header.
func TestCodecFlag(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		args  []string
		codec byte
	}{
		{nil, format.CodecZstd},
		{[]string{"-codec", "deflate"}, format.CodecDeflate},
		{[]string{"-codec", "zstd", "-level", "19"}, format.CodecZstd},
	} {
		dir := t.TempDir()
		packed, restored := filepath.Join(dir, "p.gpk"), filepath.Join(dir, "r")
		r := cli(t, t.Context(), nil, nil, append(append([]string{"pack", "-q"}, c.args...), f.at("text.txt"), packed)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		b, err := os.ReadFile(packed)
		require.NoError(t, err)
		h, err := format.NewReader(bytes.NewReader(b), 0).ReadHeader()
		require.NoError(t, err)
		assert.Equal(t, c.codec, h.Codec, "%v", c.args)
		r = cli(t, t.Context(), nil, nil, "unpack", "-q", packed, restored)
		require.Equal(t, exitOK, r.code, r.stderr)
		got, err := os.ReadFile(restored)
		require.NoError(t, err)
		assert.Equal(t, f.text, got)
	}
}

// countWriter counts the bytes written to it.
type countWriter struct{ n *atomic.Int64 }

func (w countWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// waitUntilStalled returns once more than one chunk has been fed and the
// count has not moved for a while: the command has stopped reading because
// nothing it wrote has been read. The waits only make the blocked case the
// likely one; the test's verdict does not depend on them.
func waitUntilStalled(t *testing.T, fed *atomic.Int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last, still := fed.Load(), 0
	for time.Now().Before(deadline) && (last < 256<<10 || still < 4) {
		time.Sleep(50 * time.Millisecond)
		if n := fed.Load(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	require.GreaterOrEqual(t, fed.Load(), int64(256<<10), "the command did not read its input")
}

// TestHostileStdioIsAFileOfTheRun: standard input or output redirected to
// one of the run's own files is refused before anything is written, and
// the file is left as it was. (`pipeline unpack a.gpk - >> a.gpk` used to
// append to its input.)
func TestHostileStdioIsAFileOfTheRun(t *testing.T) {
	f := newFixture(t)
	packed, err := os.ReadFile(f.at("text.gpk"))
	require.NoError(t, err)
	open := func(name string, flag int) *os.File {
		file, err := os.OpenFile(f.at(name), flag, 0)
		require.NoError(t, err)
		t.Cleanup(func() { file.Close() })
		return file
	}
	for _, c := range []struct {
		name          string
		stdin, stdout *os.File
		args          []string
		want          string
	}{
		{"stdout appends to the input", nil, open("text.gpk", os.O_WRONLY|os.O_APPEND),
			[]string{"unpack", "-q", f.at("text.gpk"), "-"}, "standard output is"},
		{"stdin is the output it replaces", open("text.gpk", os.O_RDONLY), nil,
			[]string{"pack", "-q", "-force", "-", f.at("text.gpk")}, "standard input is"},
		{"stdin and stdout are one file", open("text.gpk", os.O_RDONLY), open("text.gpk", os.O_WRONLY|os.O_APPEND),
			[]string{"pack", "-q", "-", "-"}, "standard input and standard output are the same file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv}
			if c.stdin != nil {
				e.stdin = c.stdin
			}
			if c.stdout != nil {
				e.stdout = c.stdout
			}
			code := runEnv(t.Context(), c.args, e)
			assert.Equal(t, exitFailed, code, stderr.String())
			assert.Contains(t, stderr.String(), c.want)
			assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
			got, err := os.ReadFile(f.at("text.gpk"))
			require.NoError(t, err)
			assert.Equal(t, packed, got, "the container was changed")
		})
	}
	// A pipe or a terminal is nobody's input: standard streams that are
	// not regular files still work (TestStdinStdout), and a regular file
	// that is not one of the run's is written as asked.
	var stderr bytes.Buffer
	out := open("plain", os.O_WRONLY|os.O_TRUNC)
	code := runEnv(t.Context(), []string{"unpack", "-q", f.at("text.gpk"), "-"}, env{stdin: strings.NewReader(""), stdout: out, stderr: &stderr, lookup: os.LookupEnv})
	require.Equal(t, exitOK, code, stderr.String())
	got, err := os.ReadFile(f.at("plain"))
	require.NoError(t, err)
	assert.Equal(t, f.text, got)
}

// TestHostileKeyFileIsAPipe: a -key-file that is a FIFO nobody writes to
// fails at once, as an empty key file, instead of hanging in open; one
// whose writer never writes waits only until the run is interrupted; and
// a pipe that does bring the key (-key-file <(command)) still works.
func TestHostileKeyFileIsAPipe(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "key.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	out := filepath.Join(dir, "out")

	r := cli(t, t.Context(), nil, nil, "unpack", "-key-file", fifo, f.at("secret.gpk"), out)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "-key-file: "+fifo+": want 32 raw bytes or 64 hex digits: found 0 bytes")
	assert.NoFileExists(t, out)

	// A writer that holds the FIFO open and never writes: the read waits,
	// and Ctrl-C (ctx) ends it.
	writer, err := os.OpenFile(fifo, os.O_RDWR, 0)
	require.NoError(t, err)
	defer writer.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan result, 1)
	go func() { done <- cli(t, ctx, nil, nil, "unpack", "-key-file", fifo, f.at("secret.gpk"), out) }()
	time.Sleep(20 * time.Millisecond) // usually inside the read by now; if not, ctx ends it before
	cancel()
	r = <-done
	assert.Equal(t, exitInterrupted, r.code, r.stderr)
	assert.Equal(t, "pipeline unpack: interrupted\n", r.stderr)
	assert.NoFileExists(t, out)

	// An anonymous pipe with the key in it, as bash's <(command) gives.
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	key, err := os.ReadFile(f.key)
	require.NoError(t, err)
	_, err = pw.Write(key)
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	r = cli(t, t.Context(), nil, nil, "unpack", "-q", "-key-file", fmt.Sprintf("/dev/fd/%d", pr.Fd()), f.at("secret.gpk"), out)
	require.Equal(t, exitOK, r.code, r.stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, f.text, got)
}

// TestHostileContainerNamesWithoutABase: in a tree, a container named
// just ".gpk", or "..gpk" or "...gpk" (which would unpack to "." or
// ".."), fails alone with a line that says why; the other containers are
// unpacked, and the exit code is 1.
func TestHostileContainerNamesWithoutABase(t *testing.T) {
	f := newFixture(t)
	packed, err := os.ReadFile(f.at("text.gpk"))
	require.NoError(t, err)
	tree := t.TempDir()
	for _, name := range []string{"a.gpk", "sub/.gpk", "..gpk", "sub/...gpk", "sub/b.gpk"} {
		require.NoError(t, os.MkdirAll(filepath.Join(tree, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(tree, name), packed, 0o644))
	}
	out := filepath.Join(t.TempDir(), "out")
	r := cli(t, t.Context(), nil, nil, "unpack", "-q", tree, out)
	assert.Equal(t, exitFailed, r.code)
	for name, left := range map[string]string{"sub/.gpk": `""`, "..gpk": `"."`, "sub/...gpk": `".."`} {
		assert.Contains(t, r.stderr, "pipeline: unpack "+filepath.Join(tree, name)+": without .gpk the name is "+left+", which cannot name a file")
	}
	assert.Contains(t, r.stderr, "3 failed before starting (above), the other 2 files done")
	for _, name := range []string{"a", "sub/b"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		assert.Equal(t, f.text, got)
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "only a and sub in the output directory")
}
