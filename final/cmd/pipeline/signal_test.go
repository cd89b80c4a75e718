package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/lessons/00-the-job/pipetest"
)

// TestInterruptBinary builds the command, starts it packing an endless
// standard input into a file, sends it a signal, and checks what a user
// pressing Ctrl-C gets: exit code 130, one line saying so, and nothing in
// the output directory, not even a temporary file. SIGTERM and SIGHUP (a
// closed terminal) do the same, and so does a second signal sent right
// after the first: it must not kill the process halfway through its
// cleanup.
//
// Nothing here depends on timing. The signal is sent only once the
// command has read more than a pipe can hold, so it is running main with
// its handler installed; and input keeps coming until it exits, so it can
// only stop because of the signal.
func TestInterruptBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pipeline")
	build := exec.Command(goTool(t), "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	for _, c := range []struct {
		name    string
		signals []os.Signal
	}{
		{"SIGINT", []os.Signal{os.Interrupt}},
		{"SIGHUP", []os.Signal{syscall.SIGHUP}},
		{"SIGTERM then SIGINT", []os.Signal{syscall.SIGTERM, os.Interrupt}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, "pack", "-chunk", "64KiB", "-", filepath.Join(dir, "out.gpk"))
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())

			input := pipetest.Endless(1)
			if _, err := io.CopyN(stdin, input, 4<<20); err != nil {
				cmd.Wait() // stderr is complete once the command has exited
				t.Fatalf("the command did not read its input: %v; %s", err, stderr.String())
			}
			for _, sig := range c.signals {
				require.NoError(t, cmd.Process.Signal(sig))
			}
			var feeding sync.WaitGroup
			feeding.Go(func() { io.Copy(stdin, input) }) // ends when the command has exited

			err = cmd.Wait()
			feeding.Wait()

			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "exited with an error code: %v; %s", err, stderr.String())
			assert.Equal(t, exitInterrupted, exit.ExitCode(), "%v; %s", err, stderr.String())
			assert.Equal(t, "pipeline: interrupted: 0 of 1 files done, no partial output left\n", stderr.String())
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "no output and no temporary file")
		})
	}
}

// goTool is the go command that is running the tests.
func goTool(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("go"); err == nil {
		return path
	}
	path := filepath.Join(runtime.GOROOT(), "bin", "go")
	require.FileExists(t, path, "the go command, to build the binary")
	return path
}
