package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// result is what one run of the command left.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the command with args, standard input stdin (nil: empty) and
// the environment variables vars, as main would but with everything
// captured.
func cli(t *testing.T, ctx context.Context, stdin io.Reader, vars map[string]string, args ...string) result {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	e := env{
		stdin:  stdin,
		stdout: &stdout,
		stderr: &stderr,
		lookup: func(name string) (string, bool) { v, ok := vars[name]; return v, ok },
	}
	code := runEnv(ctx, args, e)
	return result{code, stdout.String(), stderr.String()}
}

// fixture is a directory with inputs and containers made by the command
// itself, with small chunks so that every container has many frames.
type fixture struct {
	dir       string
	text      []byte // content of text.txt
	key, key2 string // key files: the right key (hex) and another (raw)
}

func (f fixture) at(name string) string { return filepath.Join(f.dir, name) }

func newFixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{dir: t.TempDir(), text: workload.Bytes(workload.Mixed, 200<<10, 3)}
	write := func(name string, data []byte) {
		require.NoError(t, os.MkdirAll(filepath.Dir(f.at(name)), 0o755))
		require.NoError(t, os.WriteFile(f.at(name), data, 0o644))
	}
	write("text.txt", f.text)
	write("plain", []byte("not a container at all"))
	f.key, f.key2 = f.at("key.hex"), f.at("key2.raw")
	write("key.hex", []byte(hex.EncodeToString(bytes.Repeat([]byte{1}, 32))+"\n"))
	write("key2.raw", bytes.Repeat([]byte{2}, 32))
	write("short.key", []byte("too short"))

	ok := func(args ...string) {
		r := cli(t, t.Context(), nil, map[string]string{"PASS": "correct horse"}, args...)
		require.Equal(t, exitOK, r.code, "%v: %s", args, r.stderr)
	}
	ok("pack", "-q", "-chunk", "16KiB", f.at("text.txt"), f.at("text.gpk"))
	ok("pack", "-q", "-chunk", "16KiB", "-encrypt", "-key-file", f.key, f.at("text.txt"), f.at("secret.gpk"))
	ok("pack", "-q", "-chunk", "16KiB", "-encrypt", "-passphrase-env", "PASS", f.at("text.txt"), f.at("phrase.gpk"))
	packed, err := os.ReadFile(f.at("text.gpk"))
	require.NoError(t, err)
	write("truncated.gpk", packed[:len(packed)/2])
	damaged := bytes.Clone(packed)
	frames, _ := pipetest.Layout(damaged)
	damaged[frames[5].Start+30] ^= 0x40
	write("damaged.gpk", damaged)
	return f
}

