package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"packcourse/core/workload"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestGenAndOracle: gen writes the generator's bytes, and the oracle's
// pack and unpack round trip them.
func TestGenAndOracle(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	require.NoError(t, run(t.Context(), []string{"gen", "-kind", "logs", "-seed", "3", "100KiB", at("in")}))
	require.NoError(t, run(t.Context(), []string{"oracle", "pack", "-level", "1", "-chunk", "16KiB", at("in"), at("in.gpk")}))
	require.NoError(t, run(t.Context(), []string{"oracle", "unpack", at("in.gpk"), at("sub/out")}))

	want := workload.Bytes(workload.Logs, 100<<10, 3)
	for _, name := range []string{"in", "sub/out"} {
		got, err := os.ReadFile(at(name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), name)
	}
}

// TestRepeat: repeat unpacks the container into DST as many times as it is
// asked, each time whole, and says what each run cost.
func TestRepeat(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	require.NoError(t, run(t.Context(), []string{"gen", "-kind", "mixed", "300KiB", at("in")}))
	require.NoError(t, run(t.Context(), []string{"oracle", "pack", "-codec", "zstd", "-chunk", "64KiB", at("in"), at("in.gpk")}))
	require.NoError(t, os.WriteFile(at("out"), bytes.Repeat([]byte("x"), 1<<20), 0o644)) // longer than the output: must be replaced whole

	var lines []string
	for i := range 3 {
		line, err := unpackOnce(t.Context(), newRepeatEngine(1), at("in.gpk"), at("out"))
		require.NoError(t, err, "run %d", i)
		lines = append(lines, line)
		in, _ := os.ReadFile(at("in"))
		out, _ := os.ReadFile(at("out"))
		assert.True(t, bytes.Equal(in, out), "run %d restores the input exactly", i)
	}
	for _, line := range lines {
		assert.Regexp(t, `^wall \S+, cpu \S+ \(system \S+\), \d+ page faults, \d+ GCs$`, line)
	}
	require.NoError(t, run(t.Context(), []string{"repeat", "-runs", "2", "-workers", "2", at("in.gpk"), at("out")}))
}

// TestOracleCodec: -codec zstd writes a zstd container, whose header the
// unpacker reads to restore the input.
func TestOracleCodec(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	require.NoError(t, run(t.Context(), []string{"gen", "-kind", "text", "64KiB", at("in")}))
	require.NoError(t, run(t.Context(), []string{"oracle", "pack", "-codec", "zstd", "-chunk", "16KiB", at("in"), at("z.gpk")}))
	require.NoError(t, run(t.Context(), []string{"oracle", "pack", "-chunk", "16KiB", at("in"), at("d.gpk")}))
	require.NoError(t, run(t.Context(), []string{"oracle", "unpack", at("z.gpk"), at("out")}))

	z, err := os.ReadFile(at("z.gpk"))
	require.NoError(t, err)
	d, err := os.ReadFile(at("d.gpk"))
	require.NoError(t, err)
	assert.False(t, bytes.Equal(z, d), "zstd and deflate wrote the same container")
	in, err := os.ReadFile(at("in"))
	require.NoError(t, err)
	out, err := os.ReadFile(at("out"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(in, out), "the zstd container did not restore the input")
}

// TestTree: tree writes N files, a hundred to a directory, each of a size
// between MIN and MAX, and the same tree for the same seed.
func TestTree(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, dir := range dirs {
		require.NoError(t, run(t.Context(), []string{"tree", "-kind", "logs", "-seed", "7", "250", "1KiB", "4KiB", dir}))
	}
	var files int
	err := filepath.WalkDir(dirs[0], func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, len(got), 1<<10, path)
		assert.LessOrEqual(t, len(got), 4<<10, path)
		twin, err := os.ReadFile(filepath.Join(dirs[1], strings.TrimPrefix(path, dirs[0])))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(got, twin), "%s differs between two runs with one seed", path)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 250, files)
	entries, err := os.ReadDir(dirs[0])
	require.NoError(t, err)
	assert.Len(t, entries, 3, "250 files, a hundred to a directory")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"zip"}, {"gen", "1KiB"}, {"gen", "lots", "f"}, {"gen", "-kind", "x", "1", "f"}, {"oracle"}, {"oracle", "pack", "a"}, {"oracle", "pack", "/no/such/file", "b"}, {"oracle", "pack", "-codec", "lz4", "a", "b"}, {"tree", "0", "1", "2", "d"}, {"tree", "3", "2KiB", "1KiB", "d"}, {"tree", "3", "1"}, {"repeat"}, {"repeat", "a"}, {"repeat", "-runs", "0", "a", "b"}, {"repeat", "-workers", "0", "a", "b"}, {"repeat", "/no/such/file", "b"}} {
		assert.Error(t, run(t.Context(), args), "%q", args)
	}
}
