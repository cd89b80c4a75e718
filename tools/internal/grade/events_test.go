package grade

import (
	"strings"
	"testing"
)

// A go test -json stream in which TestA passes, TestB fails with a
// message in a subtest, and TestC is running when a goroutine's panic
// kills the binary: TestC never ends, and TestD never starts.
const crashedRound = `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestB/workers=2"}
{"Action":"output","Package":"p","Test":"TestB/workers=2","Output":"    zz_hidden_test.go:9: 3 ran at once with workers=2\n"}
{"Action":"fail","Package":"p","Test":"TestB/workers=2"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestC"}
{"Action":"output","Package":"p","Test":"TestC","Output":"=== RUN   TestC\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"panic: close of nil channel\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"goroutine 8 [running]:\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"p.helper()\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"\t/work/main/exercises/p/p.go:12 +0x1d\n"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.016s\n"}
{"Action":"fail","Package":"p"}
`

func TestParseRound(t *testing.T) {
	r, err := parseRound(strings.NewReader(crashedRound))
	if err != nil {
		t.Fatal(err)
	}
	if r.buildFailed {
		t.Fatal("round reports a failed build, want none")
	}
	want := map[string]struct {
		ok      bool
		outcome Outcome
		reason  string
	}{
		"TestA": {true, Passed, ""},
		"TestB": {true, Failed, "3 ran at once with workers=2"},
		"TestC": {true, Failed, "panicked: close of nil channel at p.go:12 (helper)"},
		"TestD": {false, NotRun, ""},
	}
	for name, w := range want {
		v := r.verdict(name, "exercises/p")
		ran := v.Outcome != NotRun
		if ran != w.ok {
			t.Errorf("%s: ran = %v, want %v", name, ran, w.ok)
			continue
		}
		if ran && (v.Outcome != w.outcome || v.Reason != w.reason) {
			t.Errorf("%s: verdict %v %q, want %v %q", name, v.Outcome, v.Reason, w.outcome, w.reason)
		}
	}
}

func TestParseRoundWithABuildFailure(t *testing.T) {
	const stream = `{"ImportPath":"p [p.test]","Action":"build-output","Output":"# p [p.test]\n"}
{"ImportPath":"p [p.test]","Action":"build-output","Output":"exercises/p/zz_hidden_test.go:12:9: undefined: Map\n"}
{"ImportPath":"p [p.test]","Action":"build-fail"}
{"Action":"start","Package":"p"}
{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}
{"Action":"fail","Package":"p","FailedBuild":"p [p.test]"}
`
	r, err := parseRound(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if !r.buildFailed {
		t.Fatal("round does not report the failed build")
	}
	got := r.buildErrors("exercises/p")
	if len(got) != 1 || got[0] != "zz_hidden_test.go:12:9: undefined: Map" {
		t.Errorf("buildErrors = %q, want the one compiler error with a short path", got)
	}
}

func TestACountAboveOneFailsIfAnyRunFails(t *testing.T) {
	const stream = `{"Action":"run","Test":"TestA"}
{"Action":"fail","Test":"TestA"}
{"Action":"run","Test":"TestA"}
{"Action":"pass","Test":"TestA"}
`
	r, err := parseRound(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if v := r.verdict("TestA", "x"); v.Outcome != Failed {
		t.Errorf("a test that failed once in -count=2 got %v, want Failed", v.Outcome)
	}
}

func TestACrashInALaterRunOfTheSameTestIsAFailure(t *testing.T) {
	const stream = `{"Action":"run","Test":"TestA"}
{"Action":"pass","Test":"TestA"}
{"Action":"run","Test":"TestA"}
{"Action":"output","Test":"TestA","Output":"panic: boom\n"}
`
	r, err := parseRound(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if v := r.verdict("TestA", "x"); v.Outcome != Failed || v.Reason != "panicked: boom" {
		t.Errorf("a test that passed once and then crashed got %v %q, want Failed, panicked: boom", v.Outcome, v.Reason)
	}
}
