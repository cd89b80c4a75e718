package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"packcourse/tools/internal/course"
	"packcourse/tools/internal/linediff"
)

const diffUsage = `usage: go run ./tools/cmd/course diff A B

Diff shows what changed in the engine from lesson A to lesson B: a unified
diff of lessons/A/engine against lessons/B/engine (lesson 00's oracle
stands for its engine). Name a lesson by its number (02, or 2) or its
directory (02-bounded-fanout); "final" names the finished engine in
final/engine. The engine's code comes first, then its tests. It uses git
diff when git is installed, and a built-in diff otherwise.
`

// gitPath finds git; a variable so tests can take it away.
var gitPath = func() (string, error) { return exec.LookPath("git") }

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("diff", diffUsage, stderr)
	rootDir := rootFlag(fs)
	names, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(names) != 2 {
		return usageError(fs, stderr, "name two lessons, such as: diff 02 03")
	}
	root, err := findRoot(*rootDir)
	if err != nil {
		return failf(stderr, "diff", "%v", err)
	}
	a, err := engineDir(root, names[0])
	if err != nil {
		return failf(stderr, "diff", "%v", err)
	}
	b, err := engineDir(root, names[1])
	if err != nil {
		return failf(stderr, "diff", "%v", err)
	}
	differ, err := diffDirs(root, a, b, stdout)
	if err != nil {
		return failf(stderr, "diff", "%v", err)
	}
	if !differ {
		fmt.Fprintf(stdout, "%s and %s are the same\n", a, b)
	}
	return exitOK
}

// engineDir returns the engine directory of the lesson arg names, relative
// to root, or an error saying why there is none.
func engineDir(root, arg string) (string, error) {
	var dir string
	if arg == "final" {
		dir = "final"
	} else {
		lessons, err := course.Lessons(root)
		if err != nil {
			return "", err
		}
		l, err := course.FindLesson(lessons, arg)
		if err != nil {
			return "", err
		}
		dir = l.Dir
	}
	// Lesson 00 has no engine: its oracle is the engine every later one
	// is measured against.
	for _, sub := range []string{"engine", "oracle"} {
		engine := path.Join(dir, sub)
		if info, err := os.Stat(filepath.Join(root, filepath.FromSlash(engine))); err == nil && info.IsDir() {
			return engine, nil
		}
	}
	return "", fmt.Errorf("%s has no engine directory (%s/engine) yet", dir, dir)
}

// diffDirs writes the diff of two directories relative to root, with git
// if it can, and reports whether they differ.
func diffDirs(root, a, b string, stdout io.Writer) (bool, error) {
	git, err := gitPath()
	if err != nil {
		return linediff.Dirs(stdout, filepath.Join(root, a), filepath.Join(root, b), a, b)
	}
	order, err := codeFirstOrderFile(root, a, b)
	if err != nil {
		return false, err
	}
	defer os.Remove(order)
	cmd := exec.Command(git, "diff", "--no-index", "-O"+order, "--", a, b)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = stdout, os.Stderr
	err = cmd.Run()
	// git diff --no-index exits 1 when the trees differ: that is the
	// answer, not a failure.
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return true, nil
	case errors.As(err, &exit) && !exit.Exited():
		return true, nil // killed by a signal: a pager or head that stopped reading
	}
	if err != nil {
		return false, fmt.Errorf("git diff: %v", err)
	}
	return false, nil
}

// codeFirstOrderFile writes a git diff order file (-O) that lists the code
// files of directories a and b, so that git shows them before the tests,
// which no line matches and so come last. It returns the file's path.
func codeFirstOrderFile(root, a, b string) (string, error) {
	var lines []string
	for _, dir := range []string{a, b} {
		entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			if !e.IsDir() && !linediff.IsTest(e.Name()) {
				lines = append(lines, "*/"+e.Name())
			}
		}
	}
	slices.Sort(lines)
	// A file only in a (deleted) is matched by the name it has in b, which
	// git spells /dev/null: put deletions right after the code.
	lines = append(slices.Compact(lines), "/dev/null")
	f, err := os.CreateTemp("", "course-diff-order-*")
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(strings.Join(lines, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}
