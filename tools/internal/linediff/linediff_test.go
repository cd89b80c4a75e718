package linediff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func unified(t *testing.T, a, b string) string {
	t.Helper()
	var sb strings.Builder
	if err := Unified(&sb, "a/f.go", "b/f.go", a, b); err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

func lines(n int, change map[int]string) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		if c, ok := change[i]; ok {
			if c != "" {
				sb.WriteString(c + "\n")
			}
			continue
		}
		sb.WriteString("line " + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "\n")
	}
	return sb.String()
}

func TestUnified(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"equal", "x\ny\n", "x\ny\n", ""},
		{"one line changed in the middle", lines(10, nil), lines(10, map[int]string{5: "five"}),
			"--- a/f.go\n+++ b/f.go\n@@ -2,7 +2,7 @@\n line 02\n line 03\n line 04\n-line 05\n+five\n line 06\n line 07\n line 08\n"},
		{"a line inserted at the top", "x\ny\n", "new\nx\ny\n",
			"--- a/f.go\n+++ b/f.go\n@@ -1,2 +1,3 @@\n+new\n x\n y\n"},
		{"a line deleted at the end", "x\ny\nz\n", "x\ny\n",
			"--- a/f.go\n+++ b/f.go\n@@ -1,3 +1,2 @@\n x\n y\n-z\n"},
		{"from nothing", "", "x\n",
			"--- a/f.go\n+++ b/f.go\n@@ -0,0 +1 @@\n+x\n"},
		{"to nothing", "x\ny\n", "",
			"--- a/f.go\n+++ b/f.go\n@@ -1,2 +0,0 @@\n-x\n-y\n"},
		{"two changes far apart make two hunks", lines(20, nil), lines(20, map[int]string{2: "two", 18: "eighteen"}),
			"--- a/f.go\n+++ b/f.go\n" +
				"@@ -1,5 +1,5 @@\n line 01\n-line 02\n+two\n line 03\n line 04\n line 05\n" +
				"@@ -15,6 +15,6 @@\n line 15\n line 16\n line 17\n-line 18\n+eighteen\n line 19\n line 20\n"},
		{"two changes close together make one hunk", lines(12, nil), lines(12, map[int]string{3: "", 8: "eight"}),
			"--- a/f.go\n+++ b/f.go\n@@ -1,11 +1,10 @@\n line 01\n line 02\n-line 03\n line 04\n line 05\n line 06\n line 07\n-line 08\n+eight\n line 09\n line 10\n line 11\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unified(t, tt.a, tt.b); got != tt.want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestDirs(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeFile(t, a, "same.go", "package e\n")
	writeFile(t, b, "same.go", "package e\n")
	writeFile(t, a, "gone.go", "old\n")
	writeFile(t, b, "sub/new.go", "new\n")
	var sb strings.Builder
	differ, err := Dirs(&sb, a, b, "lessons/02/engine", "lessons/03/engine")
	if err != nil || !differ {
		t.Fatalf("Dirs = %v, %v; want true, nil", differ, err)
	}
	want := "--- lessons/02/engine/gone.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n" +
		"--- /dev/null\n+++ lessons/03/engine/sub/new.go\n@@ -0,0 +1 @@\n+new\n"
	if sb.String() != want {
		t.Errorf("Dirs wrote:\n%s\nwant:\n%s", sb.String(), want)
	}
	if differ, err := Dirs(&sb, a, a, "x", "y"); differ || err != nil {
		t.Errorf("Dirs of a directory with itself = %v, %v; want false, nil", differ, err)
	}
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
