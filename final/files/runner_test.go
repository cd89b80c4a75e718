package files

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/core/workload"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/final/obs"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

// chunk is the chunk size of these tests: small, so a file of a few
// hundred KiB has many chunks and the tests stay fast.
const chunk = 4 << 10

var testKey = bytes.Repeat([]byte{7}, codec.KeyLen)

// corpus writes a tree of one big file (many chunks) and n small files
// (at most two chunks each) under a new directory, and returns it and the
// files' contents by relative path.
func corpus(t *testing.T, seed uint64, n int) (string, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	files := workload.Corpus(seed, 30*chunk+123, n, 2*chunk)
	require.NoError(t, workload.WriteFiles(dir, files))
	want := map[string][]byte{}
	for _, f := range files {
		b, err := io.ReadAll(f.Open())
		require.NoError(t, err)
		want[filepath.FromSlash(f.Name)] = b
	}
	return dir, want
}

// newRunner returns a Runner with the test chunk size, two workers, and
// a governor that calls files of up to two chunks small.
func newRunner(o codec.Options) *Runner {
	return newRunnerWith(govern.Limits{CPU: 2, SmallFile: 2 * chunk}, o)
}

func newRunnerWith(l govern.Limits, o codec.Options) *Runner {
	o = testOptions(o)
	g := govern.New(l)
	return &Runner{
		Engine:  engine.New(engine.Config{Workers: 2, Governor: g, Metrics: obs.New()}),
		Options: o,
	}
}

// testOptions sets the test chunk size and the fastest level: these
// tests are about files, not compression.
func testOptions(o codec.Options) codec.Options {
	o.ChunkSize = chunk
	o.Level = 1
	return o
}

// run plans and runs op from src to dst.
func run(t *testing.T, r *Runner, op Op, src, dst string) []Result {
	t.Helper()
	p, err := MakePlan(op, []string{src}, dst)
	require.NoError(t, err)
	return r.Run(t.Context(), op, p.Jobs)
}

// readTree returns the regular files under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		got[rel] = b
		return err
	}))
	return got
}

// assertNoTemporaryFiles fails if anything under dir looks like a
// WriteAtomic temporary file.
func assertNoTemporaryFiles(t *testing.T, dir string) {
	t.Helper()
	for name := range readTree(t, dir) {
		base := filepath.Base(name)
		assert.False(t, strings.HasPrefix(base, ".") && strings.HasSuffix(base, ".tmp"), "temporary file left: %s", name)
	}
}

func requireNoErrors(t *testing.T, results []Result) {
	t.Helper()
	for _, r := range results {
		require.NoError(t, r.Err, r.Job.Name())
	}
}

func TestRunRoundTripTree(t *testing.T) {
	src, want := corpus(t, 1, 24)
	out := t.TempDir()
	packed, restored := filepath.Join(out, "packed"), filepath.Join(out, "restored")
	r := newRunner(codec.Options{})

	results := run(t, r, Pack, src, packed)
	requireNoErrors(t, results)
	requireNoErrors(t, run(t, r, Verify, packed, ""))
	requireNoErrors(t, run(t, r, Unpack, packed, restored))

	assert.Equal(t, want, readTree(t, restored))
	small := 0
	for _, res := range results {
		if r.isSmall(res.Job) {
			small++
		}
		// Small or big, every file gets exactly the oracle's container.
		got, err := os.ReadFile(res.Job.Dst)
		require.NoError(t, err)
		require.Equal(t, oraclePack(t, want[rel(t, src, res.Job.Src)], r.Options), got, res.Job.Name())
		assert.Equal(t, int64(len(got)), res.Out)
	}
	assert.Equal(t, 24, small, "every small file went by the small queue, the big one did not")
	assertNoTemporaryFiles(t, out)
	s := r.governor().Stats()
	assert.Zero(t, s.BytesInUse, "every byte given back")
	assert.Zero(t, s.CPUInUse, "every token given back")
}

// oraclePack is the container the oracle makes of data.
func oraclePack(t *testing.T, data []byte, o codec.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, oracle.Pack(t.Context(), &b, bytes.NewReader(data), o))
	return b.Bytes()
}

func rel(t *testing.T, base, path string) string {
	t.Helper()
	r, err := filepath.Rel(base, path)
	require.NoError(t, err)
	return r
}

