package grade

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Options says what to grade and how.
type Options struct {
	Root   string // the repository root, holding go.work
	Dir    string // the package to grade, relative to Root
	Hidden string // the directory of hidden *_test.go files, relative to Root

	// Replace swaps files of the package for others while grading, by
	// path relative to Root: file to replace -> file with its new content.
	// The self-check uses it to grade known-wrong answers.
	Replace map[string]string

	Race  bool // run with -race
	Count int  // run each test this many times (-count); 1 if 0
	// Timeout is how long one run of one test may take before the grader
	// takes it for stuck and explains where; DefaultTimeout if 0. With
	// Count above 1 the test gets Count times as long.
	Timeout time.Duration
	Go      string // the go command; "go" if empty

	// Only, if set, grades only the hidden tests it names.
	Only []string

	// OnTest, if set, is called with each test's verdict as soon as it
	// has one, in order.
	OnTest func(TestResult)
}

// DefaultTimeout is how long one run of one hidden test may take. The
// hidden tests take well under a second each, even with the race detector
// on a loaded machine; one that takes this long is stuck, and the learner
// should hear where within seconds, not after minutes.
const DefaultTimeout = 5 * time.Second

// Outcome is a hidden test's verdict.
type Outcome int

const (
	Passed Outcome = iota
	Failed
	NotRun // the test never got to run: the package did not build, or every binary died before it
)

// A TestResult is one hidden test's verdict.
type TestResult struct {
	Name    string
	Outcome Outcome
	Reason  string   // one line saying why, unless it passed
	Output  []string // every line the test printed, subtests included
}

// A Result is the verdict on a whole package.
type Result struct {
	Tests []TestResult // in the order the hidden files declare them
	// BuildErrors holds the compiler's complaints, one per line, if the
	// package and its hidden tests did not compile; Tests is then empty.
	BuildErrors []string
}

// PassedCount returns how many tests passed.
func (r Result) PassedCount() int {
	n := 0
	for _, t := range r.Tests {
		if t.Outcome == Passed {
			n++
		}
	}
	return n
}

// AllPassed reports whether the package built and every test passed.
func (r Result) AllPassed() bool {
	return len(r.BuildErrors) == 0 && len(r.Tests) > 0 && r.PassedCount() == len(r.Tests)
}

// Run grades the package o.Dir with the hidden tests in o.Hidden. It
// returns an error only if grading itself failed (no go command, no hidden
// tests); a package that fails to build or fails its tests is a Result.
//
// The package is compiled once, then each hidden test runs on its own in
// that binary, with a timeout of its own: a test that deadlocks or hangs is
// stopped after o.Timeout (times o.Count) and its goroutine dump explained,
// and no test can take another down with it.
func Run(ctx context.Context, o Options) (Result, error) {
	hiddenFiles, names, err := HiddenTests(filepath.Join(o.Root, filepath.FromSlash(o.Hidden)))
	if err != nil {
		return Result{}, err
	}
	tmp, err := os.MkdirTemp("", "course-grade-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(tmp)
	overlay, err := writeOverlay(tmp, o.abs(o.Dir), hiddenFiles, o.absReplace())
	if err != nil {
		return Result{}, err
	}
	bin := filepath.Join(tmp, "hidden.test")
	built, err := o.build(ctx, overlay, bin)
	if err != nil {
		return Result{}, err
	}
	if built.buildFailed {
		return Result{BuildErrors: built.buildErrors(o.Dir)}, nil
	}

	var res Result
	for _, name := range names {
		if o.Only != nil && !slices.Contains(o.Only, name) {
			continue
		}
		r, err := o.runTest(ctx, bin, name)
		if err != nil {
			return Result{}, err
		}
		v := r.verdict(name, o.Dir)
		if o.OnTest != nil {
			o.OnTest(v)
		}
		res.Tests = append(res.Tests, v)
	}
	return res, nil
}

// build compiles the package with its hidden tests into the test binary
// bin. A failed build is not an error: the round it returns says so.
func (o Options) build(ctx context.Context, overlay, bin string) (*round, error) {
	args := []string{"test", "-c", "-json", "-vet=off", "-overlay=" + overlay, "-o", bin}
	if o.Race {
		args = append(args, "-race")
	}
	args = append(args, "./"+filepath.ToSlash(o.Dir))
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, o.goCmd(), args...)
	cmd.Dir = o.Root
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r, err := parseRound(&stdout)
	if err != nil {
		return nil, err
	}
	if runErr != nil && !r.buildFailed {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return nil, fmt.Errorf("go test -c: %s", firstLine(msg))
	}
	return r, nil
}

// runTest runs one test in the compiled binary, through go tool test2json
// so that its events read like go test -json's. The binary's own -timeout
// is the watchdog: when it fires, the test panics with every goroutine's
// stack, which explain reads to say where the code is stuck. The grader
// kills the binary itself if even that does not end it.
func (o Options) runTest(ctx context.Context, bin, name string) (*round, error) {
	limit := o.timeout() * time.Duration(max(o.Count, 1))
	ctx, cancel := context.WithTimeout(ctx, limit+30*time.Second)
	defer cancel()
	args := []string{"tool", "test2json", "-t", "-p", path.Base(filepath.ToSlash(o.Dir)), bin,
		"-test.v=test2json",
		"-test.run=^" + regexp.QuoteMeta(name) + "$",
		fmt.Sprintf("-test.count=%d", max(o.Count, 1)),
		"-test.timeout=" + limit.String(),
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, o.goCmd(), args...)
	// go test runs a test binary in its package's directory: so does this.
	cmd.Dir = o.abs(o.Dir)
	// The race detector waits a second before a binary exits, by default;
	// a binary per test makes that the grader's main cost.
	cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err // interrupted, not timed out
	}
	r, err := parseRound(&stdout)
	if err != nil {
		return nil, err
	}
	if runErr != nil && r.empty() {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return nil, fmt.Errorf("running %s: %s", name, firstLine(msg))
	}
	return r, nil
}

func (o Options) goCmd() string {
	if o.Go == "" {
		return "go"
	}
	return o.Go
}

func (o Options) timeout() time.Duration {
	if o.Timeout == 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

func (o Options) abs(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(o.Root, filepath.FromSlash(rel))
}

func (o Options) absReplace() map[string]string {
	m := map[string]string{}
	for dst, src := range o.Replace {
		m[o.abs(dst)] = o.abs(src)
	}
	return m
}

// buildErrors returns the compiler's complaints without go's "# package"
// headers, paths shortened to the file name where they are in dir.
func (r *round) buildErrors(dir string) []string {
	// "exercises/ordered/ordered.go:12:3:", or an absolute form of it,
	// becomes "ordered.go:12:3:".
	inDir := regexp.MustCompile(`(?:\S*/)?` + regexp.QuoteMeta(filepath.ToSlash(dir)) + `/`)
	var lines []string
	for _, l := range r.buildOutput {
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		lines = append(lines, inDir.ReplaceAllString(l, ""))
	}
	if len(lines) == 0 {
		lines = []string{"the package did not build (no compiler output)"}
	}
	return lines
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
