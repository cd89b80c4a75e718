// Package linediff writes unified diffs of text files, for machines where
// git is not installed. It is a plain longest-common-subsequence diff:
// quadratic, and fine for source files of a few thousand lines.
package linediff

import (
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// An op is one line of an edit script: kept, deleted from a, or inserted
// from b.
type op struct {
	kind byte // ' ', '-' or '+'
	text string
}

// Unified writes the differences between a and b (each a whole file's
// text) as a unified diff with three lines of context, headed by the names
// aName and bName. It writes nothing if the texts are equal.
func Unified(w io.Writer, aName, bName, a, b string) error {
	if a == b {
		return nil
	}
	ops := script(splitLines(a), splitLines(b))
	if _, err := fmt.Fprintf(w, "--- %s\n+++ %s\n", aName, bName); err != nil {
		return err
	}
	for _, h := range hunks(ops, 3) {
		if err := h.write(w, ops); err != nil {
			return err
		}
	}
	return nil
}

// splitLines splits text into lines, keeping no newlines. A last line
// without a newline is still a line.
func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// script returns an edit script turning a into b: the lines of a longest
// common subsequence kept, the others deleted or inserted.
func script(a, b []string) []op {
	// lcs[i][j] is the length of an LCS of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, op{'-', a[i]})
			i++
		default:
			ops = append(ops, op{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		ops = append(ops, op{'-', a[i]})
	}
	for ; j < len(b); j++ {
		ops = append(ops, op{'+', b[j]})
	}
	return ops
}

// A hunk is a run of ops, changes with their context, and where it starts
// in each file (1-based line numbers).
type hunk struct {
	from, to     int // ops[from:to]
	aLine, bLine int
}

// hunks groups the changes of ops with context kept lines around them,
// merging groups whose context would touch or overlap.
func hunks(ops []op, context int) []hunk {
	// aAt[k] and bAt[k] are the line numbers in a and b at which ops[k]
	// stands.
	aAt, bAt := make([]int, len(ops)), make([]int, len(ops))
	a, b := 1, 1
	for k, o := range ops {
		aAt[k], bAt[k] = a, b
		if o.kind != '+' {
			a++
		}
		if o.kind != '-' {
			b++
		}
	}
	var hs []hunk
	for k := 0; k < len(ops); k++ {
		if ops[k].kind == ' ' {
			continue
		}
		from := max(0, k-context)
		last := k // the last change in this hunk
		for j := k + 1; j < len(ops) && j-last <= 2*context; j++ {
			if ops[j].kind != ' ' {
				last = j
			}
		}
		to := min(len(ops), last+1+context)
		hs = append(hs, hunk{from: from, to: to, aLine: aAt[from], bLine: bAt[from]})
		k = last
	}
	return hs
}

func (h hunk) write(w io.Writer, ops []op) error {
	aCount, bCount := 0, 0
	for _, o := range ops[h.from:h.to] {
		if o.kind != '+' {
			aCount++
		}
		if o.kind != '-' {
			bCount++
		}
	}
	if _, err := fmt.Fprintf(w, "@@ -%s +%s @@\n", span(h.aLine, aCount), span(h.bLine, bCount)); err != nil {
		return err
	}
	for _, o := range ops[h.from:h.to] {
		if _, err := fmt.Fprintf(w, "%c%s\n", o.kind, o.text); err != nil {
			return err
		}
	}
	return nil
}

// span formats a hunk range as diff does: "3,4", "3" for one line, and
// "2,0" (the line before) for none.
func span(line, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", line-1)
	case 1:
		return fmt.Sprintf("%d", line)
	}
	return fmt.Sprintf("%d,%d", line, count)
}

// Dirs writes a unified diff of every file in two directory trees, in
// path order, labelled with aLabel and bLabel in place of the directories'
// own paths. A file in only one tree is diffed against nothing. It returns
// whether any file differs.
func Dirs(w io.Writer, aDir, bDir, aLabel, bLabel string) (differ bool, err error) {
	aFiles, err := files(aDir)
	if err != nil {
		return false, err
	}
	bFiles, err := files(bDir)
	if err != nil {
		return false, err
	}
	all := map[string]bool{}
	for f := range aFiles {
		all[f] = true
	}
	for f := range bFiles {
		all[f] = true
	}
	for _, f := range slices.SortedFunc(maps.Keys(all), CodeFirst) {
		a, inA := aFiles[f]
		b, inB := bFiles[f]
		if a == b && inA == inB {
			continue
		}
		differ = true
		aName, bName := path.Join(aLabel, f), path.Join(bLabel, f)
		if !inA {
			aName = "/dev/null"
		}
		if !inB {
			bName = "/dev/null"
		}
		if err := Unified(w, aName, bName, a, b); err != nil {
			return differ, err
		}
	}
	return differ, nil
}

// CodeFirst orders file paths for reading a change: code before tests
// (files ending in _test.go), each group by name.
func CodeFirst(a, b string) int {
	if at, bt := IsTest(a), IsTest(b); at != bt {
		if at {
			return 1
		}
		return -1
	}
	return strings.Compare(a, b)
}

// IsTest reports whether a path names a Go test file.
func IsTest(name string) bool { return strings.HasSuffix(name, "_test.go") }

// files returns the content of every regular file under dir, by
// slash-separated path relative to dir.
func files(dir string) (map[string]string, error) {
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		m[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return m, err
}
