package course

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HintsFile is the name of an exercise's hints file in its hidden
// directory. Each hint is a section starting with a "## " heading; the
// heading names the hint, the text below it is the hint.
const HintsFile = "hints.md"

// A Hint is one section of a hints file.
type Hint struct {
	Title string
	Text  string
}

// LoadHints returns the exercise's hints, in order.
func LoadHints(root string, e Exercise) ([]Hint, error) {
	file := filepath.Join(root, filepath.FromSlash(e.HiddenDir()), HintsFile)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("hints for %s: %w", e.Name, err)
	}
	hints := ParseHints(string(data))
	if len(hints) == 0 {
		return nil, fmt.Errorf("hints for %s: no \"## \" sections in %s", e.Name, file)
	}
	return hints, nil
}

// ParseHints splits Markdown into hints at its "## " headings. Text before
// the first heading (a title, a note to authors) is not a hint.
func ParseHints(md string) []Hint {
	var hints []Hint
	var text []string
	flush := func() {
		if len(hints) > 0 {
			hints[len(hints)-1].Text = strings.TrimSpace(strings.Join(text, "\n"))
		}
		text = nil
	}
	for line := range strings.Lines(md) {
		line = strings.TrimRight(line, "\r\n")
		if title, ok := strings.CutPrefix(line, "## "); ok {
			flush()
			hints = append(hints, Hint{Title: strings.TrimSpace(title)})
			continue
		}
		text = append(text, line)
	}
	flush()
	return hints
}
