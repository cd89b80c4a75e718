package docs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// A Snippet is the text a block shows and the language its fence announces.
type Snippet struct {
	Code string // the selected source, ending in one newline unless empty
	Lang string // the fence's info string: "go", "sh", "markdown" or ""
}

// fenceLangs maps a source file's extension to the language written after
// the opening fence, which is what Markdown renderers highlight by.
var fenceLangs = map[string]string{
	".go": "go",
	".sh": "sh",
	".md": "markdown",
}

// Extract reads the file ref names under root and returns the part its
// selector picks (see [Ref]). Region marker lines never appear in the
// result, whichever selector is used: they are scaffolding for this tool,
// not part of the lesson.
func Extract(root string, ref Ref) (Snippet, error) {
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(ref.Path)))
	if err != nil {
		return Snippet{}, describeReadError(ref.Path, err)
	}
	code, err := selectCode(ref, src)
	if err != nil {
		return Snippet{}, err
	}
	return Snippet{
		Code: withFinalNewline(removeMarkerLines(code)),
		Lang: fenceLangs[path.Ext(ref.Path)],
	}, nil
}

// describeReadError names the file by its path from the root rather than
// the absolute path os.ReadFile reports, so messages read the same on every
// machine.
func describeReadError(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("source file %s does not exist", name)
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	return fmt.Errorf("cannot read source file %s: %v", name, err)
}

// selectCode applies the selector rules in order: no selector is the whole
// file, then a region of that name, then (in Go files) a declaration.
// Regions win so that an author can always pick exactly the lines they
// mean, even where a declaration shares the name.
func selectCode(ref Ref, src []byte) (string, error) {
	if ref.Selector == "" {
		return string(src), nil
	}
	lines := strings.Split(string(src), "\n")
	region, found, err := findRegion(ref.Path, lines, ref.Selector)
	if err != nil {
		return "", err
	}
	if found {
		return dedent(region), nil
	}
	if path.Ext(ref.Path) != ".go" {
		return "", fmt.Errorf("no docs:region named %q in %s", ref.Selector, ref.Path)
	}
	return findDecl(ref.Path, src, ref.Selector)
}

// markerLine matches a region marker: a line comment, "//" or "#" so that
// shell scripts can have regions too, holding "docs:region NAME" or
// "docs:endregion NAME" and nothing else.
var markerLine = regexp.MustCompile(`^\s*(?://|#)\s*docs:(region|endregion)\s+(\S+)\s*$`)

// parseMarker reports whether line is a region marker, and if so whether it
// opens a region and the region's name.
func parseMarker(line string) (opens bool, name string, ok bool) {
	m := markerLine.FindStringSubmatch(line)
	if m == nil {
		return false, "", false
	}
	return m[1] == "region", m[2], true
}

// findRegion returns the lines strictly between the "docs:region NAME" and
// "docs:endregion NAME" markers. found is false when the file has no marker
// with that name at all. A region that is unclosed, reversed or marked twice
// is an error, because guessing which lines were meant would hide the
// mistake.
func findRegion(filename string, lines []string, name string) (region []string, found bool, err error) {
	start, end := -1, -1 // 0-based indexes of the region's two marker lines
	for i, line := range lines {
		opens, markerName, ok := parseMarker(line)
		if !ok || markerName != name {
			continue
		}
		at := fmt.Sprintf("%s:%d", filename, i+1)
		switch {
		case opens && start >= 0:
			return nil, true, fmt.Errorf("%s: second docs:region %s (region names must be unique in a file)", at, name)
		case opens:
			start = i
		case start < 0:
			return nil, true, fmt.Errorf("%s: docs:endregion %s comes before its docs:region", at, name)
		case end >= 0:
			return nil, true, fmt.Errorf("%s: second docs:endregion %s", at, name)
		default:
			end = i
		}
	}
	switch {
	case start < 0:
		return nil, false, nil
	case end < 0:
		return nil, true, fmt.Errorf("%s:%d: docs:region %s has no docs:endregion %s", filename, start+1, name, name)
	}
	return lines[start+1 : end], true, nil
}

// removeMarkerLines drops every region marker line from code. Regions may
// nest or overlap, and a quoted declaration may contain regions, so any
// marker can turn up inside quoted text.
func removeMarkerLines(code string) string {
	lines := strings.SplitAfter(code, "\n")
	kept := lines[:0]
	for _, line := range lines {
		if _, _, isMarker := parseMarker(strings.TrimSuffix(line, "\n")); !isMarker {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "")
}

// dedent joins lines after removing the indentation they all share, so a
// region cut from inside a function body starts at the left margin. Marker
// lines and blank lines do not count towards the shared indentation.
func dedent(lines []string) string {
	var indent string
	first := true
	for _, line := range lines {
		if _, _, isMarker := parseMarker(line); isMarker || strings.TrimSpace(line) == "" {
			continue
		}
		lead := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if first {
			indent, first = lead, false
		} else {
			indent = commonPrefix(indent, lead)
		}
	}
	var b strings.Builder
	for _, line := range lines {
		if strings.TrimSpace(line) != "" {
			b.WriteString(strings.TrimPrefix(line, indent))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

// withFinalNewline trims trailing blank lines and ends the code with exactly
// one newline, so the closing fence always sits on its own line.
func withFinalNewline(code string) string {
	code = strings.TrimRight(code, " \t\r\n")
	if code == "" {
		return ""
	}
	return code + "\n"
}
