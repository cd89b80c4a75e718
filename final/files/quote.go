package files

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Quote returns path as it can be printed on one line of a terminal: as
// it is if it is plain (valid UTF-8, printable, no quote or backslash),
// otherwise quoted as a Go string, so that a newline or an escape code in
// a file name can neither break a message in two nor drive the terminal.
func Quote(path string) string {
	if !utf8.ValidString(path) {
		return strconv.Quote(path)
	}
	for _, r := range path {
		if !unicode.IsPrint(r) || r == '"' || r == '\\' {
			return strconv.Quote(path)
		}
	}
	return path
}
