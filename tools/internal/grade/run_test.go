package grade

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// workspace lays out a tiny course in a temporary directory: a go.work
// with one module, a package "adder" in exercises/ and solutions/, hidden
// tests and wrong answers. It uses only the standard library, so go test
// runs it offline, without the race detector, in a second or two.
func workspace(t *testing.T, stub string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.work":                     "go 1.26.0\n\nuse (\n\t./exercises\n\t./solutions\n)\n",
		"exercises/go.mod":            "module example/exercises\n\ngo 1.26.0\n",
		"solutions/go.mod":            "module example/solutions\n\ngo 1.26.0\n",
		"exercises/adder/adder.go":    stub,
		"solutions/adder/adder.go":    "package adder\n\n// Add returns a+b.\nfunc Add(a, b int) int { return a + b }\n",
		"hidden/adder/hidden_test.go": hiddenAdderTests,
		"hidden/adder/wrong/minus.go": "// Caught by: TestAddsSmallNumbers\npackage adder\n\nfunc Add(a, b int) int { return a - b }\n",
	}
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// The hidden tests: one fails on a wrong Add; one crashes the binary from
// a goroutine when Add(0, 0) is not 0, taking the tests after it down;
// the last must still get its verdict, from a second round.
const hiddenAdderTests = `package adder

import "testing"

func TestAddsSmallNumbers(t *testing.T) {
	if got := Add(2, 3); got != 5 {
		t.Fatalf("Add(2, 3) = %d, want 5", got)
	}
}

func TestZeroIsNeutral(t *testing.T) {
	done := make(chan bool)
	go func() {
		if Add(0, 0) != 0 {
			panic("Add(0, 0) is not 0")
		}
		done <- true
	}()
	<-done
}

func TestIsSymmetric(t *testing.T) {
	if Add(1, 7) != Add(7, 1) {
		t.Fatal("Add(1, 7) != Add(7, 1)")
	}
}
`

func TestRunGradesEveryTestEvenAfterACrash(t *testing.T) {
	root := workspace(t, "package adder\n\n// Add returns a+b.\nfunc Add(a, b int) int { return 1 } // TODO\n")
	res, err := Run(t.Context(), Options{Root: root, Dir: "exercises/adder", Hidden: "hidden/adder", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name    string
		outcome Outcome
		reason  string
	}{
		{"TestAddsSmallNumbers", Failed, "Add(2, 3) = 1, want 5"},
		{"TestZeroIsNeutral", Failed, "panicked: Add(0, 0) is not 0"},
		{"TestIsSymmetric", Passed, ""},
	}
	if len(res.Tests) != len(want) {
		t.Fatalf("got %d verdicts, want %d: %+v", len(res.Tests), len(want), res.Tests)
	}
	for i, w := range want {
		got := res.Tests[i]
		if got.Name != w.name || got.Outcome != w.outcome || !strings.HasPrefix(got.Reason, w.reason) {
			t.Errorf("verdict %d = %s %v %q, want %s %v %q", i, got.Name, got.Outcome, got.Reason, w.name, w.outcome, w.reason)
		}
	}
	// The overlay put the hidden tests in the package without writing
	// them there.
	entries, _ := os.ReadDir(filepath.Join(root, "exercises", "adder"))
	if len(entries) != 1 {
		t.Errorf("exercises/adder holds %d files after grading, want only adder.go", len(entries))
	}
}

func TestRunReportsCompileErrors(t *testing.T) {
	root := workspace(t, "package adder\n\nfunc Add(a, b int) int { return a +* b }\n")
	res, err := Run(t.Context(), Options{Root: root, Dir: "exercises/adder", Hidden: "hidden/adder"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.BuildErrors) == 0 || !strings.HasPrefix(res.BuildErrors[0], "adder.go:3:") {
		t.Errorf("BuildErrors = %q, want the compiler's complaint about adder.go", res.BuildErrors)
	}
	if res.AllPassed() {
		t.Error("a package that does not compile passed")
	}
}

func TestCheck(t *testing.T) {
	s := Subject{Stub: "exercises/adder", Solution: "solutions/adder", Hidden: "hidden/adder", MainFile: "adder.go"}

	root := workspace(t, "package adder\n\nfunc Add(a, b int) int { return 0 } // TODO\n")
	res, err := Check(t.Context(), Options{Root: root}, s, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 {
		t.Errorf("Check found problems in a sound exercise: %q", res.Problems)
	}
	if want := "solution passes 3/3 (x2), stub fails 1/3, 1 wrong answer(s) caught"; res.Summary != want {
		t.Errorf("Summary = %q, want %q", res.Summary, want)
	}

	// A stub that is already solved, and a wrong answer the tests miss.
	root = workspace(t, "package adder\n\nfunc Add(a, b int) int { return a + b }\n")
	wrong := filepath.Join(root, "hidden", "adder", "wrong", "minus.go")
	if err := os.WriteFile(wrong, []byte("// Caught by: TestIsSymmetric\npackage adder\n\nfunc Add(a, b int) int { return a*b + 0*a }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = Check(t.Context(), Options{Root: root}, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"exercises/adder passes every hidden test: the stub must leave work to do (is it still the untouched stub?)",
		"hidden/adder/wrong/minus.go is not caught by TestIsSymmetric: the test passes",
	}
	if !slices.Equal(res.Problems, want) {
		t.Errorf("Problems = %q\nwant %q", res.Problems, want)
	}
}

func TestHiddenTests(t *testing.T) {
	root := workspace(t, "package adder\n")
	files, names, err := HiddenTests(filepath.Join(root, "hidden", "adder"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "hidden_test.go" {
		t.Errorf("files = %q, want the one hidden_test.go", files)
	}
	if want := []string{"TestAddsSmallNumbers", "TestZeroIsNeutral", "TestIsSymmetric"}; !slices.Equal(names, want) {
		t.Errorf("names = %q, want %q in source order", names, want)
	}
	if _, _, err := HiddenTests(t.TempDir()); err == nil {
		t.Error("HiddenTests of an empty directory returned no error")
	}
}
