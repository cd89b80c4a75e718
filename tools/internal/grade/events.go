package grade

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// event is one line of go test -json output (see go doc test2json).
type event struct {
	Action      string
	Test        string
	Output      string
	FailedBuild string
}

// A round is what one go test -json run said about each test.
type round struct {
	tests       map[string]*testLog // by top-level test name
	pkgOutput   []string            // output not tied to a test: a crash, goleak's verdict
	pkgFailed   bool                // the binary failed as a whole: after its tests passed, TestMain's goleak may still fail it
	buildOutput []string            // compiler output, if the build failed
	buildFailed bool
}

// A testLog is one top-level test's events: its subtests are folded in, so
// the verdict is on the behaviour the top-level test names.
type testLog struct {
	started bool
	open    bool   // started and not yet ended: if the stream stops here, the binary died in it
	action  string // "pass", "fail" or "skip" once the test has ended
	output  []string
}

func (r *round) empty() bool {
	return len(r.tests) == 0 && len(r.pkgOutput) == 0 && len(r.buildOutput) == 0 && !r.buildFailed
}

// parseRound reads a go test -json stream.
func parseRound(rd io.Reader) (*round, error) {
	r := &round{tests: map[string]*testLog{}}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue // go test may print plain text around the JSON
		}
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("reading go test -json output: %w", err)
		}
		r.add(e)
	}
	return r, sc.Err()
}

func (r *round) add(e event) {
	switch {
	case e.Action == "build-output":
		r.buildOutput = append(r.buildOutput, lines(e.Output)...)
		return
	case e.Action == "build-fail" || e.FailedBuild != "":
		r.buildFailed = true
		return
	case e.Test == "":
		switch e.Action {
		case "output":
			r.pkgOutput = append(r.pkgOutput, lines(e.Output)...)
		case "fail":
			r.pkgFailed = true
		}
		return
	}
	top, _, sub := strings.Cut(e.Test, "/")
	t := r.tests[top]
	if t == nil {
		t = &testLog{}
		r.tests[top] = t
	}
	switch e.Action {
	case "run":
		t.started = true
		t.open = t.open || !sub
	case "output":
		t.output = append(t.output, lines(e.Output)...)
	case "pass", "fail", "skip":
		if sub {
			break // the top-level test's own end carries the verdict
		}
		t.open = false
		// With -count>1 a test ends several times: one failure is enough.
		if t.action != "fail" {
			t.action = e.Action
		}
	}
}

// verdict returns the test's verdict. A test that never started (the
// binary died first, or no test has that name) did not run.
func (r *round) verdict(name, dir string) TestResult {
	t := r.tests[name]
	res := TestResult{Name: name}
	switch {
	case t == nil || !t.started:
		res.Outcome, res.Output = NotRun, r.pkgOutput
		res.Reason = "the test binary stopped before this test started: " + explain(r.pkgOutput, dir)
	case t.open:
		// Started and never ended (perhaps in its second run, with
		// -count): the binary died while it ran, and what killed it may
		// have been printed outside the test's output.
		res.Outcome = Failed
		res.Output = append(append([]string(nil), t.output...), r.pkgOutput...)
		res.Reason = explain(res.Output, dir)
	case t.action == "pass" && r.pkgFailed && len(r.tests) == 1:
		// The test passed, and then TestMain's goleak check (or something
		// else after it) failed the binary, in which only this test ran.
		res.Outcome = Failed
		res.Output = append(append([]string(nil), t.output...), r.pkgOutput...)
		res.Reason = explain(r.pkgOutput, dir)
	case t.action == "pass":
		res.Outcome, res.Output = Passed, t.output
	case t.action == "skip":
		res.Outcome, res.Reason, res.Output = NotRun, "skipped", t.output
	default:
		res.Outcome, res.Output = Failed, t.output
		res.Reason = explain(t.output, dir)
	}
	return res
}

// lines splits output into lines without their newlines.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		out = append(out, strings.TrimRight(l, "\r\n"))
	}
	return out
}
