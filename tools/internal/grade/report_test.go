package grade

import (
	"errors"
	"strings"
	"testing"
)

func TestBehaviour(t *testing.T) {
	for name, want := range map[string]string{
		"TestKeepsOrderUnderRandomDelays":      "keeps order under random delays",
		"TestNeverHandsOutMoreThanNBuffers":    "never hands out more than N buffers",
		"TestPutRejectsABufferPutTwice":        "put rejects a buffer put twice",
		"TestLeavesNoGoroutineAfterAReadError": "leaves no goroutine after a read error",
		"TestReturnsEOFAtTheEnd":               "returns EOF at the end",
		"TestStops_whenCancelled":              "stops when cancelled",
	} {
		if got := Behaviour(name); got != want {
			t.Errorf("Behaviour(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestWriteReport(t *testing.T) {
	res := Result{Tests: []TestResult{
		{Name: "TestKeepsOrder", Outcome: Passed},
		{Name: "TestStopsWhenCancelled", Outcome: Failed, Reason: "out was never closed", Output: []string{"=== RUN   TestStopsWhenCancelled"}},
		{Name: "TestBoundsMemory", Outcome: NotRun, Reason: "the binary died"},
	}}
	var b strings.Builder
	WriteReport(&b, res, false)
	want := "  ok    keeps order\n" +
		"  FAIL  stops when cancelled: out was never closed\n" +
		"  ----  bounds memory: did not run: the binary died\n" +
		"\n1 of 3 behaviours pass.\n"
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	WriteReport(&b, res, true)
	if !strings.Contains(b.String(), "        | === RUN   TestStopsWhenCancelled\n") {
		t.Errorf("verbose report does not show the failing test's output:\n%s", b.String())
	}
}

func TestWriteReportOfABuildFailure(t *testing.T) {
	var b strings.Builder
	WriteReport(&b, Result{BuildErrors: []string{"ordered.go:3:1: syntax error"}}, false)
	if want := "  Your code does not compile:\n    ordered.go:3:1: syntax error\n"; b.String() != want {
		t.Errorf("report = %q, want %q", b.String(), want)
	}
	b.Reset()
	WriteReport(&b, Result{BuildErrors: []string{"zz_hidden_test.go:12:9: undefined: Map"}}, false)
	if !strings.Contains(b.String(), "hidden tests do not compile against your code") {
		t.Errorf("report of an API change = %q, want it to say the hidden tests do not compile", b.String())
	}
}

func TestRaceDetector(t *testing.T) {
	found := func(string) (string, error) { return "/usr/bin/gcc", nil }
	missing := func(string) (string, error) { return "", errors.New("not found") }
	env := func(cc, cgo string) func(...string) (map[string]string, error) {
		return func(...string) (map[string]string, error) {
			return map[string]string{"CC": cc, "CGO_ENABLED": cgo}, nil
		}
	}
	tests := []struct {
		name    string
		tc      Toolchain
		ok      bool
		message string
	}{
		{"a C compiler and cgo", Toolchain{env("gcc", "1"), found}, true, ""},
		{"no C compiler", Toolchain{env("gcc", "0"), missing}, false, "no C compiler found: grading without the race detector; install gcc to enable it"},
		{"cgo turned off", Toolchain{env("gcc", "0"), found}, false, "cgo is disabled (CGO_ENABLED=0)"},
		{"CC with flags", Toolchain{env("clang -m64", "1"), func(f string) (string, error) {
			if f != "clang" {
				return "", errors.New("not found")
			}
			return "/usr/bin/clang", nil
		}}, true, ""},
		{"go env fails", Toolchain{func(...string) (map[string]string, error) { return nil, errors.New("boom") }, found}, false, "grading without the race detector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := tt.tc.RaceDetector()
			if ok != tt.ok || !strings.Contains(why, tt.message) {
				t.Errorf("RaceDetector() = %v, %q; want %v and a message containing %q", ok, why, tt.ok, tt.message)
			}
		})
	}
}
