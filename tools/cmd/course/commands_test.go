package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"packcourse/tools/internal/bench"
	"packcourse/tools/internal/course"
)

// runCourse runs the command line args against the repository at root.
func runCourse(t *testing.T, root string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args[:1:1], append([]string{"-root", root}, args[1:]...)...)
	status = run(args, &out, &errOut)
	return status, out.String(), errOut.String()
}

// miniCourse lays out a small course: two lessons, a tiny exercise named
// like a real one ("ordered", so the exercise table knows it), its hidden
// tests and hints. The hidden tests use only the standard library, so
// grading runs offline.
func miniCourse(t *testing.T) string {
	root := t.TempDir()
	writeFile(t, root, "go.work", "go 1.26.0\n\nuse ./exercises\n")
	writeFile(t, root, "lessons/02-bounded-fanout/README.md", "# Lesson 02: bounded fan-out\n")
	writeFile(t, root, "lessons/03-channel-pipeline/README.md", "# Lesson 03: channel pipeline\n")
	writeFile(t, root, "lessons/02-bounded-fanout/engine/engine.go", "package engine\n\nconst Workers = 2\n")
	writeFile(t, root, "lessons/03-channel-pipeline/engine/engine.go", "package engine\n\nconst Workers = 4\n")
	writeFile(t, root, "exercises/go.mod", "module example/exercises\n\ngo 1.26.0\n")
	writeFile(t, root, "exercises/ordered/ordered.go", "package ordered\n\n// Double returns 2*x.\nfunc Double(x int) int { return x } // TODO\n")
	writeFile(t, root, "tools/testdata/grade/ordered/hidden_test.go", `package ordered

import "testing"

func TestDoublesZero(t *testing.T) {
	if Double(0) != 0 {
		t.Fatal("Double(0) != 0")
	}
}

func TestDoublesTwo(t *testing.T) {
	if got := Double(2); got != 4 {
		t.Fatalf("Double(2) = %d, want 4: multiply by two", got)
	}
}
`)
	writeFile(t, root, "tools/testdata/grade/ordered/hints.md", "# Hints\n\n## Multiply\n\nUse *.\n\n## By two\n\nx * 2.\n")
	return root
}

func TestGradeWithoutARaceDetector(t *testing.T) {
	root := miniCourse(t)
	saved := raceDetector
	defer func() { raceDetector = saved }()
	raceDetector = func() (bool, string) {
		return false, "no C compiler found: grading without the race detector; install gcc to enable it"
	}

	status, stdout, stderr := runCourse(t, root, "grade", "ordered")
	if status != exitFailure {
		t.Errorf("grade of a failing exercise exited %d, want %d", status, exitFailure)
	}
	if stderr != "no C compiler found: grading without the race detector; install gcc to enable it\n" {
		t.Errorf("stderr = %q, want the missing-compiler notice", stderr)
	}
	for _, want := range []string{
		"Grading ordered (lesson 03) without the race detector...",
		"  ok    doubles zero\n",
		"  FAIL  doubles two: Double(2) = 2, want 4: multiply by two\n",
		"1 of 2 behaviours pass.",
		"Stuck? Hint 1 of 2: go run ./tools/cmd/course hint ordered",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("grade output does not contain %q:\n%s", want, stdout)
		}
	}
	state := readState(t, root)
	if p := state.Exercises["ordered"]; p == nil || p.Status != course.Failing || p.Passed != 1 || p.Total != 2 {
		t.Errorf("state after grading = %+v, want failing 1/2", p)
	}

	// Fixed: the exercise passes, and the state says so.
	writeFile(t, root, "exercises/ordered/ordered.go", "package ordered\n\nfunc Double(x int) int { return 2 * x }\n")
	status, stdout, _ = runCourse(t, root, "grade", "ordered")
	if status != exitOK || !strings.Contains(stdout, "ordered is done.") {
		t.Errorf("grade of a solved exercise = %d:\n%s", status, stdout)
	}
	if p := readState(t, root).Exercises["ordered"]; p.Status != course.Passed {
		t.Errorf("status after passing = %q, want %q", p.Status, course.Passed)
	}

	_, stdout, _ = runCourse(t, root, "list")
	if !strings.Contains(stdout, "exercise ordered      passed") {
		t.Errorf("list does not show ordered as passed:\n%s", stdout)
	}
}

