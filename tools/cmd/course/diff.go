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

const diffUsage = `usage: go run ./tools/cmd/course diff [--stat] [--code] A B

Diff shows what changed in the engine from lesson A to lesson B: a unified
diff of lessons/A/engine against lessons/B/engine (lesson 00's oracle
stands for its engine). Name a lesson by its number (02, or 2) or its
directory (02-bounded-fanout); "final" names the finished engine in
final/engine. The engine's code comes first, then its tests. It uses git
diff when git is installed, and a built-in diff otherwise.

--stat prints a summary instead: one line per file, with the lines added
and removed. --code leaves out the tests and every file that is not Go, and
ignores changes of whitespace alone (with git), so what is left is the
change to the engine's code. They go together: diff --stat --code 02 03.
`

// diffOptions are the views diff offers beside the full diff.
type diffOptions struct {
	stat bool // a per-file summary instead of the diff
	code bool // non-test .go files only, whitespace ignored
}

// gitPath finds git; a variable so tests can take it away.
var gitPath = func() (string, error) { return exec.LookPath("git") }

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("diff", diffUsage, stderr)
	var opts diffOptions
	fs.BoolVar(&opts.stat, "stat", false, "print a per-file summary of the lines added and removed")
	fs.BoolVar(&opts.code, "code", false, "only the non-test .go files, ignoring changes of whitespace")
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
	differ, err := diffDirs(root, a, b, opts, stdout)
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
// if it can, and reports whether they differ. With opts.code it diffs
// copies of the two directories' code files only, laid out under a
// temporary root at the same relative paths, so the file names in the
// diff are still the real ones.
func diffDirs(root, a, b string, opts diffOptions, stdout io.Writer) (bool, error) {
	base := root
	if opts.code {
		tmp, err := os.MkdirTemp("", "course-diff-")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(tmp)
		for _, dir := range []string{a, b} {
			if err := copyCode(filepath.Join(root, filepath.FromSlash(dir)), filepath.Join(tmp, filepath.FromSlash(dir))); err != nil {
				return false, err
			}
		}
		base = tmp
	}
	git, err := gitPath()
	if err != nil {
		return builtinDiff(stdout, base, a, b, opts)
	}
	order, err := codeFirstOrderFile(base, a, b)
	if err != nil {
		return false, err
	}
	defer os.Remove(order)
	args := []string{"diff", "--no-index", "-O" + order}
	if opts.stat {
		args = append(args, "--stat")
	}
	if opts.code {
		args = append(args, "-w")
	}
	cmd := exec.Command(git, append(args, "--", a, b)...)
	cmd.Dir = base
	// With -w, git's exit status does not always say whether it printed a
	// difference: what it printed does.
	out := &countingWriter{w: stdout}
	cmd.Stdout, cmd.Stderr = out, os.Stderr
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
	return out.n > 0, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// copyCode copies the non-test .go files of dir src into dir dst.
func copyCode(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || linediff.IsTest(e.Name()) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// builtinDiff is diffDirs without git: linediff's unified diff, or with
// opts.stat a summary of it. It does not ignore whitespace.
func builtinDiff(stdout io.Writer, base, a, b string, opts diffOptions) (bool, error) {
	if !opts.stat {
		return linediff.Dirs(stdout, filepath.Join(base, a), filepath.Join(base, b), a, b)
	}
	var full strings.Builder
	differ, err := linediff.Dirs(&full, filepath.Join(base, a), filepath.Join(base, b), a, b)
	if err != nil {
		return false, err
	}
	writeStat(stdout, full.String())
	return differ, nil
}

// writeStat summarises a unified diff as git diff --stat does, roughly:
// one line per file with the lines added and removed, then the totals.
func writeStat(w io.Writer, unified string) {
	type count struct {
		name      string
		add, dels int
	}
	var files []*count
	var cur *count
	var minus string
	for l := range strings.Lines(unified) {
		l = strings.TrimRight(l, "\n")
		switch {
		case strings.HasPrefix(l, "--- "):
			minus = strings.TrimPrefix(l, "--- ")
		case strings.HasPrefix(l, "+++ "):
			name := strings.TrimPrefix(l, "+++ ")
			if name == "/dev/null" {
				name = minus
			}
			cur = &count{name: name}
			files = append(files, cur)
		case cur != nil && strings.HasPrefix(l, "+"):
			cur.add++
		case cur != nil && strings.HasPrefix(l, "-"):
			cur.dels++
		}
	}
	adds, dels := 0, 0
	for _, f := range files {
		fmt.Fprintf(w, " %s | %d +%d -%d\n", f.name, f.add+f.dels, f.add, f.dels)
		adds, dels = adds+f.add, dels+f.dels
	}
	fmt.Fprintf(w, " %d file(s) changed, %d insertion(s)(+), %d deletion(s)(-)\n", len(files), adds, dels)
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
