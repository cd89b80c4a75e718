package course

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"packcourse/tools/docs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func writeFile(t *testing.T, root, name, text string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLessons(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "lessons/00-the-job/README.md", "intro\n# Lesson 00: the job\n\n## Run it\n")
	writeFile(t, root, "lessons/03-channel-pipeline/go.mod", "module x\n") // no README yet
	writeFile(t, root, "lessons/01-batch-convoy/README.md", "# Batch and convoy\n")
	writeFile(t, root, "lessons/notes.md", "not a lesson\n")
	writeFile(t, root, "lessons/scratch/x.go", "package x\n")

	lessons, err := Lessons(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Lesson{
		{"00", "lessons/00-the-job", "The job"},
		{"01", "lessons/01-batch-convoy", "Batch and convoy"},
		{"03", "lessons/03-channel-pipeline", "Channel pipeline"},
	}
	if len(lessons) != len(want) {
		t.Fatalf("Lessons = %+v, want %+v", lessons, want)
	}
	for i := range want {
		if lessons[i] != want[i] {
			t.Errorf("lesson %d = %+v, want %+v", i, lessons[i], want[i])
		}
	}

	for _, arg := range []string{"3", "03", "03-channel-pipeline", "lessons/03-channel-pipeline/"} {
		if l, err := FindLesson(lessons, arg); err != nil || l.Number != "03" {
			t.Errorf("FindLesson(%q) = %+v, %v; want lesson 03", arg, l, err)
		}
	}
	if _, err := FindLesson(lessons, "02"); err == nil || !strings.Contains(err.Error(), `no lesson "02" (lessons: 00, 01, 03)`) {
		t.Errorf("FindLesson(02) error = %v, want it to list the lessons there are", err)
	}
}

func TestLessonsWithoutALessonsDirectory(t *testing.T) {
	if _, err := Lessons(t.TempDir()); err == nil {
		t.Error("Lessons of a directory without lessons/ returned no error")
	}
}

func TestStateRoundTrip(t *testing.T) {
	root := t.TempDir()
	s, err := LoadState(root)
	if err != nil {
		t.Fatalf("LoadState with no file = %v, want a fresh state", err)
	}
	if got := s.StatusOf("ordered"); got != NotStarted {
		t.Errorf("fresh status = %q, want %q", got, NotStarted)
	}
	p := s.Of("ordered")
	p.Status, p.Passed, p.Total, p.HintsShown = Failing, 5, 7, 2
	if err := s.Save(root); err != nil {
		t.Fatal(err)
	}
	again, err := LoadState(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := *again.Of("ordered"); got != *p {
		t.Errorf("reloaded progress = %+v, want %+v", got, *p)
	}
	entries, _ := os.ReadDir(filepath.Join(root, ".course"))
	if len(entries) != 1 {
		t.Errorf(".course holds %d files after a save, want only state.json", len(entries))
	}
}

func TestDamagedStateSaysHowToRecover(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, StateFile, "{not json")
	_, err := LoadState(root)
	if err == nil || !strings.Contains(err.Error(), "delete it to start afresh") {
		t.Errorf("LoadState of a damaged file = %v, want an error saying how to recover", err)
	}
}

func TestParseHints(t *testing.T) {
	hints := ParseHints("# Hints for x\n\nintro text\n\n## First\n\nDo this.\n\n    code\n\n## Second\nThen that.\n")
	if len(hints) != 2 {
		t.Fatalf("got %d hints, want 2: %+v", len(hints), hints)
	}
	if hints[0] != (Hint{"First", "Do this.\n\n    code"}) || hints[1] != (Hint{"Second", "Then that."}) {
		t.Errorf("hints = %+v", hints)
	}
}

func TestFindExercise(t *testing.T) {
	if e, err := FindExercise("ordered"); err != nil || e.Dir() != "exercises/ordered" || e.HiddenDir() != "tools/testdata/grade/ordered" {
		t.Errorf("FindExercise(ordered) = %+v, %v", e, err)
	}
	if _, err := FindExercise("nope"); err == nil || !strings.Contains(err.Error(), "workerpool") {
		t.Errorf("FindExercise(nope) error = %v, want it to list the exercises", err)
	}
}

// TestTheCourseLayoutIsComplete checks the real repository: every
// exercise in the table has its stub, answer, README, hidden tests and
// hints, and every hints file has hints.
func TestTheCourseLayoutIsComplete(t *testing.T) {
	root, err := docs.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range CheckLayout(root) {
		t.Error(p)
	}
	for _, e := range Exercises {
		if _, err := LoadHints(root, e); err != nil {
			t.Error(err)
		}
	}
}

func TestCheckLayoutFindsStrays(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "exercises/extra/extra.go", "package extra\n")
	problems := strings.Join(CheckLayout(root), "\n")
	for _, want := range []string{
		"exercise ordered: exercises/ordered is missing",
		"exercise ordered: no hidden tests in tools/testdata/grade/ordered",
		"exercises/extra is not in the exercises table",
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("CheckLayout did not report %q; it said:\n%s", want, problems)
		}
	}
}

func TestProgressKeepsTheBestAndTheLast(t *testing.T) {
	var p Progress
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.Record(5, 7, t0)
	p.Record(7, 7, t0.Add(time.Hour))
	p.Record(3, 7, t0.Add(2*time.Hour))
	if p.Passed != 3 || p.Status != Failing || !p.GradedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("last grade = %d/%d %s at %v, want 3/7 failing at the third grade", p.Passed, p.Total, p.Status, p.GradedAt)
	}
	if p.BestPassed != 7 || !p.BestAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("best = %d at %v, want 7 at the second grade", p.BestPassed, p.BestAt)
	}
}