func TestGradeUsage(t *testing.T) {
	root := miniCourse(t)
	if status, _, stderr := runCourse(t, root, "grade"); status != exitUsage || !strings.Contains(stderr, "name one exercise") {
		t.Errorf("grade with no name = %d, %q", status, stderr)
	}
	if status, _, stderr := runCourse(t, root, "grade", "nope"); status != exitFailure || !strings.Contains(stderr, `no exercise "nope"`) {
		t.Errorf("grade nope = %d, %q", status, stderr)
	}
}

func readState(t *testing.T, root string) course.State {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, course.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var s course.State
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHintsComeOneAtATime(t *testing.T) {
	root := miniCourse(t)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"hint", "ordered"}, "Hint 1 of 2 for ordered: Multiply\n\nUse *.\n\nNext hint: go run ./tools/cmd/course hint ordered\n"},
		{[]string{"hint", "ordered"}, "Hint 2 of 2 for ordered: By two\n\nx * 2.\n"},
		{[]string{"hint", "ordered"}, "You have seen all 2 hints for ordered."},
		{[]string{"hint", "ordered", "-n", "1"}, "Hint 1 of 2 for ordered: Multiply"},
	}
	for _, s := range steps {
		status, stdout, stderr := runCourse(t, root, s.args...)
		if status != exitOK || !strings.HasPrefix(stdout, s.want) {
			t.Fatalf("%v = %d, %q, %q; want output starting %q", s.args, status, stdout, stderr, s.want)
		}
	}
	if p := readState(t, root).Exercises["ordered"]; p.HintsShown != 2 {
		t.Errorf("hints_shown = %d, want 2", p.HintsShown)
	}
	fresh := miniCourse(t)
	if status, _, stderr := runCourse(t, fresh, "hint", "-n", "1", "ordered"); status != exitFailure || !strings.Contains(stderr, "you have not seen any hint for ordered yet") || strings.Contains(stderr, "1 to 0") {
		t.Errorf("hint -n 1 before any hint = %d, %q; want a refusal that says no hint has been seen", status, stderr)
	}
}

func TestList(t *testing.T) {
	root := miniCourse(t)
	status, stdout, _ := runCourse(t, root, "list")
	if status != exitOK {
		t.Fatalf("list exited %d", status)
	}
	for _, want := range []string{
		"  02  Bounded fan-out",
		"        exercise workerpool   not started",
		"  03  Channel pipeline",
		"        exercise ordered      not started",
		"  04  (lesson not written yet)",
		"        exercise bufpool      not started",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("list does not contain %q:\n%s", want, stdout)
		}
	}
	if strings.Index(stdout, "workerpool") > strings.Index(stdout, "ordered") {
		t.Errorf("list does not keep lesson order:\n%s", stdout)
	}
}

func TestDiffWithoutGit(t *testing.T) {
	root := miniCourse(t)
	saved := gitPath
	defer func() { gitPath = saved }()
	gitPath = func() (string, error) { return "", errors.New("no git here") }

	status, stdout, stderr := runCourse(t, root, "diff", "2", "03")
	want := "--- lessons/02-bounded-fanout/engine/engine.go\n+++ lessons/03-channel-pipeline/engine/engine.go\n" +
		"@@ -1,3 +1,3 @@\n package engine\n \n-const Workers = 2\n+const Workers = 4\n"
	if status != exitOK || stdout != want {
		t.Errorf("diff 2 03 = %d, %q, %q; want %q", status, stdout, stderr, want)
	}
	if status, _, stderr := runCourse(t, root, "diff", "02", "07"); status != exitFailure || !strings.Contains(stderr, `no lesson "07" (lessons: 02, 03)`) {
		t.Errorf("diff with an unknown lesson = %d, %q", status, stderr)
	}
	if status, _, stderr := runCourse(t, root, "diff", "02"); status != exitUsage || !strings.Contains(stderr, "name two lessons") {
		t.Errorf("diff with one lesson = %d, %q", status, stderr)
	}
}

