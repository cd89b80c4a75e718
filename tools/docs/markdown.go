package docs

import (
	"errors"
	"fmt"
	"strings"
)

// The two markers that delimit a block. Each must be alone on its line and
// start at column 0.
const (
	openPrefix   = "<!-- code:"
	markerSuffix = "-->"
	closeMarker  = "<!-- /code -->"
)

// A block is one quoted-code block found in a Markdown file.
type block struct {
	line      int    // 1-based line of the opening marker
	ref       string // the opening marker's text after "code:"
	bodyStart int    // byte offset of the first line after the opening marker
	bodyEnd   int    // byte offset of the closing marker line
}

// A line is one line of a Markdown file and where it sits in the file.
type line struct {
	text  string // without its line ending
	num   int    // 1-based
	start int    // byte offset of the line's first byte
	end   int    // byte offset just past its line ending
}

func splitLines(src string) []line {
	var lines []line
	for start, num := 0, 1; start < len(src); num++ {
		end := len(src)
		if i := strings.IndexByte(src[start:], '\n'); i >= 0 {
			end = start + i + 1
		}
		text := strings.TrimRight(src[start:end], "\r\n")
		lines = append(lines, line{text: text, num: num, start: start, end: end})
		start = end
	}
	return lines
}

// findBlocks returns the blocks in a Markdown file, in order. Markers count
// only at column 0 and outside fenced code blocks, so pages can show the
// marker syntax in an example and a block may quote another Markdown file.
// It returns a problem, and no blocks, when the markers do not pair up:
// after such a mistake no later block can be trusted to be what the author
// meant.
func findBlocks(name, src string) ([]block, *Problem) {
	return findMarked(name, src, openPrefix, closeMarker)
}

// findMarked is findBlocks for any pair of markers: an opening one that
// starts with open and ends with "-->", and the closing line close. A
// block's ref is the opening marker's text between open and "-->".
func findMarked(name, src, openPrefix, closeMarker string) ([]block, *Problem) {
	var blocks []block
	var open *block // the block whose closing marker is still to come
	var inFence fence
	problem := func(line int, format string, args ...any) *Problem {
		return &Problem{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	for _, l := range splitLines(src) {
		if inFence.marker != "" {
			if inFence.closedBy(l.text) {
				inFence = fence{}
			}
			continue
		}
		if f, ok := openingFence(l.text, l.num); ok {
			inFence = f
			continue
		}
		switch {
		case strings.HasPrefix(l.text, openPrefix):
			if open != nil {
				return nil, problem(open.line, "block %s has no %s before the next block at line %d", open.ref, closeMarker, l.num)
			}
			ref, ok := strings.CutSuffix(strings.TrimRight(l.text, " \t"), markerSuffix)
			if !ok {
				return nil, problem(l.num, "opening marker does not end with %q", markerSuffix)
			}
			open = &block{line: l.num, ref: strings.TrimSpace(ref[len(openPrefix):]), bodyStart: l.end}
		case strings.TrimRight(l.text, " \t") == closeMarker:
			if open == nil {
				return nil, problem(l.num, "%s without an opening %s ... %s marker", closeMarker, openPrefix, markerSuffix)
			}
			open.bodyEnd = l.start
			blocks = append(blocks, *open)
			open = nil
		}
	}
	switch {
	case open != nil && inFence.marker != "" && inFence.line > open.line:
		return nil, problem(inFence.line, "code fence in block %s is never closed", open.ref)
	case open != nil:
		return nil, problem(open.line, "block %s has no %s", open.ref, closeMarker)
	}
	return blocks, nil
}

// A fence is an open fenced code block: the run of backticks or tildes that
// opened it, and the line it opened on. Its zero value means "not in a
// fence".
type fence struct {
	marker string
	line   int
}

// fenceRun splits a line that could open or close a fence into its run of
// three or more backticks or tildes and the rest of the line. Following
// CommonMark, the run may be indented by up to three spaces.
func fenceRun(text string) (run, rest string) {
	trimmed := strings.TrimLeft(text, " ")
	if len(text)-len(trimmed) > 3 || trimmed == "" || (trimmed[0] != '`' && trimmed[0] != '~') {
		return "", ""
	}
	rest = strings.TrimLeft(trimmed, trimmed[:1])
	run = trimmed[:len(trimmed)-len(rest)]
	if len(run) < 3 {
		return "", ""
	}
	return run, rest
}

func openingFence(text string, num int) (fence, bool) {
	run, info := fenceRun(text)
	// A backtick fence's info string cannot hold a backtick, or the line is
	// inline code such as ```x``` rather than a fence.
	if run == "" || (run[0] == '`' && strings.Contains(info, "`")) {
		return fence{}, false
	}
	return fence{marker: run, line: num}, true
}

// closedBy reports whether text closes the fence: a run of the same
// character at least as long as the opening one, with nothing after it.
func (f fence) closedBy(text string) bool {
	run, rest := fenceRun(text)
	return run != "" && run[0] == f.marker[0] && len(run) >= len(f.marker) && strings.TrimSpace(rest) == ""
}

// checkBody makes sure the text between a block's markers is something the
// tool may overwrite: nothing at all (a new block, to be filled) or a single
// fenced code block with only blank lines around it. Anything else is
// probably prose typed in the wrong place, which rewriting would destroy.
func checkBody(body string) error {
	lines := nonBlankSpan(splitLines(body))
	if len(lines) == 0 {
		return nil
	}
	f, ok := openingFence(lines[0].text, lines[0].num)
	if !ok {
		return errors.New("the text between its markers is not a fenced code block")
	}
	for i, l := range lines[1:] {
		if f.closedBy(l.text) {
			if i+2 < len(lines) {
				return errors.New("it has text after its code fence")
			}
			return nil
		}
	}
	return errors.New("its code fence is never closed")
}

// nonBlankSpan trims the blank lines from both ends of lines.
func nonBlankSpan(lines []line) []line {
	for len(lines) > 0 && strings.TrimSpace(lines[0].text) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1].text) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// renderBody returns the fenced code block that belongs between a block's
// markers. The fence is one backtick longer than any run of backticks in
// the code, so quoting Markdown that has fences of its own stays valid.
func renderBody(s Snippet) string {
	fence := strings.Repeat("`", max(3, longestRun(s.Code, '`')+1))
	return fence + s.Lang + "\n" + s.Code + fence + "\n"
}

func longestRun(s string, c byte) int {
	longest, current := 0, 0
	for i := range len(s) {
		if s[i] == c {
			current++
			longest = max(longest, current)
		} else {
			current = 0
		}
	}
	return longest
}
