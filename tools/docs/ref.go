package docs

import (
	"fmt"
	"path"
	"strings"
)

// A Ref names the source a block quotes: a file, relative to the repository
// root and written with forward slashes, and an optional selector.
//
// The selector picks part of the file. It is looked up first among the
// file's region markers ("// docs:region NAME"), then, in a .go file, among
// its top-level declarations: "Name" for a func, type, const or var, and
// "Type.Method" for a method. An empty selector means the whole file.
type Ref struct {
	Path     string
	Selector string
}

// ParseRef parses the text of an opening marker, such as
// "lessons/00-the-job/oracle/oracle.go#Pack". It rejects paths that are
// absolute or climb out of the repository with "..".
func ParseRef(s string) (Ref, error) {
	filePath, selector, hasSelector := strings.Cut(strings.TrimSpace(s), "#")
	switch {
	case filePath == "":
		return Ref{}, fmt.Errorf("block names no source file")
	case !isInsideRoot(filePath):
		return Ref{}, fmt.Errorf("source path %q must be relative to the repository root, without \"..\"", filePath)
	case hasSelector && selector == "":
		return Ref{}, fmt.Errorf("source %q has an empty selector after '#'", s)
	}
	return Ref{Path: filePath, Selector: selector}, nil
}

// String returns the ref as it is written in a marker.
func (r Ref) String() string {
	if r.Selector == "" {
		return r.Path
	}
	return r.Path + "#" + r.Selector
}

// isInsideRoot reports whether a slash-separated path stays inside the
// directory it is relative to, so a block cannot quote files outside the
// repository.
func isInsideRoot(p string) bool {
	return !path.IsAbs(p) && p == path.Clean(p) && p != ".." && !strings.HasPrefix(p, "../")
}
