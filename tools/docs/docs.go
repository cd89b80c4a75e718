package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A Problem is one thing wrong with a block in a Markdown file, or with the
// file's markers as a whole.
type Problem struct {
	File  string // the Markdown file, slash-separated and relative to the root
	Line  int    // the line of the block's opening marker, or of the stray marker
	Msg   string // what is wrong, naming the block's source where there is one
	Stale bool   // whether the only trouble is a copy that [Update] would refresh
}

// String formats p as "FILE:LINE: MSG", the form editors and CI logs link.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// Check reports every block in files (slash-separated paths relative to
// root) that is out of date, malformed or quotes a source that does not
// exist, and changes nothing. The error is for a Markdown file it could not
// read.
func Check(root string, files []string) ([]Problem, error) {
	var problems []Problem
	for _, name := range files {
		src, err := readMarkdown(root, name)
		if err != nil {
			return problems, err
		}
		_, found := syncFile(root, name, src)
		problems = append(problems, found...)
	}
	return problems, nil
}

// Update rewrites every out-of-date block in files (slash-separated paths
// relative to root) and returns the files it changed. Blocks it cannot fill,
// because they are malformed or quote a source that does not exist, are
// left as they are and returned as problems. The error is for a Markdown
// file it could not read or write.
func Update(root string, files []string) (changed []string, problems []Problem, err error) {
	for _, name := range files {
		src, err := readMarkdown(root, name)
		if err != nil {
			return changed, problems, err
		}
		updated, found := syncFile(root, name, src)
		for _, p := range found {
			if !p.Stale {
				problems = append(problems, p)
			}
		}
		if updated == src {
			continue
		}
		// The mode only applies to a new file; an existing one keeps its own.
		if err := os.WriteFile(markdownPath(root, name), []byte(updated), 0o644); err != nil {
			return changed, problems, fmt.Errorf("%s: %v", name, err)
		}
		changed = append(changed, name)
	}
	return changed, problems, nil
}

func markdownPath(root, name string) string {
	return filepath.Join(root, filepath.FromSlash(name))
}

func readMarkdown(root, name string) (string, error) {
	src, err := os.ReadFile(markdownPath(root, name))
	if err != nil {
		return "", fmt.Errorf("%s: %v", name, err)
	}
	return string(src), nil
}

// syncFile returns the Markdown file src with every block it can fill
// brought up to date, and the problems it found, stale blocks included.
// Blocks with problems other than staleness keep their current text.
func syncFile(root, name, src string) (string, []Problem) {
	blocks, problem := findBlocks(name, src)
	if problem != nil {
		return src, []Problem{*problem}
	}
	var out strings.Builder
	var problems []Problem
	copied := 0 // src[:copied] has been written to out
	for _, b := range blocks {
		current := src[b.bodyStart:b.bodyEnd]
		body, err := wantedBody(root, b.ref, current)
		switch {
		case err != nil:
			problems = append(problems, Problem{File: name, Line: b.line, Msg: fmt.Sprintf("block %s: %v", b.ref, err)})
			body = current
		case body != current:
			problems = append(problems, Problem{File: name, Line: b.line, Msg: fmt.Sprintf("block %s is out of date", b.ref), Stale: true})
		}
		out.WriteString(src[copied:b.bodyStart])
		out.WriteString(body)
		copied = b.bodyEnd
	}
	out.WriteString(src[copied:])
	return out.String(), problems
}

// wantedBody returns the text that belongs between the markers of the block
// quoting ref, whose current text is current.
func wantedBody(root, ref, current string) (string, error) {
	if err := checkBody(current); err != nil {
		return "", err
	}
	parsed, err := ParseRef(ref)
	if err != nil {
		return "", err
	}
	snippet, err := Extract(root, parsed)
	if err != nil {
		return "", err
	}
	return renderBody(snippet), nil
}