// The engine's code comes before its tests, with git and without, so a
// learner who reads the start of the diff reads the lesson.
func TestDiffShowsCodeBeforeTests(t *testing.T) {
	root := miniCourse(t)
	writeFile(t, root, "lessons/02-bounded-fanout/engine/a_test.go", "package engine\n\n// old test\n")
	writeFile(t, root, "lessons/03-channel-pipeline/engine/a_test.go", "package engine\n\n// new test\n")
	writeFile(t, root, "lessons/02-bounded-fanout/engine/turn.go", "package engine\n\n// the turn lock\n")
	writeFile(t, root, "lessons/03-channel-pipeline/engine/zchans.go", "package engine\n\n// channels\n")
	code := []string{"engine.go", "zchans.go", "turn.go"} // changed, added, deleted

	check := func(name string) {
		status, stdout, stderr := runCourse(t, root, "diff", "02", "03")
		if status != exitOK {
			t.Fatalf("%s: diff 02 03 = %d, %q", name, status, stderr)
		}
		test := strings.Index(stdout, "/a_test.go")
		if test < 0 {
			t.Fatalf("%s: a_test.go missing from the diff:\n%s", name, stdout)
		}
		for _, f := range code {
			if i := strings.Index(stdout, "/"+f); i < 0 || i > test {
				t.Errorf("%s: %s missing or after the test file:\n%s", name, f, stdout)
			}
		}
	}
	if _, err := exec.LookPath("git"); err == nil {
		check("git")
	}
	saved := gitPath
	defer func() { gitPath = saved }()
	gitPath = func() (string, error) { return "", errors.New("no git here") }
	check("built-in")
}

func TestBenchTargets(t *testing.T) {
	root := miniCourse(t)
	writeFile(t, root, "lessons/00-the-job/README.md", "# Lesson 00: the job\n")
	writeFile(t, root, "lessons/03-channel-pipeline/engine/bench_test.go", "package engine\n\nimport \"testing\"\n\nfunc BenchmarkPack(b *testing.B) {}\n")
	writeFile(t, root, "final/engine/bench_test.go", "package engine\n\nimport \"testing\"\n\nfunc BenchmarkPack(b *testing.B) {}\n")
	targets, titles, err := benchTargets(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []benchTarget{
		{"lessons/03-channel-pipeline/engine", "^BenchmarkPack$/^lesson=(03|00|02)$"},
		{"final/engine", "^BenchmarkPack$/^engine=final$/^level=6$"},
	}
	if len(targets) != len(want) || targets[0] != want[0] || targets[1] != want[1] {
		t.Errorf("benchTargets = %+v, want %+v", targets, want)
	}
	if titles["03"] != "Channel pipeline" || titles["final"] != "final" {
		t.Errorf("titles = %v", titles)
	}
}

func TestBenchWrite(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "CURRICULUM.md", "# Curriculum\n\n<!-- bench:start -->\n(not measured yet)\n<!-- bench:end -->\n")
	rows := []bench.Row{
		{Lesson: "01", Title: "Batch and convoy", Metrics: map[string]float64{"MB/s": 100, "peak-MiB": 300}},
		{Lesson: "04", Title: "Streaming I/O", Metrics: map[string]float64{"MB/s": 180, "peak-MiB": 14}},
	}
	if err := writeBench(root, rows, "Measured somewhere."); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(filepath.Join(root, "CURRICULUM.md"))
	want := "# Curriculum\n\n<!-- bench:start -->\nMeasured somewhere.\n\n" +
		"| lesson | MB/s | peak MiB |\n|---|---:|---:|\n| 01 Batch and convoy | 100 | 300 |\n| 04 Streaming I/O | 180 | 14 |\n\n" +
		"![Throughput and peak memory per lesson](docs/bench.svg)\n<!-- bench:end -->\n"
	if string(doc) != want {
		t.Errorf("CURRICULUM.md after bench -write:\n%s\nwant:\n%s", doc, want)
	}
	svg, err := os.ReadFile(filepath.Join(root, "docs", "bench.svg"))
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg ")) {
		t.Errorf("docs/bench.svg = %.40q, %v; want an SVG", svg, err)
	}
}

