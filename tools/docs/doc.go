// Package docs keeps the code shown in the course's Markdown files in step
// with the source files it quotes.
//
// A Markdown file marks a quoted block with two HTML comments, each alone on
// a line and starting at column 0:
//
//	<!-- code: lessons/00-the-job/oracle/oracle.go#Pack -->
//	<!-- /code -->
//
// Everything between the two markers belongs to the tool: [Update] replaces
// it with a fenced code block holding the selected source, and [Check]
// reports blocks whose fenced copy has drifted from that source. See [Ref]
// for what may follow the '#'.
//
// Markers inside a fenced code block, or indented, are ordinary text, which
// is how a page can show the syntax without being rewritten by it.
package docs