// TestRunFailingContainerAmongMany: one damaged container in a tree, big
// or small, fails alone; the others are restored exactly, and the failed
// one leaves nothing behind, although unpacking had already written most
// of it before the damage (in its last frame) was found.
func TestRunFailingContainerAmongMany(t *testing.T) {
	for _, victim := range []string{"huge.bin", smallName(2, 3)} {
		t.Run(victim, func(t *testing.T) {
			src, want := corpus(t, 2, 8)
			out := t.TempDir()
			packed, restored := filepath.Join(out, "packed"), filepath.Join(out, "restored")
			r := newRunner(codec.Options{})
			requireNoErrors(t, run(t, r, Pack, src, packed))
			damaged := filepath.Join(packed, victim+Ext)
			flipByte(t, damaged, -format.TrailerLen-10) // inside the last frame's body

			results := run(t, r, Unpack, packed, restored)

			for _, res := range results {
				name := rel(t, packed, res.Job.Src)
				if name == victim+Ext {
					require.ErrorIs(t, res.Err, format.ErrChecksum, "or another damage kind: %v", res.Err)
					assert.NoFileExists(t, res.Job.Dst)
					continue
				}
				require.NoError(t, res.Err, name)
			}
			got := readTree(t, restored)
			delete(want, victim)
			assert.Equal(t, want, got)
			assertNoTemporaryFiles(t, out)
		})
	}
}

// TestRunLeavesNoEmptyDirectory: the directories a run makes for outputs
// that all failed are removed, deepest first; one that holds an output
// stays, and so does a directory that was there before the run, even
// empty.
func TestRunLeavesNoEmptyDirectory(t *testing.T) {
	src := t.TempDir()
	for _, name := range []string{"keep/one.txt", "lost/deep/two.txt"} {
		path := filepath.Join(src, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(name), 0o644))
	}
	out := t.TempDir()
	packed := filepath.Join(out, "packed")
	r := newRunner(codec.Options{})
	requireNoErrors(t, run(t, r, Pack, src, packed))
	flipByte(t, filepath.Join(packed, "lost", "deep", "two.txt"+Ext), -format.TrailerLen-1)

	restored := filepath.Join(out, "restored")
	results := run(t, r, Unpack, packed, restored)
	require.Len(t, results, 2)
	assert.FileExists(t, filepath.Join(restored, "keep", "one.txt"))
	assert.NoDirExists(t, filepath.Join(restored, "lost"), "made for an output that failed")

	existing := filepath.Join(out, "existing")
	require.NoError(t, os.Mkdir(existing, 0o755))
	for _, res := range run(t, r, Unpack, filepath.Join(packed, "lost"), existing) {
		require.Error(t, res.Err)
	}
	assert.DirExists(t, existing, "there before the run")
	assert.NoDirExists(t, filepath.Join(existing, "deep"))
}

// smallName is the name of small file i of corpus seed's tree.
func smallName(seed uint64, i int) string {
	return filepath.FromSlash(workload.Corpus(seed, 0, i, 1)[i].Name)
}

// flipByte inverts the byte at offset (from the end if negative).
func flipByte(t *testing.T, path string, offset int) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	if offset < 0 {
		offset += len(b)
	}
	b[offset] ^= 0xFF
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// TestRunFailingWriteAmongMany: a disk failure while writing one output
// (at each step of the atomic write) fails that file alone, with the step
// named; every other output is complete and correct.
func TestRunFailingWriteAmongMany(t *testing.T) {
	for _, stage := range []Stage{StageCreate, StageWrite, StageSync, StageClose, StageRename} {
		for _, victim := range []string{"huge.bin", "0003"} {
			t.Run(string(stage)+"/"+victim, func(t *testing.T) {
				src, want := corpus(t, 3, 4)
				out := t.TempDir()
				packed, restored := filepath.Join(out, "packed"), filepath.Join(out, "restored")
				r := newRunner(codec.Options{})
				r.FS = &faultFS{stage: stage, match: victim}

				results := run(t, r, Pack, src, packed)

				failed := 0
				for _, res := range results {
					if !strings.Contains(filepath.Base(res.Job.Src), victim) {
						require.NoError(t, res.Err, res.Job.Name())
						continue
					}
					failed++
					require.ErrorIs(t, res.Err, errInjected)
					assert.Contains(t, res.Err.Error(), string(stage))
					assert.Contains(t, res.Err.Error(), res.Job.Dst, "the message names the output")
					assert.NoFileExists(t, res.Job.Dst)
				}
				require.Equal(t, 1, failed)
				assertNoTemporaryFiles(t, out)

				r.FS = nil
				requireNoErrors(t, run(t, r, Unpack, packed, restored))
				for name := range want {
					if strings.Contains(name, victim) {
						delete(want, name)
					}
				}
				assert.Equal(t, want, readTree(t, restored))
			})
		}
	}
}

// TestRunFailingInputAmongMany: an input that cannot be opened fails alone.
func TestRunFailingInputAmongMany(t *testing.T) {
	src, _ := corpus(t, 4, 6)
	out := t.TempDir()
	r := newRunner(codec.Options{})
	r.FS = &faultFS{stage: stageOpen, match: "0002"}
	results := run(t, r, Pack, src, out)
	for _, res := range results {
		if strings.Contains(filepath.Base(res.Job.Src), "0002") {
			require.ErrorIs(t, res.Err, errInjected)
			assert.Contains(t, res.Err.Error(), "opening")
			assert.NoFileExists(t, res.Job.Dst)
		} else {
			require.NoError(t, res.Err)
			assert.FileExists(t, res.Job.Dst)
		}
	}
}