// TestErrors runs every way of calling the command wrongly, or on bad
// input, and checks the exit code and the one line that says what is
// wrong. None may panic or leave an output behind.
func TestErrors(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	vars := map[string]string{"EMPTY": "", "PASS": "correct horse", "WRONG": "battery staple"}
	cases := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no command", nil, exitUsage, "usage: pipeline COMMAND"},
		{"unknown command", []string{"compress"}, exitUsage, `unknown command "compress"`},
		{"help for unknown command", []string{"help", "compress"}, exitUsage, `unknown command "compress"`},
		{"missing arguments", []string{"pack", f.at("text.txt")}, exitUsage, "wrong number of arguments"},
		{"verify without arguments", []string{"verify"}, exitUsage, "wrong number of arguments"},
		{"demo with arguments", []string{"demo", "x"}, exitUsage, "wrong number of arguments"},
		{"unknown flag", []string{"pack", "-fast", f.at("text.txt"), out}, exitUsage, "flag provided but not defined: -fast"},
		{"pack flag on unpack", []string{"unpack", "-chunk", "1MiB", f.at("text.gpk"), out}, exitUsage, "flag provided but not defined: -chunk"},
		{"sync flag on verify", []string{"verify", "-sync=false", f.at("text.gpk")}, exitUsage, "flag provided but not defined: -sync"},
		{"bad chunk size", []string{"pack", "-chunk", "4XB", f.at("text.txt"), out}, exitUsage, `-chunk: size "4XB"`},
		{"zero chunk size", []string{"pack", "-chunk", "0", f.at("text.txt"), out}, exitUsage, "-chunk 0: want 4.0 KiB .. 64.0 MiB"},
		{"huge chunk size", []string{"pack", "-chunk", "1GiB", f.at("text.txt"), out}, exitUsage, "-chunk 1GiB"},
		{"chunk target too small", []string{"pack", "-chunk-target", "1us", f.at("text.txt"), out}, exitUsage, "-chunk-target 1µs: want 0 or 100µs..1s"},
		{"chunk target too large", []string{"pack", "-chunk-target", "1h", f.at("text.txt"), out}, exitUsage, "-chunk-target 1h0m0s: want 0 or 100µs..1s"},
		{"bad level", []string{"pack", "-level", "23", f.at("text.txt"), out}, exitUsage, "-level 23: want 1..22 for zstd"},
		{"bad deflate level", []string{"pack", "-codec", "deflate", "-level", "12", f.at("text.txt"), out}, exitUsage, "-level 12: want 1..9 for deflate"},
		{"bad level syntax", []string{"pack", "-level", "six", f.at("text.txt"), out}, exitUsage, `invalid value "six" for flag -level`},
		{"zero workers", []string{"pack", "-workers", "0", f.at("text.txt"), out}, exitUsage, "-workers 0: want 1..1024"},
		{"bad budget", []string{"pack", "-mem", "lots", f.at("text.txt"), out}, exitUsage, `-mem: size "lots"`},
		{"budget below a chunk", []string{"pack", "-mem", "1MiB", f.at("text.txt"), out}, exitUsage, "-mem 1MiB is too small for -chunk 1MiB"},
		{"budget below a key derivation", []string{"pack", "-mem", "16MiB", "-encrypt", "-passphrase-env", "PASS", f.at("text.txt"), out}, exitUsage, "-mem 16MiB is too small for -chunk 1MiB: a file needs at least 19.0 MiB for the passphrase's key derivation"},
		{"unpack budget below a key derivation", []string{"unpack", "-mem", "16MiB", "-passphrase-env", "PASS", f.at("phrase.gpk"), out}, exitUsage, "-mem 16MiB is too small: a file needs at least 19.0 MiB for the passphrase's key derivation"},
		{"encrypt without key", []string{"pack", "-encrypt", f.at("text.txt"), out}, exitUsage, "-encrypt needs a key"},
		{"key without encrypt", []string{"pack", "-key-file", f.key, f.at("text.txt"), out}, exitUsage, "without -encrypt"},
		{"two key sources", []string{"unpack", "-key-file", f.key, "-passphrase-env", "PASS", f.at("secret.gpk"), out}, exitUsage, "not both"},
		{"missing key file", []string{"unpack", "-key-file", f.at("nokey"), f.at("secret.gpk"), out}, exitUsage, "-key-file: open"},
		{"short key file", []string{"unpack", "-key-file", f.at("short.key"), f.at("secret.gpk"), out}, exitUsage, "want 32 raw bytes or 64 hex digits: found 9 bytes, neither"},
		{"passphrase variable unset", []string{"unpack", "-passphrase-env", "NOPE", f.at("phrase.gpk"), out}, exitUsage, "environment variable NOPE is not set"},
		{"passphrase variable empty", []string{"unpack", "-passphrase-env", "EMPTY", f.at("phrase.gpk"), out}, exitUsage, "environment variable EMPTY is empty"},
		{"missing input", []string{"pack", f.at("nope.txt"), out}, exitFailed, "nope.txt: no such file or directory"},
		{"output directory is a file", []string{"pack", f.at("text.txt"), f.at("plain/out.gpk")}, exitFailed, "not a directory"},
		{"output directory missing", []string{"pack", f.at("text.txt"), f.at("no/such/dir/out.gpk")}, exitFailed, "no such file or directory"},
		{"existing output", []string{"pack", f.at("text.txt"), f.at("text.gpk")}, exitFailed, "text.gpk already exists (use -force to replace it)"},
		{"not a container", []string{"unpack", f.at("plain"), out}, exitFailed, "pipeline: unpack " + f.at("plain") + ": header at offset 0: not a container (bad magic)"},
		{"truncated container", []string{"unpack", f.at("truncated.gpk"), out}, exitFailed, "truncated container"},
		{"damaged container", []string{"unpack", f.at("damaged.gpk"), out}, exitFailed, "frame 5 at offset"},
		{"verify damaged", []string{"verify", f.at("damaged.gpk")}, exitFailed, "pipeline: verify " + f.at("damaged.gpk") + ": frame 5 at offset"},
		{"no key for encrypted", []string{"unpack", f.at("secret.gpk"), out}, exitFailed, "a key is required (give -key-file or -passphrase-env)"},
		{"wrong key", []string{"unpack", "-key-file", f.key2, f.at("secret.gpk"), out}, exitFailed, "frame 0 at offset 40: authentication failed"},
		{"wrong passphrase", []string{"unpack", "-passphrase-env", "WRONG", f.at("phrase.gpk"), out}, exitFailed, "authentication failed"},
		{"key for a passphrase container", []string{"unpack", "-key-file", f.key, f.at("phrase.gpk"), out}, exitFailed, "sealed with a passphrase, not a key file"},
		{"key for plain container", []string{"unpack", "-key-file", f.key, f.at("text.gpk"), out}, exitFailed, "not encrypted (leave out -key-file and -passphrase-env)"},
		{"unpack needs a name", []string{"unpack", f.at("plain"), f.dir}, exitFailed, "does not end in .gpk"},
		{"directory to stdout", []string{"pack", f.dir, "-"}, exitFailed, "cannot go to standard output"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, t.Context(), nil, vars, c.args...)
			assert.Equal(t, c.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, c.want)
			assert.NotContains(t, r.stderr, "panic")
			assert.NotContains(t, r.stderr, "goroutine ")
			if c.code == exitFailed {
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
			}
			assert.NoFileExists(t, out, "no output, not even a partial one")
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r := cli(t, t.Context(), nil, nil, args...)
		assert.Equal(t, exitOK, r.code)
		assert.Contains(t, r.stdout, "usage: pipeline COMMAND")
		assert.Contains(t, r.stdout, "Exit codes")
		for _, c := range commands {
			assert.Contains(t, r.stdout, c.summary)
		}
	}
	for _, args := range [][]string{{"help", "pack"}, {"pack", "-h"}} {
		r := cli(t, t.Context(), nil, nil, args...)
		assert.Equal(t, exitOK, r.code)
		assert.Contains(t, r.stdout, "usage: pipeline pack [flags] SRC... DST")
		assert.Contains(t, r.stdout, "-passphrase-env NAME")
		assert.Empty(t, r.stderr)
	}
}

