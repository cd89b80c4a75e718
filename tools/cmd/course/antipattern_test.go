package main

import (
	"strings"
	"testing"
)

// miniAntipatterns lays out a course with one antipattern whose Show tests
// print a line each, and a directory that is not an antipattern. Its tests
// use only the standard library, so they run offline.
func miniAntipatterns(t *testing.T) string {
	root := t.TempDir()
	writeFile(t, root, "go.work", "go 1.26.0\n\nuse ./antipatterns\n")
	writeFile(t, root, "antipatterns/go.mod", "module example/antipatterns\n\ngo 1.26.0\n")
	writeFile(t, root, "antipatterns/internal/proof/proof.go", "// Package proof is shared test code.\npackage proof\n")
	writeFile(t, root, "antipatterns/lost-frame/broken.go", `// Package lostframe shows a frame that goes missing: the writer stops
// one frame early.
package lostframe

// Frames returns how many frames the broken writer writes out of n.
func Frames(n int) int { return n - 1 }
`)
	writeFile(t, root, "antipatterns/lost-frame/lost_test.go", `package lostframe

import (
	"fmt"
	"os"
	"testing"
)

func show(t *testing.T) {
	if os.Getenv("ANTIPATTERN_SHOW") != "1" {
		t.Skip("set ANTIPATTERN_SHOW=1")
	}
}

func TestShowBroken(t *testing.T) { show(t); fmt.Printf("broken: %d of 3 frames\n", Frames(3)) }
func TestShowFixed(t *testing.T)  { show(t); fmt.Println("fixed: 3 of 3 frames") }
`)
	return root
}

func withoutRace(t *testing.T) {
	saved := raceDetector
	t.Cleanup(func() { raceDetector = saved })
	raceDetector = func() (bool, string) { return false, "no C compiler found: grading without the race detector" }
}

func TestAntipatternLists(t *testing.T) {
	root := miniAntipatterns(t)
	status, stdout, stderr := runCourse(t, root, "antipattern")
	if status != exitOK {
		t.Fatalf("status %d, stderr:\n%s", status, stderr)
	}
	for _, want := range []string{"Antipatterns (1)", "lost-frame", "a frame that goes missing"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("listing lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "internal") {
		t.Errorf("listing shows a directory with no Show tests:\n%s", stdout)
	}
}

func TestAntipatternRunsBrokenThenFixed(t *testing.T) {
	withoutRace(t)
	root := miniAntipatterns(t)
	status, stdout, stderr := runCourse(t, root, "antipattern", "lost-frame")
	if status != exitOK {
		t.Fatalf("status %d, stderr:\n%s", status, stderr)
	}
	broken := strings.Index(stdout, "broken: 2 of 3 frames")
	fixed := strings.Index(stdout, "fixed: 3 of 3 frames")
	if broken < 0 || fixed < broken {
		t.Fatalf("want the broken output, then the fixed one:\n%s", stdout)
	}
	for _, framing := range []string{"=== RUN   TestShow", "--- PASS: TestShow", "ok  \t"} {
		if strings.Contains(stdout, framing) {
			t.Errorf("output keeps go test's framing %q:\n%s", framing, stdout)
		}
	}
	if !strings.Contains(stderr, "running without the race detector") {
		t.Errorf("stderr does not say the race detector is off: %q", stderr)
	}
}

func TestAntipatternUnknown(t *testing.T) {
	root := miniAntipatterns(t)
	status, _, stderr := runCourse(t, root, "antipattern", "no-such-thing")
	if status != exitFailure || !strings.Contains(stderr, `no antipattern "no-such-thing"`) {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
}

func TestAntipatternTakesOneName(t *testing.T) {
	root := miniAntipatterns(t)
	if status, _, _ := runCourse(t, root, "antipattern", "a", "b"); status != exitUsage {
		t.Fatalf("two names: status %d, want %d", status, exitUsage)
	}
}
