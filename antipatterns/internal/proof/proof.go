// Package proof runs broken code where its failure cannot hurt: in a child
// process (a deadlock, a fatal error, a panic in a goroutine, a race
// report), in a module of its own under testdata (old language semantics,
// code vet rejects), or under the race detector. Every antipattern's tests
// use it, so each failure is shown the same way and no broken code can hang
// or crash the test run.
package proof

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"packcourse/antipatterns/internal/pipeline"
)

// Environment variables that tell a re-executed test binary what to do.
const (
	childEnv = "ANTIPATTERN_CHILD" // the name of the helper test to run
	// ShowEnv, set to 1, makes each package's TestShowBroken and
	// TestShowFixed print what the broken and fixed versions do. The
	// course antipattern command sets it.
	ShowEnv = "ANTIPATTERN_SHOW"
)

// limit is how long a child may run before it is killed. Children finish in
// milliseconds; the limit only guarantees that a mistake in a test cannot
// hang the run. Nothing asserts on time.
const limit = time.Minute

// Main runs a package's tests and then fails the run if any goroutine
// leaked (goleak.VerifyTestMain). It also removes the race-enabled test
// binary RunRace may have built.
func Main(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if raceDir != "" {
			os.RemoveAll(raceDir)
		}
		os.Exit(code)
	}))
}

// Child skips the calling helper test unless this process was started by
// Run to run exactly it. Helper tests hold the broken code that must not
// run in the test process itself; they start with proof.Child(t).
func Child(t *testing.T) {
	t.Helper()
	if os.Getenv(childEnv) != t.Name() {
		t.Skip("helper: runs only in a child process started by proof.Run")
	}
}

// Run re-executes this test binary to run only the helper test named
// helper, with env (KEY=value) added to its environment, and returns
// everything the child printed. The child runs with
// -test.timeout=0: a pending timeout timer would count as a way out, and
// the runtime would never see that all goroutines are asleep.
func Run(t *testing.T, helper string, env ...string) string {
	t.Helper()
	return runChild(t, os.Args[0], helper, env)
}

// RunRace is Run with the race detector compiled into the child: this very
// binary when the tests run with -race (as CI runs them), else a copy built
// once per run with go test -race -c. Without cgo there is no race
// detector, and the calling test is skipped with a message saying so.
func RunRace(t *testing.T, helper string, env ...string) string {
	t.Helper()
	if RaceEnabled {
		return Run(t, helper, env...)
	}
	bin, err := raceBinary()
	if err != nil {
		t.Skipf("no race detector here (%v): this check only runs where cgo works, as it does in CI", err)
	}
	return runChild(t, bin, helper, env)
}

// RunPlain is Run for a child that must not have the race detector: one
// that should deadlock on a mutex (the runtime reports "all goroutines are
// asleep" only in a binary without cgo, and the race detector needs cgo),
// or one whose map-write check must run at full speed. Under -race the
// child is a copy of these tests built once per run without -race and
// with CGO_ENABLED=0.
func RunPlain(t *testing.T, helper string, env ...string) string {
	t.Helper()
	if !RaceEnabled {
		return Run(t, helper, env...)
	}
	bin, err := plainBinary()
	if err != nil {
		t.Fatal(err)
	}
	return runChild(t, bin, helper, env)
}

var (
	plainOnce sync.Once
	plainBin  string
	plainErr  error
)

// plainBinary builds this package's tests without -race and cgo, once.
func plainBinary() (string, error) {
	plainOnce.Do(func() {
		dir, err := workDir()
		if err != nil {
			plainErr = err
			return
		}
		plainBin = filepath.Join(dir, "plain.test")
		out, err := goCmd(".", []string{"CGO_ENABLED=0"}, "test", "-c", "-o", plainBin, ".")
		if err != nil {
			plainErr = fmt.Errorf("go test -c: %v: %s", err, out)
		}
	})
	return plainBin, plainErr
}

func runChild(t *testing.T, bin, helper string, env []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^"+helper+"$", "-test.count=1", "-test.timeout=0", "-test.v")
	// GOMAXPROCS=2 so two goroutines really run at once even on one core:
	// a concurrent map write is only caught while both writers are inside
	// the map.
	// atexit_sleep_ms=0: a race-enabled binary otherwise waits a second
	// before exiting, for reports from other threads; the child's
	// reports are all written by then.
	cmd.Env = append(os.Environ(), childEnv+"="+helper, "GOMAXPROCS=2", "GOTRACEBACK=all", "GORACE=atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("child %s ran longer than %v and was killed:\n%s", helper, limit, out)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("child %s: %v", helper, err)
	}
	if err != nil {
		// How the child ended is part of the lesson: "exit status 2"
		// after a fatal error, "signal: interrupt" after Ctrl-C.
		out = fmt.Appendf(out, "\n(child process: %v)\n", err)
	}
	return string(out)
}

var (
	dirOnce  sync.Once
	raceDir  string // holds what this process builds; Main removes it
	dirErr   error
	raceOnce sync.Once
	raceBin  string
	raceErr  error
)

