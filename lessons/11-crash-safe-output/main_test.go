package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/lessons/11-crash-safe-output/engine"
)

// demoChildEnv, when set, makes this test binary the command itself, with
// every write of step 3 held once stallAfter files are in place: the
// child process of TestCtrlCExits130AndLeavesNothingPartial.
const demoChildEnv = "LESSON11_DEMO_CHILD"

const stallAfter = 5

func TestMain(m *testing.M) {
	if os.Getenv(demoChildEnv) != "" {
		wrapFS = func(ctx context.Context, fsys engine.FS) engine.FS { return newStallFS(ctx, fsys, stallAfter) }
		os.Exit(run())
	}
	goleak.VerifyTestMain(m)
}

// docs:region TestCtrlCExits130AndLeavesNothingPartial
// The command runs as a child process, packing its generated directory.
// Once 5 files of step 3 are in place every write is held (so the run is
// surely mid-way, with files half written), and the test sends SIGINT, as
// Ctrl-C does. The child must exit with status 130, and leave every output
// whole or absent, with some absent (it was interrupted), and no temporary
// file: its own check says so, and this test looks again.
func TestCtrlCExits130AndLeavesNothingPartial(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skipf("needs Unix processes and SIGINT; GOOS is %s", runtime.GOOS)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-out", dir, "-files", "20", "-size", "1MiB", "-chunk", "64KiB")
	cmd.Env = append(os.Environ(), demoChildEnv+"=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var printed strings.Builder
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		fmt.Fprintln(&printed, lines.Text())
		if strings.Contains(lines.Text(), "writes held") {
			break
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	printed.Write(rest)
	err = cmd.Wait()
	t.Logf("the child printed:\n%s%s", printed.String(), stderr.String())
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("the child ended with %v, want exit status %d", err, exitInterrupted)
	}
	if !strings.Contains(printed.String(), "nothing partial and no temporary file left") {
		t.Errorf("the child's own check did not pass")
	}
	whole, temps := lookAtOutputs(t, filepath.Join(dir, "packed"))
	if whole == 0 || whole >= 21 {
		t.Errorf("%d outputs in place, want some and not all 21: the run was interrupted mid-way", whole)
	}
	if len(temps) > 0 {
		t.Errorf("temporary files left: %v", temps)
	}
}

// docs:endregion TestCtrlCExits130AndLeavesNothingPartial

// lookAtOutputs counts the outputs in dir whose container is whole (they
// end in a trailer the reader accepts: Unpack checks them) and lists the
// temporary files.
func lookAtOutputs(t *testing.T, dir string) (whole int, temps []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), engine.TempPrefix) {
			temps = append(temps, e.Name())
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		err = (&engine.Engine{Workers: 1}).Unpack(context.Background(), io.Discard, f, codec.Options{})
		f.Close()
		if err != nil {
			t.Errorf("%s is partial: %v", e.Name(), err)
			continue
		}
		whole++
	}
	return whole, temps
}

// A stallFS holds every write, from the moment after files have been
// renamed into place, until ctx is done; then the write fails with ctx's
// error. It says so once on stdout, which the test waits for.
type stallFS struct {
	engine.FS
	ctx     context.Context
	after   int
	mu      sync.Mutex
	renamed int
	said    bool
}

func newStallFS(ctx context.Context, fsys engine.FS, after int) *stallFS {
	return &stallFS{FS: fsys, ctx: ctx, after: after}
}

func (s *stallFS) Rename(oldpath, newpath string, replace bool) error {
	err := s.FS.Rename(oldpath, newpath, replace)
	s.mu.Lock()
	s.renamed++
	s.mu.Unlock()
	return err
}

func (s *stallFS) CreateTemp(dir, prefix string) (engine.TempFile, error) {
	f, err := s.FS.CreateTemp(dir, prefix)
	if err != nil {
		return nil, err
	}
	return stallFile{TempFile: f, s: s}, nil
}

// hold waits for ctx if enough files are in place.
func (s *stallFS) hold() error {
	s.mu.Lock()
	stall := s.renamed >= s.after
	if stall && !s.said {
		s.said = true
		fmt.Printf("   %d in place: writes held until interrupted\n", s.renamed)
	}
	s.mu.Unlock()
	if !stall {
		return nil
	}
	<-s.ctx.Done()
	return s.ctx.Err()
}

type stallFile struct {
	engine.TempFile
	s *stallFS
}

func (f stallFile) Write(p []byte) (int, error) {
	if err := f.s.hold(); err != nil {
		return 0, err
	}
	return f.TempFile.Write(p)
}
