package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"packcourse/tools/internal/bench"
	"packcourse/tools/internal/course"
)

const benchUsage = `usage: go run ./tools/cmd/course bench [-benchtime 2x] [-write]

Bench runs every lesson engine's BenchmarkPack on the shared 64 MiB
workload, and the final engine's if there is one, one package at a time,
and prints one table: throughput, peak memory and each lesson's own
figures. With -write it also puts the table in CURRICULUM.md, between the
bench markers, and draws docs/bench.svg. It takes a few minutes.
`

// The files bench -write updates, relative to the root.
const (
	curriculumFile = "CURRICULUM.md"
	chartFile      = "docs/bench.svg"
)

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("bench", benchUsage, stderr)
	benchtime := fs.String("benchtime", "2x", "go test's -benchtime for each engine")
	write := fs.Bool("write", false, "record the table in "+curriculumFile+" and draw "+chartFile)
	rootDir := rootFlag(fs)
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return usageError(fs, stderr, "bench takes no arguments")
	}
	root, err := findRoot(*rootDir)
	if err != nil {
		return failf(stderr, "bench", "%v", err)
	}
	targets, titles, err := benchTargets(root)
	if err != nil {
		return failf(stderr, "bench", "%v", err)
	}
	if len(targets) == 0 {
		return failf(stderr, "bench", "no engine with a BenchmarkPack yet (looked in lessons/NN-*/engine and final/engine)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var out bytes.Buffer
	for _, t := range targets {
		fmt.Fprintf(stderr, "bench: %s (%s)\n", t.dir, t.pattern)
		if err := t.run(ctx, root, *benchtime, &out); err != nil {
			return failf(stderr, "bench", "%v", err)
		}
	}
	results, machine, err := bench.Parse(&out)
	if err != nil {
		return failf(stderr, "bench", "%v", err)
	}
	rows := bench.Rows(results, titles)
	if len(rows) == 0 {
		return failf(stderr, "bench", "the benchmarks printed no BenchmarkPack results")
	}
	about := describeRun(*benchtime, machine)
	fmt.Fprintln(stdout)
	bench.WriteTable(stdout, rows)
	fmt.Fprintf(stdout, "\n%s\n", about)
	if *write {
		if err := writeBench(root, rows, about); err != nil {
			return failf(stderr, "bench", "%v", err)
		}
		fmt.Fprintf(stdout, "updated %s and %s\n", curriculumFile, chartFile)
	}
	return exitOK
}

// A benchTarget is one engine package and the benchmarks to run in it.
type benchTarget struct {
	dir     string // relative to the root
	pattern string // go test's -bench
}

func (t benchTarget) run(ctx context.Context, root, benchtime string, out io.Writer) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "test", "-run=^$", "-bench="+t.pattern, "-benchtime="+benchtime, "./"+t.dir)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("benchmarking %s: %v\n%s", t.dir, err, stderr.String())
	}
	return nil
}

// benchTargets finds the engines with a BenchmarkPack: each lesson's,
// restricted to its own lesson (its benchmark also runs the lesson before,
// for a side-by-side comparison), and the final engine's at the default
// level. Lessons with no engine of their own (lesson 00's oracle) are taken
// from whichever lesson benchmarks them. titles maps each lesson number to
// its title.
func benchTargets(root string) ([]benchTarget, map[string]string, error) {
	lessons, err := course.Lessons(root)
	if err != nil {
		return nil, nil, err
	}
	titles := map[string]string{"final": "final"}
	var withBench, without []string
	dirs := map[string]string{}
	for _, l := range lessons {
		titles[l.Number] = l.Title
		dir := path.Join(l.Dir, "engine")
		if hasBenchmarkPack(filepath.Join(root, filepath.FromSlash(dir))) {
			withBench = append(withBench, l.Number)
			dirs[l.Number] = dir
		} else {
			without = append(without, l.Number)
		}
	}
	var targets []benchTarget
	for _, n := range withBench {
		subs := append([]string{n}, without...)
		targets = append(targets, benchTarget{dirs[n], "^BenchmarkPack$/^lesson=(" + strings.Join(subs, "|") + ")$"})
	}
	if hasBenchmarkPack(filepath.Join(root, "final", "engine")) {
		targets = append(targets, benchTarget{"final/engine", "^BenchmarkPack$/^engine=final$/^level=6$"})
	}
	return targets, titles, nil
}

// hasBenchmarkPack reports whether a test file in dir declares
// BenchmarkPack.
func hasBenchmarkPack(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, []byte("func BenchmarkPack(b *testing.B)")) {
			return true
		}
	}
	return false
}

// describeRun says how and where the figures were measured.
func describeRun(benchtime string, m bench.Machine) string {
	version := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		version = strings.TrimSpace(string(out))
	}
	cpu := ""
	if m.CPU != "" {
		cpu = ", " + m.CPU
	}
	return fmt.Sprintf("Measured with `go run ./tools/cmd/course bench` (go test -bench=BenchmarkPack -benchtime=%s, one engine at a time) on %s/%s, %d CPUs%s, %s.",
		benchtime, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpu, version)
}

// writeBench records the table in CURRICULUM.md and draws the chart.
func writeBench(root string, rows []bench.Row, about string) error {
	var body strings.Builder
	body.WriteString(about + "\n\n")
	bench.WriteTable(&body, rows)
	fmt.Fprintf(&body, "\n![Throughput and peak memory per lesson](%s)\n", chartFile)

	file := filepath.Join(root, curriculumFile)
	doc, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	updated, err := bench.ReplaceBlock(string(doc), body.String())
	if err != nil {
		return fmt.Errorf("%s: %v", curriculumFile, err)
	}
	chart := filepath.Join(root, filepath.FromSlash(chartFile))
	if err := os.MkdirAll(filepath.Dir(chart), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(chart, []byte(bench.SVG(rows, "Pack, lesson by lesson (64 MiB mixed workload)")), 0o644); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(updated), 0o644)
}
