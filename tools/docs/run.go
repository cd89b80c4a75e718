package docs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The markers of a block that holds a command's output rather than code:
//
//	<!-- run: go run ./lessons/02-bounded-fanout -->
//	<!-- /run -->
//
// or, with options before the colon,
//
//	<!-- run(timeout=10m, details="The whole benchmark run", fails): go test -bench . ./x -->
//	<!-- /run -->
//
// [Refresh] runs the command from the repository root with sh -c and puts
// its output (stdout and stderr, as a terminal shows them) between the
// markers in a fenced text block, inside a collapsed <details> block if
// details is given.
const (
	runOpenPrefix  = "<!-- run"
	runCloseMarker = "<!-- /run -->"
)

// DefaultRunTimeout is how long a run block's command may take unless the
// block gives a timeout of its own.
const DefaultRunTimeout = 2 * time.Minute

// A RunBlock is a run block's marker, parsed.
type RunBlock struct {
	Command string
	Timeout time.Duration // DefaultRunTimeout unless the block says otherwise
	Details string        // the <details> summary; "" means no <details>
	Fails   bool          // the command is expected to exit non-zero
}

// parseRunRef parses what follows "<!-- run" in an opening marker:
// ": COMMAND" or "(OPTIONS): COMMAND". OPTIONS are separated by commas:
// timeout=DURATION, details="SUMMARY" (or details alone, for "Output"),
// and fails.
func parseRunRef(ref string) (RunBlock, error) {
	rb := RunBlock{Timeout: DefaultRunTimeout}
	var opts string
	if rest, ok := strings.CutPrefix(ref, "("); ok {
		var found bool
		opts, ref, found = strings.Cut(rest, ")")
		if !found {
			return rb, errors.New(`its options have no closing ")"`)
		}
	}
	cmd, ok := strings.CutPrefix(ref, ":")
	if !ok {
		return rb, errors.New(`the marker must read "<!-- run: COMMAND -->" or "<!-- run(OPTIONS): COMMAND -->"`)
	}
	if rb.Command = strings.TrimSpace(cmd); rb.Command == "" {
		return rb, errors.New("it names no command")
	}
	for _, opt := range splitOptions(opts) {
		key, value, _ := strings.Cut(opt, "=")
		switch key = strings.TrimSpace(key); key {
		case "timeout":
			d, err := time.ParseDuration(strings.TrimSpace(value))
			if err != nil || d <= 0 {
				return rb, fmt.Errorf("timeout %q is not a positive duration such as 5m", value)
			}
			rb.Timeout = d
		case "details":
			rb.Details = "Output"
			if v := strings.TrimSpace(value); v != "" {
				unquoted, err := strconv.Unquote(v)
				if err != nil {
					return rb, fmt.Errorf("details %s must be a quoted string", v)
				}
				rb.Details = unquoted
			}
		case "fails":
			rb.Fails = true
		default:
			return rb, fmt.Errorf("unknown option %q (options: timeout=DURATION, details=\"SUMMARY\", fails)", key)
		}
	}
	return rb, nil
}

// splitOptions splits a run marker's options at the commas outside quotes.
func splitOptions(s string) []string {
	var opts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ',' && !quoted:
			opts = append(opts, s[start:i])
			start = i + 1
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		opts = append(opts, s[start:])
	}
	return opts
}

// A Runner runs a run block's command from the root and returns its
// output. Tests pass a fake one; [ShellRunner] is the real one.
type Runner func(ctx context.Context, root string, rb RunBlock) (output string, err error)

