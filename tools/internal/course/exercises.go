package course

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// An Exercise is a stub in exercises/NAME for the learner to complete,
// graded by hidden tests kept in tools/testdata/grade/NAME, with a
// reference answer in solutions/NAME.
type Exercise struct {
	Name    string // the directory and package name
	Lesson  string // the number of the lesson it practises
	Summary string // one line for listings
}

// Exercises is the course's exercises in the order to do them. Adding an
// exercise means adding an entry here and its directories (see
// tools/README.md); `course grade --check` checks they are all there.
var Exercises = []Exercise{
	{"workerpool", "02", "a bounded worker pool that stops at the first error"},
	{"ordered", "03", "parallel map that keeps input order, with a FIFO of futures"},
	{"leak", "03", "find and fix the goroutine leak in a small pipeline"},
	{"bufpool", "04", "a bounded buffer pool with ownership checks"},
	{"counter", "05", "a sharded counter, race-free and not falsely shared"},
	{"budget", "06", "a weighted budget that never deadlocks and refuses impossible requests"},
	{"recorder", "07", "a latency recorder safe under concurrency, whose quantiles are right"},
	{"fetcher", "08", "a bounded concurrent ReadAt fetcher that keeps order"},
	{"lanes", "09", "a two-lane scheduler where huge jobs cannot hold up small ones, nor small ones starve huge"},
	{"controller", "10", "a chunk-size controller that steers toward a target time per chunk without oscillating"},
	{"atomicfile", "11", "an atomic file writer whose faults leave nothing behind"},
}

// FindExercise returns the exercise called name.
func FindExercise(name string) (Exercise, error) {
	for _, e := range Exercises {
		if e.Name == name {
			return e, nil
		}
	}
	var names []string
	for _, e := range Exercises {
		names = append(names, e.Name)
	}
	return Exercise{}, fmt.Errorf("no exercise %q (exercises: %s)", name, strings.Join(names, ", "))
}

// Dir is the learner's copy, relative to the root.
func (e Exercise) Dir() string { return path.Join("exercises", e.Name) }

// SolutionDir is the reference answer, relative to the root.
func (e Exercise) SolutionDir() string { return path.Join("solutions", e.Name) }

// HiddenDir holds the hidden tests, the hints and the known-wrong answers,
// relative to the root.
func (e Exercise) HiddenDir() string { return path.Join("tools", "testdata", "grade", e.Name) }

// MainFile is the file the learner edits, relative to the root; the
// grader's self-check puts known-wrong answers in its place.
func (e Exercise) MainFile() string { return path.Join(e.Dir(), e.Name+".go") }

// CheckLayout returns a line for each way the exercises on disk and the
// Exercises table disagree: an entry without its stub, answer, main file,
// hidden tests or hints, or an exercise directory with no entry.
func CheckLayout(root string) []string {
	var problems []string
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
		return err == nil
	}
	for _, e := range Exercises {
		for _, rel := range []string{e.Dir(), e.MainFile(), e.SolutionDir(), path.Join(e.SolutionDir(), e.Name+".go"), path.Join(e.Dir(), "README.md"), path.Join(e.HiddenDir(), HintsFile)} {
			if !exists(rel) {
				problems = append(problems, fmt.Sprintf("exercise %s: %s is missing", e.Name, rel))
			}
		}
		if tests, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(e.HiddenDir()), "*_test.go")); len(tests) == 0 {
			problems = append(problems, fmt.Sprintf("exercise %s: no hidden tests in %s", e.Name, e.HiddenDir()))
		}
	}
	for _, parent := range []string{"exercises", "solutions"} {
		entries, _ := os.ReadDir(filepath.Join(root, parent))
		for _, d := range entries {
			if _, err := FindExercise(d.Name()); d.IsDir() && err != nil {
				problems = append(problems, fmt.Sprintf("%s/%s is not in the exercises table (tools/internal/course/exercises.go)", parent, d.Name()))
			}
		}
	}
	return problems
}