// TestRunCancelAtRandomPoints cancels a run after a seeded random number
// of output bytes, many times. Whenever it happens, each output is either
// complete and correct or absent, no temporary file is left, and no
// goroutine outlives the run.
func TestRunCancelAtRandomPoints(t *testing.T) {
	src, want := corpus(t, 5, 12)
	var total int64 // bytes of output a whole run writes
	for _, b := range want {
		total += int64(len(oraclePack(t, b, newRunner(codec.Options{}).Options)))
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range 8 {
		after := rng.Int64N(total)
		t.Run("", func(t *testing.T) {
			defer goleak.VerifyNone(t)
			out := t.TempDir()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			r := newRunner(codec.Options{})
			r.Files = 1 + i%4
			r.FS = &cancelFS{after: after, cancel: cancel}
			p, err := MakePlan(Pack, []string{src}, out)
			require.NoError(t, err)

			results := r.Run(ctx, Pack, p.Jobs)

			require.ErrorIs(t, ctx.Err(), context.Canceled, "cancelled after %d bytes", after)
			cancelled := 0
			for _, res := range results {
				if res.Err != nil {
					cancelled++
					require.ErrorIs(t, res.Err, context.Canceled)
					assert.NoFileExists(t, res.Job.Dst)
					continue
				}
				got, err := os.ReadFile(res.Job.Dst)
				require.NoError(t, err)
				require.Equal(t, oraclePack(t, want[rel(t, src, res.Job.Src)], r.Options), got, "a finished output is complete")
			}
			assert.Positive(t, cancelled)
			assertNoTemporaryFiles(t, out)
			s := r.governor().Stats()
			assert.Zero(t, s.BytesInUse+int64(s.CPUInUse+s.IOInUse), "everything given back")
		})
	}
}

// cancelFS calls cancel once after bytes have been written to it, counted
// over all the files of a run.
type cancelFS struct {
	OS
	after   int64
	cancel  context.CancelFunc
	written atomic.Int64
}

func (c *cancelFS) Create(name string, perm fs.FileMode) (File, error) {
	f, err := c.OS.Create(name, perm)
	if err != nil {
		return nil, err
	}
	return &cancelFile{File: f, fs: c}, nil
}

type cancelFile struct {
	File
	fs *cancelFS
}

func (c *cancelFile) Write(p []byte) (int, error) {
	n, err := c.File.Write(p)
	if c.fs.written.Add(int64(n)) >= c.fs.after {
		c.fs.cancel()
	}
	return n, err
}

func TestRunEncrypted(t *testing.T) {
	src, want := corpus(t, 6, 6)
	out := t.TempDir()
	packed := filepath.Join(out, "packed")
	r := newRunner(codec.Options{Key: testKey})
	requireNoErrors(t, run(t, r, Pack, src, packed))

	t.Run("right key", func(t *testing.T) {
		restored := filepath.Join(t.TempDir(), "restored")
		requireNoErrors(t, run(t, r, Unpack, packed, restored))
		assert.Equal(t, want, readTree(t, restored))
	})
	t.Run("wrong key", func(t *testing.T) {
		restored := filepath.Join(t.TempDir(), "restored")
		wrong := newRunner(codec.Options{Key: bytes.Repeat([]byte{8}, codec.KeyLen)})
		for _, res := range run(t, wrong, Unpack, packed, restored) {
			require.ErrorIs(t, res.Err, format.ErrAuth, res.Job.Name())
		}
		// Every file failed: not even the directories the run made are left.
		assert.NoDirExists(t, restored)
	})
	t.Run("no key", func(t *testing.T) {
		for _, res := range run(t, newRunner(codec.Options{}), Verify, packed, "") {
			require.ErrorIs(t, res.Err, format.ErrKeyRequired, res.Job.Name())
		}
	})
	t.Run("tampered", func(t *testing.T) {
		for _, victim := range []string{"huge.bin", smallName(6, 1)} {
			c := filepath.Join(t.TempDir(), "c.gpk")
			b, err := os.ReadFile(filepath.Join(packed, victim+Ext))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(c, tamperFirstFrame(b), 0o644))
			restored := filepath.Join(t.TempDir(), "c")
			results := run(t, r, Unpack, c, restored)
			require.ErrorIs(t, results[0].Err, format.ErrAuth, victim)
			assert.Contains(t, results[0].Err.Error(), "frame 0")
			assert.NoFileExists(t, restored)
		}
	})
}

