package grade

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// A Subject is one exercise as the self-check sees it: where its stub,
// reference answer, hidden tests and known-wrong answers are, all relative
// to the root.
type Subject struct {
	Stub     string // exercises/NAME
	Solution string // solutions/NAME
	Hidden   string // tools/testdata/grade/NAME; wrong answers are in its wrong/
	MainFile string // the file a wrong answer replaces, relative to Solution: NAME.go
}

// A CheckResult is the self-check's verdict on one exercise.
type CheckResult struct {
	Summary  string   // one line when all is well
	Problems []string // one line each; none means the exercise is sound
}

// Check proves both directions for one exercise: the reference answer
// passes every hidden test, count times over, and the untouched stub fails
// at least one. Then each known-wrong answer in Hidden/wrong must fail the
// tests its "Caught by:" line names: the hidden tests catch the mistakes
// they are meant to. o supplies Root, Race, Go and Timeout.
func Check(ctx context.Context, o Options, s Subject, count int) (CheckResult, error) {
	var res CheckResult
	base := o
	base.Hidden, base.Replace = s.Hidden, nil

	sol := base
	sol.Dir, sol.Count = s.Solution, count
	// The reference answer must pass on a busy machine too: give it room,
	// so that only a wrong answer is ever taken for stuck.
	sol.Timeout = 4 * base.timeout()
	solRes, err := Run(ctx, sol)
	if err != nil {
		return res, err
	}
	switch {
	case len(solRes.BuildErrors) > 0:
		res.Problems = append(res.Problems, fmt.Sprintf("%s does not build with its hidden tests: %s", s.Solution, solRes.BuildErrors[0]))
	case !solRes.AllPassed():
		for _, t := range solRes.Tests {
			if t.Outcome != Passed {
				res.Problems = append(res.Problems, fmt.Sprintf("%s fails %s: %s", s.Solution, t.Name, t.Reason))
			}
		}
	}

	stub := base
	stub.Dir, stub.Count = s.Stub, 1
	stubRes, err := Run(ctx, stub)
	if err != nil {
		return res, err
	}
	switch {
	case len(stubRes.BuildErrors) > 0:
		res.Problems = append(res.Problems, fmt.Sprintf("%s does not build with its hidden tests (stubs must compile): %s", s.Stub, stubRes.BuildErrors[0]))
	case stubRes.AllPassed():
		res.Problems = append(res.Problems, fmt.Sprintf("%s passes every hidden test: the stub must leave work to do (is it still the untouched stub?)", s.Stub))
	}

	wrongs, err := filepath.Glob(filepath.Join(o.Root, filepath.FromSlash(s.Hidden), "wrong", "*.go"))
	if err != nil {
		return res, err
	}
	sort.Strings(wrongs)
	for _, wrong := range wrongs {
		problems, err := checkWrong(ctx, base, s, wrong)
		if err != nil {
			return res, err
		}
		res.Problems = append(res.Problems, problems...)
	}

	res.Summary = fmt.Sprintf("solution passes %d/%d (x%d), stub fails %d/%d, %d wrong answer(s) caught",
		solRes.PassedCount(), len(solRes.Tests), count,
		len(stubRes.Tests)-stubRes.PassedCount(), len(stubRes.Tests), len(wrongs))
	return res, nil
}

// checkWrong grades one known-wrong answer in place of the solution's main
// file and returns what is wrong with the hidden tests' verdict on it.
func checkWrong(ctx context.Context, base Options, s Subject, wrong string) ([]string, error) {
	name := filepath.ToSlash(filepath.Join(s.Hidden, "wrong", filepath.Base(wrong)))
	want, err := caughtBy(wrong)
	if err != nil {
		return nil, err
	}
	if len(want) == 0 {
		return []string{fmt.Sprintf("%s has no \"// Caught by: TestX, ...\" line naming the tests that must fail", name)}, nil
	}
	o := base
	o.Dir, o.Count = s.Solution, 1
	o.Replace = map[string]string{filepath.Join(s.Solution, s.MainFile): wrong}
	// Only the tests that must fail are run: the others' verdicts are not
	// looked at, and each is a process of its own.
	o.Only = want
	res, err := Run(ctx, o)
	if err != nil {
		return nil, err
	}
	if len(res.BuildErrors) > 0 {
		return []string{fmt.Sprintf("%s does not build: %s", name, res.BuildErrors[0])}, nil
	}
	outcomes := map[string]Outcome{}
	for _, t := range res.Tests {
		outcomes[t.Name] = t.Outcome
	}
	var problems []string
	for _, test := range want {
		switch o, ok := outcomes[test]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s names %s, which is not a hidden test", name, test))
		case o == Passed:
			problems = append(problems, fmt.Sprintf("%s is not caught by %s: the test passes", name, test))
		}
	}
	return problems, nil
}

var caughtLine = regexp.MustCompile(`^//\s*Caught by:\s*(.+)$`)

// caughtBy reads the test names from a wrong answer's "// Caught by:" line.
func caughtBy(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := caughtLine.FindStringSubmatch(sc.Text()); m != nil {
			var names []string
			for n := range strings.SplitSeq(m[1], ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, n)
				}
			}
			return names, nil
		}
	}
	return nil, sc.Err()
}
