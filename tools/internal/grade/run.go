package grade

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

	Race    bool          // run with -race
	Count   int           // run each test this many times (-count); 1 if 0
	Timeout time.Duration // go test's -timeout for one binary; 1 minute if 0
	Go      string        // the go command; "go" if empty
}

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

	verdicts := map[string]TestResult{}
	remaining := names
	// Each round runs the tests still without a verdict in a new binary.
	// A round that gives none a verdict ends the loop, so it terminates.
	for len(remaining) > 0 {
		r, err := o.runRound(ctx, overlay, remaining)
		if err != nil {
			return Result{}, err
		}
		if r.buildFailed {
			return Result{BuildErrors: r.buildErrors(o.Dir)}, nil
		}
		var next []string
		for _, name := range remaining {
			if v, ok := r.verdict(name, o.Dir); ok {
				verdicts[name] = v
			} else {
				next = append(next, name)
			}
		}
		if len(next) == len(remaining) {
			why := "the test binary stopped before this test started: " + explain(r.pkgOutput, o.Dir)
			for _, name := range next {
				verdicts[name] = TestResult{Name: name, Outcome: NotRun, Reason: why, Output: r.pkgOutput}
			}
			break
		}
		remaining = next
	}

	var res Result
	for _, name := range names {
		res.Tests = append(res.Tests, verdicts[name])
	}
	return res, nil
}

// runRound runs the named tests once through go test -json.
func (o Options) runRound(ctx context.Context, overlay string, names []string) (*round, error) {
	args := []string{"test", "-json", "-vet=off",
		"-overlay=" + overlay,
		fmt.Sprintf("-count=%d", max(o.Count, 1)),
		"-timeout=" + o.timeout().String(),
		"-run=^(" + strings.Join(names, "|") + ")$",
	}
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
	// go test exits 1 when tests fail; that is a verdict, not a failure to
	// grade. Without a single event, though, the go command itself failed.
	if runErr != nil && r.empty() {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return nil, fmt.Errorf("go test: %s", firstLine(msg))
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
		return time.Minute
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
