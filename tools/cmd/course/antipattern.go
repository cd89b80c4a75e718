package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const antipatternUsage = `usage: go run ./tools/cmd/course antipattern [NAME]

Antipattern runs the broken version of antipatterns/NAME, so you see its
real failure (the race report, the deadlock, the leaked goroutine, the
wrong bytes), and then its fixed twin. With no NAME it lists the
antipatterns. antipatterns/README.md explains each one.
`

// antipatternDir is where the antipatterns live, relative to the root.
const antipatternDir = "antipatterns"

// antipatternTimeout bounds one go test run of a demonstration. The
// demonstrations take seconds; broken code runs in child processes that
// the tests themselves stop, so this only guards against the unforeseen.
const antipatternTimeout = 3 * time.Minute

func runAntipattern(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("antipattern", antipatternUsage, stderr)
	rootDir := rootFlag(fs)
	names, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(names) > 1 {
		return usageError(fs, stderr, "name at most one antipattern")
	}
	root, err := findRoot(*rootDir)
	if err != nil {
		return failf(stderr, "antipattern", "%v", err)
	}
	all, err := antipatterns(root)
	if err != nil {
		return failf(stderr, "antipattern", "%v", err)
	}
	if len(names) == 0 {
		writeAntipatterns(stdout, all)
		return exitOK
	}
	if _, found := all[names[0]]; !found {
		return failf(stderr, "antipattern", "no antipattern %q; run 'go run ./tools/cmd/course antipattern' for the list", names[0])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	race, why := raceDetector()
	if !race {
		fmt.Fprintln(stderr, strings.Replace(why, "grading", "running", 1))
	}
	for _, show := range []string{"TestShowBroken", "TestShowFixed"} {
		if err := showAntipattern(ctx, root, names[0], show, race, stdout); err != nil {
			return failf(stderr, "antipattern", "%v", err)
		}
	}
	return exitOK
}

// antipatterns maps each antipattern's name (its directory under
// antipatterns/) to the first sentence of its package documentation.
// A directory is an antipattern if its tests have a TestShowBroken.
func antipatterns(root string) (map[string]string, error) {
	dirs, err := os.ReadDir(filepath.Join(root, antipatternDir))
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	for _, d := range dirs {
		dir := filepath.Join(root, antipatternDir, d.Name())
		if d.IsDir() && hasShowTest(dir) {
			all[d.Name()] = packageSummary(dir)
		}
	}
	return all, nil
}

func hasShowTest(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, []byte("func TestShowBroken(")) {
			return true
		}
	}
	return false
}

// packageSummary returns the first sentence of the package comment in dir,
// without its "Package x" opening.
func packageSummary(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil || file.Doc == nil {
			continue
		}
		text := strings.Join(strings.Fields(file.Doc.Text()), " ")
		// "Package x shows WHAT: how." gives WHAT.
		sentence, _, _ := strings.Cut(text, ": ")
		if i := strings.Index(sentence, ". "); i >= 0 {
			sentence = sentence[:i]
		}
		_, rest, _ := strings.Cut(sentence, " ") // drop "Package"
		_, rest, _ = strings.Cut(rest, " ")      // and its name
		rest = strings.TrimPrefix(rest, "shows ")
		return strings.TrimSuffix(rest, ".")
	}
	return ""
}

func writeAntipatterns(w io.Writer, all map[string]string) {
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "Antipatterns (%d), each a broken design next to its fixed twin:\n\n", len(names))
	for _, name := range names {
		fmt.Fprintf(w, "  %-26s %s\n", name, all[name])
	}
	fmt.Fprintln(w, "\nRun one: go run ./tools/cmd/course antipattern NAME  (antipatterns/README.md explains each)")
}

// showAntipattern runs one of the package's Show tests, which print what
// the broken or fixed version does, and copies their output to w without
// go test's own framing of the Show test.
func showAntipattern(ctx context.Context, root, name, test string, race bool, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, antipatternTimeout)
	defer cancel()
	args := []string{"test", "-count=1", "-v", "-run=^" + test + "$", "-timeout=" + antipatternTimeout.String()}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./"+antipatternDir+"/"+name)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ANTIPATTERN_SHOW=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("%s %s: stopped after %v\n%s", name, test, antipatternTimeout, out.String())
	}
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, test, err, out.String())
	}
	writeShowOutput(w, &out, test)
	return nil
}

// writeShowOutput copies a Show test's output, dropping the lines go test
// adds around the Show test itself and the package's final PASS and ok.
func writeShowOutput(w io.Writer, r io.Reader, test string) {
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "=== RUN   "+test) || strings.HasPrefix(line, "--- PASS: "+test) {
			continue
		}
		lines = append(lines, line)
	}
	for len(lines) > 0 {
		last := lines[len(lines)-1]
		if last != "PASS" && !strings.HasPrefix(last, "ok  \t") && strings.TrimSpace(last) != "" {
			break
		}
		lines = lines[:len(lines)-1]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	fmt.Fprintln(w)
}