func TestRoundTripFile(t *testing.T) {
	f := newFixture(t)
	restored := f.at("restored.txt")
	r := cli(t, t.Context(), nil, nil, "unpack", f.at("text.gpk"), restored)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `^pipeline: unpacked 1 file, [0-9.]+ KiB -> 200.0 KiB in .*, [0-9.]+ MB/s, peak RSS [0-9.]+ MiB\n$`, r.stderr)
	got, err := os.ReadFile(restored)
	require.NoError(t, err)
	assert.Equal(t, f.text, got)
}

// With -chunk-target the chunks are sized as the file goes, under -chunk:
// the container unpacks to the input and no frame exceeds the cap.
func TestRoundTripAdaptiveChunks(t *testing.T) {
	f := newFixture(t)
	packed, restored := f.at("adaptive.gpk"), f.at("adaptive.txt")
	r := cli(t, t.Context(), nil, nil, "pack", "-q", "-chunk", "64KiB", "-chunk-target", "100us", f.at("text.txt"), packed)
	require.Equal(t, exitOK, r.code, r.stderr)
	container, err := os.Open(packed)
	require.NoError(t, err)
	defer container.Close()
	sizes, err := oracle.Schedule(container)
	require.NoError(t, err)
	for i, n := range sizes {
		assert.LessOrEqual(t, n, 64<<10, "frame %d", i)
	}
	r = cli(t, t.Context(), nil, nil, "unpack", "-q", packed, restored)
	require.Equal(t, exitOK, r.code, r.stderr)
	got, err := os.ReadFile(restored)
	require.NoError(t, err)
	assert.Equal(t, f.text, got)
}

func TestRoundTripEncrypted(t *testing.T) {
	f := newFixture(t)
	vars := map[string]string{"PASS": "correct horse"}
	for _, c := range []struct{ container, flag, value string }{
		{"secret.gpk", "-key-file", f.key},
		{"phrase.gpk", "-passphrase-env", "PASS"},
	} {
		restored := filepath.Join(t.TempDir(), "restored")
		r := cli(t, t.Context(), nil, vars, "unpack", "-q", c.flag, c.value, f.at(c.container), restored)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Empty(t, r.stderr, "-q prints nothing on success")
		got, err := os.ReadFile(restored)
		require.NoError(t, err)
		assert.Equal(t, f.text, got)
		r = cli(t, t.Context(), nil, vars, "verify", c.flag, c.value, f.at(c.container))
		require.Equal(t, exitOK, r.code, r.stderr)
	}
}

