package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"packcourse/tools/internal/course"
	"packcourse/tools/internal/grade"
)

const gradeUsage = `usage: go run ./tools/cmd/course grade [-v] NAME
       go run ./tools/cmd/course grade --check [NAME...]

Grade runs exercise NAME's hidden tests against your code in exercises/NAME,
with the race detector and a goroutine-leak check, and says which behaviours
pass and which fail and why. Your progress is kept in .course/state.json.

With --check it grades the course itself instead (CI runs this): each
reference answer in solutions/ must pass its hidden tests, three times over,
each untouched stub in exercises/ must fail them, and each known-wrong answer
in tools/testdata/grade/NAME/wrong/ must fail the tests it names. It does not
touch your progress.

Each hidden test runs on its own with a timeout of a few seconds: a test
that hangs is stopped, and the report says which operation (a channel
send, a lock...) at which file:line of your code each stuck goroutine
waits in.

The exercise packages have no tests of their own, on purpose: their tests
are these hidden ones, so go test on exercises/ prints "[no tests to run]"
for each of them. Grade them with this command instead.
`

// raceDetector says whether tests can run with -race on this machine. A
// variable so tests can pretend there is no C compiler.
var raceDetector = func() (bool, string) { return grade.HostToolchain("go").RaceDetector() }

func runGrade(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("grade", gradeUsage, stderr)
	check := fs.Bool("check", false, "check the course: solutions pass, stubs fail, wrong answers are caught")
	verbose := fs.Bool("v", false, "show the full output of each failing test")
	rootDir := rootFlag(fs)
	names, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	root, err := findRoot(*rootDir)
	if err != nil {
		return failf(stderr, "grade", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *check {
		return checkCourse(ctx, root, names, stdout, stderr)
	}
	if len(names) != 1 {
		return usageError(fs, stderr, "name one exercise")
	}
	ex, err := course.FindExercise(names[0])
	if err != nil {
		return failf(stderr, "grade", "%v", err)
	}
	return gradeExercise(ctx, root, ex, *verbose, stdout, stderr)
}

// gradeExercise grades the learner's code for ex, prints the report and
// records the result. It returns exitOK only if every behaviour passes.
func gradeExercise(ctx context.Context, root string, ex course.Exercise, verbose bool, stdout, stderr io.Writer) int {
	race, why := raceDetector()
	if !race {
		fmt.Fprintln(stderr, why)
	}
	with := "with the race detector"
	if !race {
		with = "without the race detector"
	}
	fmt.Fprintf(stdout, "Grading %s (lesson %s) %s...\n\n", ex.Name, ex.Lesson, with)
	res, err := grade.Run(ctx, grade.Options{
		Root: root, Dir: ex.Dir(), Hidden: ex.HiddenDir(), Race: race,
		OnTest: func(t grade.TestResult) { grade.WriteTest(stdout, t, verbose) },
	})
	if ctx.Err() != nil {
		fmt.Fprintln(stdout, "Grading interrupted.")
		return exitFailure
	}
	if err != nil {
		return failf(stderr, "grade", "%v", err)
	}
	grade.WriteSummary(stdout, res)

	state, err := course.LoadState(root)
	if err != nil {
		return failf(stderr, "grade", "%v", err)
	}
	p := state.Of(ex.Name)
	p.Record(res.PassedCount(), len(res.Tests), time.Now().UTC())
	if err := state.Save(root); err != nil {
		return failf(stderr, "grade", "%v", err)
	}

	if res.AllPassed() {
		fmt.Fprintf(stdout, "%s is done. Compare your answer with the reference one in %s.\n", ex.Name, ex.SolutionDir())
		return exitOK
	}
	writeHintPointer(root, ex, p, stdout)
	return exitFailure
}

// writeHintPointer tells a learner who is not done where the next hint is.
func writeHintPointer(root string, ex course.Exercise, p *course.Progress, w io.Writer) {
	hints, err := course.LoadHints(root, ex)
	if err != nil {
		return
	}
	if p.HintsShown < len(hints) {
		fmt.Fprintf(w, "Stuck? Hint %d of %d: go run ./tools/cmd/course hint %s\n", p.HintsShown+1, len(hints), ex.Name)
		return
	}
	fmt.Fprintf(w, "You have seen all %d hints; the reference answer is in %s.\n", len(hints), ex.SolutionDir())
}

// checkCourse runs the self-check on the named exercises, or on all.
func checkCourse(ctx context.Context, root string, names []string, stdout, stderr io.Writer) int {
	exercises := course.Exercises
	if len(names) > 0 {
		exercises = nil
		for _, n := range names {
			ex, err := course.FindExercise(n)
			if err != nil {
				return failf(stderr, "grade", "%v", err)
			}
			exercises = append(exercises, ex)
		}
	}
	race, why := raceDetector()
	if !race {
		fmt.Fprintln(stderr, why)
	}
	failed := 0
	if problems := course.CheckLayout(root); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(stdout, "FAIL %s\n", p)
		}
		failed++
	}
	for _, ex := range exercises {
		res, err := grade.Check(ctx, grade.Options{Root: root, Race: race}, subject(ex), 3)
		if err != nil {
			return failf(stderr, "grade", "checking %s: %v", ex.Name, err)
		}
		if len(res.Problems) == 0 {
			fmt.Fprintf(stdout, "ok   %-12s %s\n", ex.Name, res.Summary)
			continue
		}
		failed++
		for _, p := range res.Problems {
			fmt.Fprintf(stdout, "FAIL %-12s %s\n", ex.Name, p)
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "course grade --check: %d problem(s) found\n", failed)
		return exitFailure
	}
	fmt.Fprintf(stdout, "grade --check: all %d exercise(s) sound\n", len(exercises))
	return exitOK
}

func subject(ex course.Exercise) grade.Subject {
	return grade.Subject{
		Stub:     ex.Dir(),
		Solution: ex.SolutionDir(),
		Hidden:   ex.HiddenDir(),
		MainFile: ex.Name + ".go",
	}
}
