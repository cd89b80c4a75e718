package files

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote returns path as it can be printed on one line of a terminal: as
// it is if it is plain (valid UTF-8, printable, no quote or backslash),
// otherwise quoted as a Go string, so that a newline or an escape code in
// a file name can neither break a message in two nor drive the terminal.
// A path that could be misread inside a message (empty, with a space at
// either end, or holding ": ", which messages use to separate their
// parts) is quoted too.
func Quote(path string) string {
	if !utf8.ValidString(path) || path == "" || strings.TrimSpace(path) != path || strings.Contains(path, ": ") {
		return strconv.Quote(path)
	}
	for _, r := range path {
		if !unicode.IsPrint(r) || r == '"' || r == '\\' {
			return strconv.Quote(path)
		}
	}
	return path
}

// OneLine returns msg with every character a terminal would act on (a
// newline, an escape code, a byte that is not UTF-8) written as a Go
// escape, and the rest as it is: for messages that carry a value as the
// user typed it (a flag's), which can neither break the message in two
// nor drive the terminal.
func OneLine(msg string) string {
	var b strings.Builder
	for len(msg) > 0 {
		r, size := utf8.DecodeRuneInString(msg)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, msg[0])
		case unicode.IsPrint(r):
			b.WriteString(msg[:size])
		default:
			q := strconv.QuoteRune(r) // '\n', '\x1b', '\u2028'
			b.WriteString(q[1 : len(q)-1])
		}
		msg = msg[size:]
	}
	return b.String()
}