func TestStdinStdout(t *testing.T) {
	data := workload.Bytes(workload.Mixed, 300<<10, 9)
	packed := cli(t, t.Context(), bytes.NewReader(data), nil, "pack", "-chunk", "32KiB", "-", "-")
	require.Equal(t, exitOK, packed.code, packed.stderr)
	assert.Contains(t, packed.stderr, "packed 1 file, 300.0 KiB", "the summary goes to stderr, never into the data")

	unpacked := cli(t, t.Context(), strings.NewReader(packed.stdout), nil, "unpack", "-q", "-", "-")
	require.Equal(t, exitOK, unpacked.code, unpacked.stderr)
	assert.Equal(t, data, []byte(unpacked.stdout))

	verified := cli(t, t.Context(), strings.NewReader(packed.stdout), nil, "verify", "-")
	require.Equal(t, exitOK, verified.code, verified.stderr)
	assert.Contains(t, verified.stderr, "verified 1 file")
}

// TestDirectoryRoundTrip packs a tree with a symbolic link in it, which is
// skipped and reported, unpacks it, and gets every file back; a second
// pack refuses to overwrite, and -force replaces.
func TestDirectoryRoundTrip(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	corpus := workload.Corpus(4, 150<<10, 20, 40<<10)
	require.NoError(t, workload.WriteFiles(src, corpus))
	require.NoError(t, os.Symlink("huge.bin", filepath.Join(src, "link.bin")))
	packed, restored := filepath.Join(base, "packed"), filepath.Join(base, "restored")

	r := cli(t, t.Context(), nil, nil, "pack", "-chunk", "16KiB", "-workers", "2", "-mem", "8MiB", src, packed)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "pipeline: skipping "+filepath.Join(src, "link.bin")+": symbolic link (not followed)")
	assert.Contains(t, r.stderr, "packed 21 files")

	r = cli(t, t.Context(), nil, nil, "verify", packed)
	require.Equal(t, exitOK, r.code, r.stderr)
	r = cli(t, t.Context(), nil, nil, "unpack", "-q", packed, restored)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, file := range corpus {
		want, err := io.ReadAll(file.Open())
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(restored, filepath.FromSlash(file.Name)))
		require.NoError(t, err)
		require.Equal(t, want, got, file.Name)
	}

	r = cli(t, t.Context(), nil, nil, "pack", "-chunk", "16KiB", src, packed)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "already exists (use -force to replace it)")
	assert.Contains(t, r.stderr, "pipeline: 21 of 21 files failed")
	r = cli(t, t.Context(), nil, nil, "pack", "-q", "-force", "-chunk", "16KiB", src, packed)
	assert.Equal(t, exitOK, r.code, r.stderr)
}

// TestOneBadFileAmongMany: the other files are unpacked, the bad one is
// reported and leaves nothing, and the exit code says something failed.
func TestOneBadFileAmongMany(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	for name, from := range map[string]string{"a.gpk": "text.gpk", "b.gpk": "damaged.gpk", "c.gpk": "text.gpk"} {
		b, err := os.ReadFile(f.at(from))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	out := t.TempDir()
	r := cli(t, t.Context(), nil, nil, "unpack", dir, out)
	assert.Equal(t, exitFailed, r.code)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	require.Len(t, lines, 2, r.stderr)
	assert.Contains(t, lines[0], "pipeline: unpack "+filepath.Join(dir, "b.gpk")+": frame 5 at offset")
	assert.Equal(t, "pipeline: 1 of 3 files failed", lines[1])
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 2, "only the good files' outputs, and no temporary file")
	for _, name := range []string{"a", "c"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		assert.Equal(t, f.text, got)
	}
}

// TestCancel cancels run's context while it is reading its input: it
// exits with 130, says so once, leaves neither the output nor a
// temporary file, and (TestMain checks) no goroutine.
func TestCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	in := &pipetest.CancelingReader{R: pipetest.Endless(1), After: 512 << 10, Grace: 2 << 20, Cancel: cancel}

	r := cli(t, ctx, in, nil, "pack", "-chunk", "16KiB", "-level", "1", "-", filepath.Join(dir, "out.gpk"))

	assert.Equal(t, exitInterrupted, r.code, r.stderr)
	assert.Equal(t, "pipeline: interrupted: 0 of 1 files done, no partial output left\n", r.stderr)
	assert.False(t, in.Overran.Load(), "stopped reading soon after the cancellation")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestCancelBeforeStart(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out := filepath.Join(t.TempDir(), "out")
	r := cli(t, ctx, nil, nil, "unpack", f.at("text.gpk"), out)
	assert.Equal(t, exitInterrupted, r.code)
	assert.NoFileExists(t, out)

	r = cli(t, ctx, nil, nil, "demo", "-size", "100KiB", "-files", "3")
	assert.Equal(t, exitInterrupted, r.code)
	assert.Equal(t, "pipeline: interrupted: 0 of 4 files done, no partial output left\n", r.stderr)
	assert.NoDirExists(t, demoDir(r.stdout), "the demo cleans up when interrupted too")
}

