// Package course knows the course's shape on disk: where the lessons and
// exercises are, what each is called, and the learner's progress through
// them.
package course

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Lesson is one directory lessons/NN-name.
type Lesson struct {
	Number string // "03"
	Dir    string // "lessons/03-channel-pipeline", relative to the root, slash-separated
	Title  string // from the README's first heading, else from the directory name
}

// Name is the lesson's directory name, "03-channel-pipeline".
func (l Lesson) Name() string { return path.Base(l.Dir) }

// lessonDir matches a lesson directory's name and captures its number and
// the rest.
var lessonDir = regexp.MustCompile(`^(\d\d)-(.+)$`)

// Lessons returns the lessons under root/lessons, in order. Lessons come and
// go as the course is written, so it lists whatever directories are there;
// a lesson without a README yet is titled after its directory.
func Lessons(root string) ([]Lesson, error) {
	entries, err := os.ReadDir(filepath.Join(root, "lessons"))
	if err != nil {
		return nil, fmt.Errorf("listing lessons: %w", err)
	}
	var lessons []Lesson
	for _, e := range entries { // ReadDir sorts by name, so by number
		m := lessonDir.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		l := Lesson{Number: m[1], Dir: "lessons/" + e.Name()}
		l.Title = readmeTitle(filepath.Join(root, filepath.FromSlash(l.Dir), "README.md"))
		if l.Title == "" {
			l.Title = strings.ReplaceAll(m[2], "-", " ")
		}
		l.Title = capitalize(l.Title)
		lessons = append(lessons, l)
	}
	return lessons, nil
}

// capitalize upper-cases the first letter of s: "the job" -> "The job".
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// lessonPrefix is the "Lesson 03:" a README heading starts with, which a
// listing that already shows the number leaves out.
var lessonPrefix = regexp.MustCompile(`^(?i:lesson)\s+\d+\s*[:.-]\s*`)

// readmeTitle returns the text of the Markdown file's first "# " heading,
// without a "Lesson NN:" prefix, or "" if there is no such file or heading.
func readmeTitle(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if title, ok := strings.CutPrefix(sc.Text(), "# "); ok {
			return lessonPrefix.ReplaceAllString(strings.TrimSpace(title), "")
		}
	}
	return ""
}

// FindLesson returns the lesson arg names: its number ("3" or "03") or its
// directory name ("03-channel-pipeline", with or without "lessons/").
func FindLesson(lessons []Lesson, arg string) (Lesson, error) {
	name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(arg), "lessons/"), "/")
	for _, l := range lessons {
		if name == l.Number || name == l.Name() || (len(name) == 1 && "0"+name == l.Number) {
			return l, nil
		}
	}
	var known []string
	for _, l := range lessons {
		known = append(known, l.Number)
	}
	return Lesson{}, fmt.Errorf("no lesson %q (lessons: %s)", arg, strings.Join(known, ", "))
}