// With a passphrase every file derives its key with Argon2id. A budget with
// room for one derivation beside one file's smallest buffers packs and
// unpacks a tree, never over budget, and charges the derivations: first
// small files alone (the fast path), then with a big one (the engine).
// Charged, derivations take turns instead of all running at once.
func TestRunPassphraseWithinBudget(t *testing.T) {
	for _, withHuge := range []bool{false, true} {
		t.Run(fmt.Sprintf("huge file=%v", withHuge), func(t *testing.T) {
			src, want := corpus(t, 9, 6)
			if !withHuge {
				require.NoError(t, os.Remove(filepath.Join(src, "huge.bin")))
				delete(want, "huge.bin")
			}
			o := codec.Options{Passphrase: []byte("correct horse")}
			budget := codec.KDFMemory + engine.MinBytes(engine.Pack, testOptions(o))
			r := newRunnerWith(govern.Limits{CPU: 2, Bytes: budget, SmallBytes: -1, SmallFile: 2 * chunk}, o)
			packed := filepath.Join(t.TempDir(), "packed")
			restored := filepath.Join(t.TempDir(), "restored")
			requireNoErrors(t, run(t, r, Pack, src, packed))
			requireNoErrors(t, run(t, r, Unpack, packed, restored))
			assert.Equal(t, want, readTree(t, restored))
			s := r.governor().Stats()
			assert.GreaterOrEqual(t, s.PeakBytes, int64(codec.KDFMemory), "derivations were charged")
			assert.LessOrEqual(t, s.PeakBytes, budget)
			assert.Zero(t, s.BytesInUse)
		})
	}
}

func TestRunRefusesExistingOutputs(t *testing.T) {
	src, _ := corpus(t, 7, 4)
	out := t.TempDir()
	r := newRunner(codec.Options{})
	requireNoErrors(t, run(t, r, Pack, src, out))
	old := filepath.Join(out, "huge.bin"+Ext)
	require.NoError(t, os.WriteFile(old, []byte("keep me"), 0o644))

	for _, res := range run(t, r, Pack, src, out) {
		require.ErrorIs(t, res.Err, ErrExists, res.Job.Name())
	}
	b, _ := os.ReadFile(old)
	assert.Equal(t, "keep me", string(b))

	r.Overwrite = true
	requireNoErrors(t, run(t, r, Pack, src, out))
	b, _ = os.ReadFile(old)
	assert.NotEqual(t, "keep me", string(b))
}

func TestRunStdio(t *testing.T) {
	data := workload.Bytes(workload.Mixed, 10*chunk+7, 8)
	var packed, restored bytes.Buffer
	r := newRunner(codec.Options{})
	r.Stdin, r.Stdout = bytes.NewReader(data), &packed
	job := Job{Src: Stdio, Dst: Stdio, Size: -1}
	res := r.Run(t.Context(), Pack, []Job{job})
	require.NoError(t, res[0].Err)
	assert.False(t, r.isSmall(job), "size unknown: a big file")
	assert.Equal(t, int64(len(data)), res[0].In)

	r.Stdin, r.Stdout = bytes.NewReader(packed.Bytes()), &restored
	require.NoError(t, r.Run(t.Context(), Unpack, []Job{job})[0].Err)
	assert.Equal(t, data, restored.Bytes())
}

// tamperFirstFrame changes a byte of the first frame's body and fixes up
// the CRCs, as someone altering the data on purpose would: only the AEAD
// can tell.
func tamperFirstFrame(container []byte) []byte {
	b := bytes.Clone(container)
	frames, _ := pipetest.Layout(b)
	f := b[frames[0].Start:frames[0].End]
	f[format.FrameHeaderLen+3] ^= 1
	table := crc32.MakeTable(crc32.Castagnoli)
	binary.BigEndian.PutUint32(f[13:17], crc32.Checksum(f[format.FrameHeaderLen:], table))
	binary.BigEndian.PutUint32(f[17:21], crc32.Checksum(f[:17], table))
	return b
}

// TestRunNoSync: a Runner with NoSync packs and unpacks a tree exactly as
// with syncs, and syncs nothing.
func TestRunNoSync(t *testing.T) {
	src, want := corpus(t, 2, 12)
	out := t.TempDir()
	packed, restored := filepath.Join(out, "packed"), filepath.Join(out, "restored")
	fsys := newSyncTally()
	r := newRunner(codec.Options{})
	r.FS, r.NoSync = fsys, true

	requireNoErrors(t, run(t, r, Pack, src, packed))
	requireNoErrors(t, run(t, r, Unpack, packed, restored))

	assert.Equal(t, want, readTree(t, restored))
	assertNoTemporaryFiles(t, out)
	assert.Zero(t, fsys.files.Load()+fsys.dirs.Load(), "syncs")
}