// demoDir is the temporary directory the demo's first line names.
func demoDir(stdout string) string {
	return strings.Fields(strings.SplitN(stdout, " in ", 2)[1])[0]
}

// TestEmptyFile: an empty input makes a container with no frames, and
// comes back empty.
func TestEmptyFile(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	require.NoError(t, os.WriteFile(at("empty"), nil, 0o600))
	for _, args := range [][]string{{"pack", at("empty"), at("empty.gpk")}, {"unpack", at("empty.gpk"), at("restored")}} {
		r := cli(t, t.Context(), nil, nil, args...)
		require.Equal(t, exitOK, r.code, r.stderr)
	}
	info, err := os.Stat(at("restored"))
	require.NoError(t, err)
	assert.Zero(t, info.Size())
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the input's permission bits carry over")
}

func TestDemo(t *testing.T) {
	r := cli(t, t.Context(), nil, nil, "demo", "-size", "300KiB", "-files", "6", "-chunk", "32KiB", "-encrypt")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, want := range []string{
		"demo: 7 files",
		"packed 7 files",
		"verified 7 files",
		"unpacked 7 files",
		"every restored file matches its original (SHA-256 of all 7 files)",
		"encode      p50",
		"tokens      cpu 0/",
		"peak RSS",
	} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NoDirExists(t, demoDir(r.stdout), "the demo cleans up")
}

// TestMetricsServer scrapes /metrics and the profiler while a run is
// live: the serving hook is called after the server is up and before any
// work starts.
func TestMetricsServer(t *testing.T) {
	f := newFixture(t)
	var metrics, pprof string
	scrape := func(url string) string {
		resp, err := http.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, url)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	var stderr bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, lookup: os.LookupEnv,
		serving: func(addr string) {
			metrics = scrape("http://" + addr + "/metrics")
			pprof = scrape("http://" + addr + "/debug/pprof/")
		}}
	code := runEnv(t.Context(), []string{"verify", "-metrics", "127.0.0.1:0", f.at("text.gpk")}, e)
	require.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, metrics, "pipeline_governor_tokens_limit")
	assert.Contains(t, pprof, "goroutine")
	assert.Regexp(t, `serving http://127\.0\.0\.1:\d+/metrics`, stderr.String())
	http.DefaultClient.CloseIdleConnections()
}

func TestMetricsAddressInUse(t *testing.T) {
	f := newFixture(t)
	r := cli(t, t.Context(), nil, nil, "verify", "-metrics", "256.0.0.1:1", f.at("text.gpk"))
	assert.Equal(t, exitUsage, r.code, "nothing was done: the flag is the fix")
	assert.Contains(t, r.stderr, "pipeline verify: -metrics: listen tcp")
}

func TestTraceAndProgress(t *testing.T) {
	f := newFixture(t)
	trace := filepath.Join(t.TempDir(), "trace.out")
	r := cli(t, t.Context(), nil, nil, "verify", "-trace", trace, "-progress", "-stats", f.at("text.gpk"))
	require.Equal(t, exitOK, r.code, r.stderr)
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte("go 1.")), "a runtime/trace file")
	assert.Contains(t, r.stderr, "\rverify 1/1 files", "the progress line, drawn at the end at least")
	assert.Contains(t, r.stderr, "buffers     0 B in use", "-stats prints the metrics summary")
}

// fullDisk accepts limit bytes, then fails as a full disk does.
type fullDisk struct{ limit int }

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.limit {
		n := d.limit
		d.limit = 0
		return n, syscall.ENOSPC
	}
	d.limit -= len(p)
	return len(p), nil
}

// TestFullDisk: the output runs out of room half way; the error says so
// in one line, naming the input and where it stopped.
func TestFullDisk(t *testing.T) {
	data := workload.Bytes(workload.Random, 400<<10, 2)
	var stderr bytes.Buffer
	e := env{stdin: bytes.NewReader(data), stdout: &fullDisk{limit: 100 << 10}, stderr: &stderr, lookup: os.LookupEnv}
	code := runEnv(t.Context(), []string{"pack", "-chunk", "16KiB", "-", "-"}, e)
	assert.Equal(t, exitFailed, code)
	assert.Regexp(t, `^pipeline: pack stdin: write frame \d+: writing frame at offset \d+: no space left on device\n$`, stderr.String())
}
