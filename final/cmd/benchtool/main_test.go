package main

import (
	"bytes"
	"os"
	"path/filepath"
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

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"zip"}, {"gen", "1KiB"}, {"gen", "lots", "f"}, {"gen", "-kind", "x", "1", "f"}, {"oracle"}, {"oracle", "pack", "a"}, {"oracle", "pack", "/no/such/file", "b"}} {
		assert.Error(t, run(t.Context(), args), "%q", args)
	}
}
