package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantStdout string // a substring; empty means stdout must be empty
		wantStderr string // likewise
	}{
		{name: "no arguments", args: nil, wantStatus: exitOK, wantStdout: "docs     fill Markdown code blocks"},
		{name: "help", args: []string{"help"}, wantStatus: exitOK, wantStdout: "commands:\n  list "},
		{name: "unknown command", args: []string{"frobnicate"}, wantStatus: exitUsage, wantStderr: "course: unknown command \"frobnicate\"\n\nusage:"},
		{name: "bad docs flag", args: []string{"docs", "-nope"}, wantStatus: exitUsage, wantStderr: "flag provided but not defined: -nope"},
		{name: "docs help", args: []string{"docs", "-h"}, wantStatus: exitOK, wantStderr: "usage: go run ./tools/cmd/course docs [-check | -run]"},
		{name: "every command listed", args: nil, wantStatus: exitOK, wantStdout: "  list     list the lessons and exercises, with your progress\n  grade    grade an exercise"},
		{name: "grade help", args: []string{"grade", "-h"}, wantStatus: exitOK, wantStderr: "usage: go run ./tools/cmd/course grade [-v] NAME"},
		{name: "hint help", args: []string{"hint", "-h"}, wantStatus: exitOK, wantStderr: "usage: go run ./tools/cmd/course hint [-n N] NAME"},
		{name: "watch help", args: []string{"watch", "-h"}, wantStatus: exitOK, wantStderr: "usage: go run ./tools/cmd/course watch NAME"},
		{name: "diff help", args: []string{"diff", "-h"}, wantStatus: exitOK, wantStderr: "usage: go run ./tools/cmd/course diff [--stat] [--code] A B"},
		{name: "bench help", args: []string{"bench", "-h"}, wantStatus: exitOK, wantStderr: "usage: go run ./tools/cmd/course bench"},
		{name: "list takes no arguments", args: []string{"list", "x"}, wantStatus: exitUsage, wantStderr: "course list: list takes no arguments"},
		{name: "watch needs a name", args: []string{"watch"}, wantStatus: exitUsage, wantStderr: "course watch: name one exercise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(tt.args, &stdout, &stderr)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			checkOutput(t, "stdout", stdout.String(), tt.wantStdout)
			checkOutput(t, "stderr", stderr.String(), tt.wantStderr)
		})
	}
}

func checkOutput(t *testing.T, stream, got, want string) {
	t.Helper()
	if (want == "" && got != "") || !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", stream, got, want)
	}
}

func TestDocsCommand(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "go.work", "go 1.26\n")
	writeFile(t, root, "a/a.go", "package a\n\n// F does nothing.\nfunc F() {}\n")
	writeFile(t, root, "README.md", "# A\n\n<!-- code: a/a.go#F -->\n<!-- /code -->\n")
	docs := func(args ...string) (status int, stdout, stderr string) {
		var out, errOut bytes.Buffer
		status = run(append([]string{"docs", "-root", root}, args...), &out, &errOut)
		return status, out.String(), errOut.String()
	}

	status, stdout, stderr := docs("-check")
	wantStale := "README.md:3: block a/a.go#F is out of date (run: go run ./tools/cmd/course docs)\n"
	if status != exitFailure || stdout != "" || stderr != wantStale {
		t.Errorf("docs -check on a new block = %d, %q, %q; want %d, \"\", %q", status, stdout, stderr, exitFailure, wantStale)
	}

	status, stdout, stderr = docs()
	if status != exitOK || stdout != "updated README.md\n" || stderr != "" {
		t.Errorf("docs = %d, %q, %q; want it to report updating README.md", status, stdout, stderr)
	}

	status, stdout, stderr = docs()
	if status != exitOK || stdout != "docs: 1 Markdown file up to date\n" || stderr != "" {
		t.Errorf("second docs = %d, %q, %q; want nothing updated", status, stdout, stderr)
	}

	status, _, stderr = docs("-check", filepath.Join(root, "README.md"))
	if status != exitOK || stderr != "" {
		t.Errorf("docs -check README.md after docs = %d, %q; want success", status, stderr)
	}

	writeFile(t, root, "README.md", "<!-- code: a/a.go#G -->\n<!-- /code -->\n")
	status, _, stderr = docs()
	wantMissing := "README.md:1: block a/a.go#G: no docs:region or top-level declaration named \"G\" in a/a.go\n"
	if status != exitFailure || stderr != wantMissing {
		t.Errorf("docs with a missing selector = %d, %q; want %d, %q", status, stderr, exitFailure, wantMissing)
	}
}

func writeFile(t *testing.T, root, name, text string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDocsRun(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "go.work", "go 1.26\n")
	writeFile(t, root, "README.md", "# A\n\n<!-- run: echo 3 frames waited -->\n<!-- /run -->\n")
	docs := func(args ...string) (status int, stdout, stderr string) {
		var out, errOut bytes.Buffer
		status = run(append([]string{"docs", "-root", root}, args...), &out, &errOut)
		return status, out.String(), errOut.String()
	}
	// -check runs nothing, so an empty run block is not its business.
	if status, _, stderr := docs("-check"); status != exitOK {
		t.Errorf("docs -check with an unrun block = %d, %q; want success", status, stderr)
	}
	status, stdout, stderr := docs("-run")
	if status != exitOK || stdout != "README.md:3: running echo 3 frames waited\nupdated README.md\n" {
		t.Errorf("docs -run = %d, %q, %q", status, stdout, stderr)
	}
	want := "# A\n\n<!-- run: echo 3 frames waited -->\n```text\n3 frames waited\n```\n<!-- /run -->\n"
	if data, _ := os.ReadFile(filepath.Join(root, "README.md")); string(data) != want {
		t.Errorf("README.md after docs -run:\n%s\nwant:\n%s", data, want)
	}
	if status, _, _ := docs("-run", "-check"); status != exitUsage {
		t.Errorf("docs -run -check = %d, want a usage error", status)
	}
}
