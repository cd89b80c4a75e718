package grade

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// WriteReport writes the verdict on each behaviour, one line each, and a
// count. With verbose, each failing test's full output follows its line.
func WriteReport(w io.Writer, res Result, verbose bool) {
	if len(res.BuildErrors) > 0 {
		writeBuildErrors(w, res.BuildErrors)
		return
	}
	for _, t := range res.Tests {
		WriteTest(w, t, verbose)
	}
	WriteSummary(w, res)
}

// WriteTest writes one behaviour's line of the report, as WriteReport
// does; the grader calls it as each verdict arrives, so a learner reads
// the first failure while the other tests still run.
func WriteTest(w io.Writer, t TestResult, verbose bool) {
	switch t.Outcome {
	case Passed:
		fmt.Fprintf(w, "  ok    %s\n", Behaviour(t.Name))
	case Failed:
		fmt.Fprintf(w, "  FAIL  %s: %s\n", Behaviour(t.Name), t.Reason)
	case NotRun:
		fmt.Fprintf(w, "  ----  %s: did not run: %s\n", Behaviour(t.Name), t.Reason)
	}
	if verbose && t.Outcome != Passed {
		for _, l := range t.Output {
			fmt.Fprintf(w, "        | %s\n", l)
		}
	}
}

// WriteSummary writes the report's last line, or the build errors if the
// package did not build.
func WriteSummary(w io.Writer, res Result) {
	if len(res.BuildErrors) > 0 {
		writeBuildErrors(w, res.BuildErrors)
		return
	}
	fmt.Fprintf(w, "\n%d of %d behaviours pass.\n", res.PassedCount(), len(res.Tests))
}

// writeBuildErrors explains a failed build. If the hidden tests are what
// does not compile, the learner has changed the API they call.
func writeBuildErrors(w io.Writer, errs []string) {
	hidden := false
	for _, e := range errs {
		if strings.HasPrefix(e, "zz_") {
			hidden = true
		}
	}
	if hidden {
		fmt.Fprintln(w, "  The hidden tests do not compile against your code: keep the names and")
		fmt.Fprintln(w, "  signatures the exercise's README gives.")
	} else {
		fmt.Fprintln(w, "  Your code does not compile:")
	}
	const most = 10
	for i, e := range errs {
		if i == most {
			fmt.Fprintf(w, "    ... and %d more\n", len(errs)-most)
			break
		}
		fmt.Fprintf(w, "    %s\n", e)
	}
}

// Behaviour turns a test's name into the behaviour it states:
// "TestKeepsOrderUnderRandomDelays" -> "keeps order under random delays".
// Words in capitals ("N", "EOF") keep them.
func Behaviour(test string) string {
	name := strings.TrimPrefix(test, "Test")
	var words []string
	word := []rune{}
	runes := []rune(name)
	for i, r := range runes {
		// A word starts at an upper-case letter after a lower-case one
		// ("keepsOrder"), or at the last capital of a run followed by a
		// lower-case letter ("EOFError" -> "EOF", "Error").
		boundary := i > 0 && unicode.IsUpper(r) &&
			(unicode.IsLower(runes[i-1]) || (i+1 < len(runes) && unicode.IsLower(runes[i+1])))
		if boundary || r == '_' {
			if len(word) > 0 {
				words = append(words, string(word))
			}
			word = word[:0]
			if r == '_' {
				continue
			}
		}
		word = append(word, r)
	}
	if len(word) > 0 {
		words = append(words, string(word))
	}
	for i, w := range words {
		if strings.ToUpper(w) != w || len(w) == 1 && i < len(words)-1 && w == "A" {
			words[i] = strings.ToLower(w)
		}
	}
	return strings.Join(words, " ")
}
