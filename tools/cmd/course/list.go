package main

import (
	"fmt"
	"io"
	"unicode/utf8"

	"packcourse/tools/internal/course"
)

const listUsage = `usage: go run ./tools/cmd/course list

List shows the lessons in order, each with its exercises and how far you
have got with them: not started, failing (with how many behaviours pass)
or passed.
`

func runList(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("list", listUsage, stderr)
	rootDir := rootFlag(fs)
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return usageError(fs, stderr, "list takes no arguments")
	}
	root, err := findRoot(*rootDir)
	if err != nil {
		return failf(stderr, "list", "%v", err)
	}
	lessons, err := course.Lessons(root)
	if err != nil {
		return failf(stderr, "list", "%v", err)
	}
	state, err := course.LoadState(root)
	if err != nil {
		return failf(stderr, "list", "%v", err)
	}
	writeList(stdout, lessons, course.Exercises, state)
	return exitOK
}

// writeList prints each lesson with its exercises under it. Exercises for
// a lesson not written yet still show, under that lesson's number.
func writeList(w io.Writer, lessons []course.Lesson, exercises []course.Exercise, state *course.State) {
	byLesson := map[string][]course.Exercise{}
	for _, e := range exercises {
		byLesson[e.Lesson] = append(byLesson[e.Lesson], e)
	}
	fmt.Fprintln(w, "Lessons and exercises (do each lesson's exercises after reading it):")
	fmt.Fprintln(w)
	width := titleWidth(lessons)
	listed := map[string]bool{}
	for _, l := range lessons {
		fmt.Fprintf(w, "  %s  %-*s %s\n", l.Number, width, l.Title, l.Dir)
		writeExercises(w, byLesson[l.Number], state)
		listed[l.Number] = true
	}
	for _, e := range exercises {
		if !listed[e.Lesson] {
			fmt.Fprintf(w, "  %s  %-*s %s\n", e.Lesson, width, "(lesson not written yet)", "")
			writeExercises(w, byLesson[e.Lesson], state)
			listed[e.Lesson] = true
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Grade an exercise with: go run ./tools/cmd/course grade NAME")
}

// titleWidth is the width of the title column: the longest title, so
// that the directories line up, and at least 36.
func titleWidth(lessons []course.Lesson) int {
	width := 36
	for _, l := range lessons {
		width = max(width, utf8.RuneCountInString(l.Title))
	}
	return width
}

func writeExercises(w io.Writer, exercises []course.Exercise, state *course.State) {
	for _, e := range exercises {
		fmt.Fprintf(w, "        exercise %-12s %-25s %s\n", e.Name, progress(state, e.Name), e.Summary)
	}
}

// progress is an exercise's status as the listing shows it.
func progress(state *course.State, name string) string {
	status := state.StatusOf(name)
	p := state.Exercises[name]
	if status == course.Failing && p.Total > 0 {
		if p.BestPassed > p.Passed {
			return fmt.Sprintf("failing (%d/%d, best %d)", p.Passed, p.Total, p.BestPassed)
		}
		return fmt.Sprintf("failing (%d/%d)", p.Passed, p.Total)
	}
	return string(status)
}
