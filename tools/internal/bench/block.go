package bench

import (
	"fmt"
	"strings"
)

// The markers around the measured table in CURRICULUM.md. Everything
// between them belongs to `course bench -write`.
const (
	BlockStart = "<!-- bench:start -->"
	BlockEnd   = "<!-- bench:end -->"
)

// ReplaceBlock returns doc with the text between the bench markers
// replaced by body. The markers stay; each must appear exactly once, start
// first.
func ReplaceBlock(doc, body string) (string, error) {
	if n := strings.Count(doc, BlockStart); n != 1 {
		return "", fmt.Errorf("want exactly one %s line, found %d", BlockStart, n)
	}
	if n := strings.Count(doc, BlockEnd); n != 1 {
		return "", fmt.Errorf("want exactly one %s line, found %d", BlockEnd, n)
	}
	before, rest, _ := strings.Cut(doc, BlockStart)
	_, after, ok := strings.Cut(rest, BlockEnd)
	if !ok {
		return "", fmt.Errorf("%s comes before %s", BlockEnd, BlockStart)
	}
	return before + BlockStart + "\n" + strings.TrimSpace(body) + "\n" + BlockEnd + after, nil
}