// ShellRunner runs the command with sh -c from the root, with the block's
// timeout, and returns stdout and stderr interleaved as they were written.
// A non-zero exit is an error unless the block says the command fails.
func ShellRunner(ctx context.Context, root string, rb RunBlock) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, rb.Timeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", rb.Command)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return out.String(), fmt.Errorf("did not finish within %s (give the block a longer timeout=)", rb.Timeout)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && rb.Fails:
		return out.String(), nil
	case err != nil:
		return out.String(), fmt.Errorf("failed (%v): %s", err, lastLine(out.String()))
	case rb.Fails:
		return out.String(), errors.New("succeeded, but the block says it fails")
	}
	return out.String(), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Refresh reruns the command of every run block in files (slash-separated
// paths relative to root) and pastes its output between the markers. It
// reports each block to started before running it, since commands can be
// slow. A block whose command fails, times out or is malformed keeps its
// text and is returned as a problem. The error is for a Markdown file it
// could not read or write.
func Refresh(ctx context.Context, root string, files []string, run Runner, started func(file string, line int, command string)) (changed []string, problems []Problem, err error) {
	for _, name := range files {
		src, err := readMarkdown(root, name)
		if err != nil {
			return changed, problems, err
		}
		blocks, problem := findMarked(name, src, runOpenPrefix, runCloseMarker)
		if problem != nil {
			problems = append(problems, *problem)
			continue
		}
		var out strings.Builder
		copied := 0
		for _, b := range blocks {
			current := src[b.bodyStart:b.bodyEnd]
			body, err := refreshBlock(ctx, root, name, b, current, run, started)
			if err != nil {
				if ctx.Err() != nil {
					return changed, problems, ctx.Err()
				}
				problems = append(problems, Problem{File: name, Line: b.line, Msg: fmt.Sprintf("run block: %v", err)})
				body = current
			}
			out.WriteString(src[copied:b.bodyStart])
			out.WriteString(body)
			copied = b.bodyEnd
		}
		out.WriteString(src[copied:])
		if out.String() == src {
			continue
		}
		if err := os.WriteFile(markdownPath(root, name), []byte(out.String()), 0o644); err != nil {
			return changed, problems, fmt.Errorf("%s: %v", name, err)
		}
		changed = append(changed, name)
	}
	return changed, problems, nil
}

func refreshBlock(ctx context.Context, root, name string, b block, current string, run Runner, started func(string, int, string)) (string, error) {
	rb, err := parseRunRef(b.ref)
	if err != nil {
		return "", err
	}
	if err := checkRunBody(current); err != nil {
		return "", err
	}
	if started != nil {
		started(name, b.line, rb.Command)
	}
	output, err := run(ctx, root, rb)
	if err != nil {
		return "", fmt.Errorf("%s %v", rb.Command, err)
	}
	return renderRunBody(rb, output), nil
}

// CheckRunBlocks reports run blocks whose markers do not pair up or do not
// parse, or whose text is not output the tool wrote, in files. It runs
// nothing: -check must stay fast, and CI must not rerun benchmarks.
func CheckRunBlocks(root string, files []string) ([]Problem, error) {
	var problems []Problem
	for _, name := range files {
		src, err := readMarkdown(root, name)
		if err != nil {
			return problems, err
		}
		blocks, problem := findMarked(name, src, runOpenPrefix, runCloseMarker)
		if problem != nil {
			problems = append(problems, *problem)
			continue
		}
		for _, b := range blocks {
			_, err := parseRunRef(b.ref)
			if err == nil {
				err = checkRunBody(src[b.bodyStart:b.bodyEnd])
			}
			if err != nil {
				problems = append(problems, Problem{File: name, Line: b.line, Msg: fmt.Sprintf("run block: %v", err)})
			}
		}
	}
	return problems, nil
}

// checkRunBody makes sure the text between a run block's markers is
// something the tool may overwrite: nothing, a fenced block, or a fenced
// block inside <details> ... </details>.
func checkRunBody(body string) error {
	lines := nonBlankSpan(splitLines(body))
	if len(lines) > 0 && strings.HasPrefix(lines[0].text, "<details>") {
		if strings.TrimSpace(lines[len(lines)-1].text) != "</details>" {
			return errors.New("its <details> block is not closed by </details> on the last line")
		}
		lines = nonBlankSpan(lines[1 : len(lines)-1])
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text + "\n")
	}
	return checkBody(b.String())
}

// renderRunBody is the text between a run block's markers for output: a
// fenced text block, in a collapsed <details> block if rb asks for one.
func renderRunBody(rb RunBlock, output string) string {
	output = strings.TrimRight(output, " \t\r\n")
	if output != "" {
		output += "\n"
	}
	fenced := renderBody(Snippet{Code: output, Lang: "text"})
	if rb.Details == "" {
		return fenced
	}
	return "<details><summary>" + rb.Details + "</summary>\n\n" + fenced + "\n</details>\n"
}