// workDir returns a temporary directory for this process's builds.
func workDir() (string, error) {
	dirOnce.Do(func() { raceDir, dirErr = os.MkdirTemp("", "antipattern-") })
	return raceDir, dirErr
}

// raceBinary builds this package's tests with -race, once per run.
func raceBinary() (string, error) {
	raceOnce.Do(func() {
		dir, err := workDir()
		if err != nil {
			raceErr = err
			return
		}
		raceBin = filepath.Join(dir, "race.test")
		out, err := Go(".", "test", "-race", "-c", "-o", raceBin, ".")
		if err != nil {
			raceErr = fmt.Errorf("go test -race -c: %v: %s", err, firstLine(out))
		}
	})
	return raceBin, raceErr
}

// Go runs the go command in dir, off the network and with the local
// toolchain only (a module under testdata that says go 1.21 must be built
// by this Go with 1.21's semantics, not by a downloaded go1.21), and
// returns its combined output. A dir under testdata is taken for a module
// of its own, outside the workspace. A non-zero exit is returned as the error.
func Go(dir string, args ...string) (string, error) {
	return goCmd(dir, nil, args...)
}

func goCmd(dir string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOPROXY=off")
	if strings.HasPrefix(filepath.Clean(dir), "testdata") {
		// A module of its own, which the workspace does not list and
		// which has no go.sum: it needs only the standard library.
		cmd.Env = append(cmd.Env, "GOWORK=off", "GOFLAGS=-mod=mod")
	}
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("go %s: killed after %v", strings.Join(args, " "), limit)
	}
	return out.String(), err
}

var (
	onceMu  sync.Mutex
	results = map[string]*onceResult{}
)

type onceResult struct {
	once sync.Once
	out  string
	err  error
}

// GoOnce is Go, run once per test process for each dir and arguments: with
// -count=20 the module under testdata is built or vetted once and the
// twenty runs assert on the same output. Its source does not change during
// a run, so neither would the output.
func GoOnce(dir string, args ...string) (string, error) {
	key := dir + "\x00" + strings.Join(args, "\x00")
	onceMu.Lock()
	r := results[key]
	if r == nil {
		r = &onceResult{}
		results[key] = r
	}
	onceMu.Unlock()
	r.once.Do(func() { r.out, r.err = Go(dir, args...) })
	return r.out, r.err
}

// Build builds the main package of the module in dir (under testdata) once
// per test process and returns the path of the program.
func Build(t *testing.T, dir string) string {
	t.Helper()
	tmp, err := workDir()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, strings.ReplaceAll(filepath.Clean(dir), string(filepath.Separator), "_"))
	if out, err := GoOnce(dir, "build", "-o", bin, "."); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, out)
	}
	return bin
}

// BuildAndRun builds the program in dir (under testdata) once per test
// process, runs it, and returns its output; it fails t if the program
// fails.
func BuildAndRun(t *testing.T, dir string) string {
	t.Helper()
	out, err := Exec(t, Build(t, dir))
	if err != nil {
		t.Fatalf("%s: %v\n%s", dir, err, out)
	}
	return out
}

// Exec runs a program built by Build and returns its combined output and
// how it exited.
func Exec(t *testing.T, bin string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s ran longer than %v and was killed", bin, limit)
	}
	return string(out), err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// Contains fails the test unless out contains every one of want; the
// message shows the whole output, which is the failure being taught.
func Contains(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("output does not contain %q; the whole output:\n%s", w, out)
		}
	}
}

// Lacks fails the test if out contains any of unwanted.
func Lacks(t *testing.T, out string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(out, w) {
			t.Fatalf("output contains %q; the whole output:\n%s", w, out)
		}
	}
}

// Show skips the calling test unless ANTIPATTERN_SHOW=1, and otherwise
// prints a heading. TestShowBroken and TestShowFixed use it: they exist to
// be run by go run ./tools/cmd/course antipattern NAME.
func Show(t *testing.T, heading string) {
	t.Helper()
	if os.Getenv(ShowEnv) != "1" {
		t.Skipf("set %s=1 to see this (go run ./tools/cmd/course antipattern NAME does)", ShowEnv)
	}
	fmt.Printf("\n===== %s =====\n\n", heading)
}

// Print prints a child's output or any other report verbatim, for Show.
func Print(s string) {
	fmt.Println(strings.TrimRight(s, "\n"))
}

// PackInBubble packs four chunks of input with packer inside a synctest
// bubble, where a channel operation or WaitGroup.Wait that can never
// finish blocks durably, so a deadlock is reported at once instead of
// waited out. It fails t unless the container is the sequential
// reference's, and returns it.
func PackInBubble(t *testing.T, chunkSize int, packer func([]pipeline.Chunk) []pipeline.Frame) []byte {
	data := pipeline.Input(4*chunkSize, 6)
	var out []byte
	synctest.Test(t, func(t *testing.T) {
		for _, f := range packer(pipeline.Split(data, chunkSize)) {
			out = append(out, f.Encode()...)
		}
	})
	if !bytes.Equal(out, pipeline.Pack(data, chunkSize)) {
		t.Fatal("output differs from the sequential reference")
	}
	return out
}