func TestDiffStatAndCode(t *testing.T) {
	root := miniCourse(t)
	writeFile(t, root, "lessons/02-bounded-fanout/engine/a_test.go", "package engine\n\n// old test\n")
	writeFile(t, root, "lessons/03-channel-pipeline/engine/a_test.go", "package engine\n\n// new test\n")
	writeFile(t, root, "lessons/03-channel-pipeline/engine/notes.txt", "not code\n")
	// Only the indentation of this file changes: --code ignores it, with git.
	writeFile(t, root, "lessons/02-bounded-fanout/engine/spaces.go", "package engine\n\nvar x = 1\n")
	writeFile(t, root, "lessons/03-channel-pipeline/engine/spaces.go", "package engine\n\nvar  x =  1\n")

	check := func(name string, withGit bool) {
		status, stdout, stderr := runCourse(t, root, "diff", "--code", "02", "03")
		if status != exitOK || !strings.Contains(stdout, "engine.go") || strings.Contains(stdout, "a_test.go") || strings.Contains(stdout, "notes.txt") {
			t.Errorf("%s: diff --code = %d, %q, %q; want engine.go only", name, status, stdout, stderr)
		}
		if withGit && strings.Contains(stdout, "spaces.go") {
			t.Errorf("%s: diff --code shows a change of whitespace alone:\n%s", name, stdout)
		}
		status, stdout, _ = runCourse(t, root, "diff", "--stat", "02", "03")
		if status != exitOK || !strings.Contains(stdout, "a_test.go") || !strings.Contains(stdout, "engine.go") || strings.Contains(stdout, "@@") {
			t.Errorf("%s: diff --stat = %d, %q; want a line per file and no hunks", name, status, stdout)
		}
	}
	if _, err := exec.LookPath("git"); err == nil {
		check("git", true)
	}
	saved := gitPath
	defer func() { gitPath = saved }()
	gitPath = func() (string, error) { return "", errors.New("no git here") }
	check("built-in", false)
	_, stdout, _ := runCourse(t, root, "diff", "--stat", "02", "03")
	if want := " lessons/03-channel-pipeline/engine/engine.go | 2 +1 -1\n"; !strings.Contains(stdout, want) {
		t.Errorf("built-in diff --stat = %q, want it to contain %q", stdout, want)
	}
}

func TestReset(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("reset needs git")
	}
	root := miniCourse(t)
	writeFile(t, root, "lessons/notes.md", "mine\n")
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "."},
		{"-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "course"},
	} {
		if out, err := exec.Command(git, append([]string{"-C", root}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	stub := "package ordered\n\n// Double returns 2*x.\nfunc Double(x int) int { return x } // TODO\n"
	mine := "package ordered\n\nfunc Double(x int) int { return 2 * x }\n"
	writeFile(t, root, "exercises/ordered/ordered.go", mine)
	writeFile(t, root, "exercises/ordered/extra.go", "package ordered\n")
	writeFile(t, root, "lessons/notes.md", "changed outside the exercise\n")

	saved := stdin
	defer func() { stdin = saved }()
	stdin = strings.NewReader("n\n")
	status, stdout, _ := runCourse(t, root, "reset", "ordered")
	if status != exitOK || !strings.Contains(stdout, "exercises/ordered/ordered.go") || !strings.Contains(stdout, "Nothing changed.") {
		t.Errorf("reset answered no = %d, %q", status, stdout)
	}
	if got := readText(t, root, "exercises/ordered/ordered.go"); got != mine {
		t.Errorf("reset answered no changed ordered.go to %q", got)
	}

	stdin = strings.NewReader("y\n")
	status, stdout, stderr := runCourse(t, root, "reset", "ordered")
	if status != exitOK || !strings.Contains(stdout, "is back to the stub") || !strings.Contains(stdout, "left alone (not part of the exercise): exercises/ordered/extra.go") {
		t.Errorf("reset answered yes = %d, %q, %q", status, stdout, stderr)
	}
	if got := readText(t, root, "exercises/ordered/ordered.go"); got != stub {
		t.Errorf("after reset ordered.go = %q, want the stub", got)
	}
	if got := readText(t, root, "lessons/notes.md"); got != "changed outside the exercise\n" {
		t.Errorf("reset touched a file outside the exercise: lessons/notes.md = %q", got)
	}
	if got := readText(t, root, "exercises/ordered/extra.go"); got != "package ordered\n" {
		t.Errorf("reset touched a file the learner added: %q", got)
	}
	if status, stdout, _ := runCourse(t, root, "reset", "-y", "ordered"); status != exitOK || !strings.Contains(stdout, "already as the course ships it") {
		t.Errorf("reset of a clean exercise = %d, %q", status, stdout)
	}
}

func readText(t *testing.T, root, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
