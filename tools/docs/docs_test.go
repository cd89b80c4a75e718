package docs_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"packcourse/tools/docs"
)

// limitBlock is the up-to-date body of a block quoting shapes.go#Limit.
const limitBlock = "```go\n// Limit stands alone.\nvar Limit = 10 // trailing comment kept\n```\n"

func TestUpdateAndCheck(t *testing.T) {
	tests := []struct {
		name string
		page string // README.md before the run
		// want is README.md after Update; empty means unchanged.
		want string
		// wantProblems are Check's findings, written as Problem.String()
		// with " [stale]" added for stale ones. Update reports the same
		// ones less the stale.
		wantProblems []string
	}{
		{
			name:         "fills an empty block",
			page:         "Intro\n<!-- code: shapes/shapes.go#Limit -->\n<!-- /code -->\nEnd\n",
			want:         "Intro\n<!-- code: shapes/shapes.go#Limit -->\n" + limitBlock + "<!-- /code -->\nEnd\n",
			wantProblems: []string{"README.md:2: block shapes/shapes.go#Limit is out of date [stale]"},
		},
		{
			name:         "replaces a stale copy",
			page:         "<!-- code: shapes/shapes.go#Limit -->\n\n```go\nvar Limit = 5\n```\n\n<!-- /code -->\n",
			want:         "<!-- code: shapes/shapes.go#Limit -->\n" + limitBlock + "<!-- /code -->\n",
			wantProblems: []string{"README.md:1: block shapes/shapes.go#Limit is out of date [stale]"},
		},
		{
			name: "leaves a current block alone",
			page: "<!-- code: shapes/shapes.go#Limit -->\n" + limitBlock + "<!-- /code -->\n",
		},
		{
			name: "fences quoted Markdown with longer backtick runs",
			page: "<!-- code: guide.md -->\n<!-- /code -->\n",
			want: "<!-- code: guide.md -->\n````markdown\n# Guide\n\n```sh\nmake\n```\n````\n<!-- /code -->\n",
			wantProblems: []string{
				"README.md:1: block guide.md is out of date [stale]",
			},
		},
		{
			name: "ignores indented markers and markers inside fences",
			page: "    <!-- code: nowhere.go -->\n\n```\n<!-- code: nowhere.go -->\n<!-- /code -->\n```\n",
		},
		{
			name:         "reports a missing source file",
			page:         "<!-- code: shapes/gone.go#Limit -->\n<!-- /code -->\n",
			wantProblems: []string{"README.md:1: block shapes/gone.go#Limit: source file shapes/gone.go does not exist"},
		},
		{
			name:         "reports a missing selector",
			page:         "text\n\n<!-- code: shapes/shapes.go#Gone -->\n" + limitBlock + "<!-- /code -->\n",
			wantProblems: []string{`README.md:3: block shapes/shapes.go#Gone: no docs:region or top-level declaration named "Gone" in shapes/shapes.go`},
		},
		{
			name: "fixes good blocks next to a broken one",
			page: "<!-- code: shapes/gone.go -->\n<!-- /code -->\n<!-- code: shapes/shapes.go#Limit -->\n<!-- /code -->\n",
			want: "<!-- code: shapes/gone.go -->\n<!-- /code -->\n<!-- code: shapes/shapes.go#Limit -->\n" + limitBlock + "<!-- /code -->\n",
			wantProblems: []string{
				"README.md:1: block shapes/gone.go: source file shapes/gone.go does not exist",
				"README.md:3: block shapes/shapes.go#Limit is out of date [stale]",
			},
		},
		{
			name:         "rejects a block with no closing marker",
			page:         "<!-- code: shapes/shapes.go#Limit -->\ntext\n",
			wantProblems: []string{"README.md:1: block shapes/shapes.go#Limit has no <!-- /code -->"},
		},
		{
			name:         "rejects a block opened inside another",
			page:         "<!-- code: shapes/shapes.go#Limit -->\n\n<!-- code: shapes/shapes.go#Point -->\n<!-- /code -->\n",
			wantProblems: []string{"README.md:1: block shapes/shapes.go#Limit has no <!-- /code --> before the next block at line 3"},
		},
		{
			name:         "rejects a closing marker with no opening one",
			page:         "text\n<!-- /code -->\n",
			wantProblems: []string{"README.md:2: <!-- /code --> without an opening <!-- code: ... --> marker"},
		},
		{
			name:         "rejects an unterminated opening marker",
			page:         "<!-- code: shapes/shapes.go#Limit\n<!-- /code -->\n",
			wantProblems: []string{`README.md:1: opening marker does not end with "-->"`},
		},
		{
			name:         "rejects prose between the markers",
			page:         "<!-- code: shapes/shapes.go#Limit -->\nsome prose\n<!-- /code -->\n",
			wantProblems: []string{"README.md:1: block shapes/shapes.go#Limit: the text between its markers is not a fenced code block"},
		},
		{
			name:         "rejects prose after the fence",
			page:         "<!-- code: shapes/shapes.go#Limit -->\n" + limitBlock + "more prose\n<!-- /code -->\n",
			wantProblems: []string{"README.md:1: block shapes/shapes.go#Limit: it has text after its code fence"},
		},
		{
			name:         "rejects a fence that swallows the closing marker",
			page:         "<!-- code: shapes/shapes.go#Limit -->\n```go\n<!-- /code -->\n",
			wantProblems: []string{"README.md:2: code fence in block shapes/shapes.go#Limit is never closed"},
		},
		{
			name:         "rejects a path outside the root",
			page:         "<!-- code: ../secret.go -->\n<!-- /code -->\n",
			wantProblems: []string{`README.md:1: block ../secret.go: source path "../secret.go" must be relative to the repository root, without ".."`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRepo(t, map[string]string{
				"shapes/shapes.go": shapesGo,
				"guide.md":         "# Guide\n\n```sh\nmake\n```\n",
				"README.md":        tt.page,
			})
			files := []string{"README.md"}

			problems, err := docs.Check(root, files)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got := describe(problems); !slices.Equal(got, tt.wantProblems) {
				t.Errorf("Check problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantProblems, "\n"))
			}
			if got := readFile(t, root, "README.md"); got != tt.page {
				t.Fatalf("Check changed README.md to:\n%s", got)
			}

			changed, problems, err := docs.Update(root, files)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			wantUpdateProblems := slices.DeleteFunc(slices.Clone(tt.wantProblems), func(p string) bool {
				return strings.HasSuffix(p, " [stale]")
			})
			if got := describe(problems); !slices.Equal(got, wantUpdateProblems) {
				t.Errorf("Update problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantUpdateProblems, "\n"))
			}
			want := tt.want
			if want == "" {
				want = tt.page
			}
			if got := readFile(t, root, "README.md"); got != want {
				t.Errorf("README.md after Update:\n%s\nwant:\n%s", got, want)
			}
			if wantChanged := want != tt.page; (len(changed) == 1) != wantChanged {
				t.Errorf("Update changed %v, want a change: %v", changed, wantChanged)
			}

			// A second run finds nothing more to do.
			changed, _, err = docs.Update(root, files)
			if err != nil || len(changed) != 0 {
				t.Errorf("second Update changed %v (err %v), want nothing", changed, err)
			}
			problems, _ = docs.Check(root, files)
			if got := describe(problems); !slices.Equal(got, wantUpdateProblems) {
				t.Errorf("Check after Update:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantUpdateProblems, "\n"))
			}
		})
	}
}

// describe turns problems into strings a test can compare with one line.
func describe(problems []docs.Problem) []string {
	var lines []string
	for _, p := range problems {
		line := p.String()
		if p.Stale {
			line += " [stale]"
		}
		lines = append(lines, line)
	}
	return lines
}

func TestUpdateFollowsTheSource(t *testing.T) {
	root := newRepo(t, map[string]string{
		"a/a.go":    "package a\n\n// F is first.\nfunc F() {}\n",
		"README.md": "<!-- code: a/a.go#F -->\n<!-- /code -->\n",
	})
	if _, _, err := docs.Update(root, []string{"README.md"}); err != nil {
		t.Fatal(err)
	}
	newRepoFile(t, root, "a/a.go", "package a\n\n// F is second.\nfunc F() { println() }\n")

	problems, err := docs.Check(root, []string{"README.md"})
	if err != nil || len(problems) != 1 || !problems[0].Stale {
		t.Fatalf("Check after the source changed = %v, %v; want one stale block", problems, err)
	}
	if _, _, err := docs.Update(root, []string{"README.md"}); err != nil {
		t.Fatal(err)
	}
	want := "<!-- code: a/a.go#F -->\n```go\n// F is second.\nfunc F() { println() }\n```\n<!-- /code -->\n"
	if got := readFile(t, root, "README.md"); got != want {
		t.Errorf("README.md:\n%s\nwant:\n%s", got, want)
	}
}

func TestMarkdownFiles(t *testing.T) {
	root := newRepo(t, map[string]string{
		"README.md":                    "",
		"lessons/01/README.md":         "",
		"lessons/01/notes.txt":         "",
		"lessons/01/testdata/in.md":    "",
		"node_modules/pkg/README.md":   "",
		".git/description.md":          "",
		".hidden/page.md":              "",
		"tools/README.md":              "",
		"tools/cmd/course/CHANGES.md":  "",
		"lessons/01/.draft/future.md":  "",
		"lessons/01/sub/deeper/ref.md": "",
	})
	got, err := docs.MarkdownFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"README.md",
		"lessons/01/README.md",
		"lessons/01/sub/deeper/ref.md",
		"tools/README.md",
		"tools/cmd/course/CHANGES.md",
	}
	if !slices.Equal(got, want) {
		t.Errorf("MarkdownFiles = %q, want %q", got, want)
	}
}

func TestFindRoot(t *testing.T) {
	root := newRepo(t, map[string]string{"lessons/01/README.md": ""})
	got, err := docs.FindRoot(filepath.Join(root, "lessons", "01"))
	if err != nil || got != root {
		t.Errorf("FindRoot from a subdirectory = %q, %v; want %q", got, err, root)
	}

	noRepo := t.TempDir()
	if _, err := docs.FindRoot("/"); err == nil {
		t.Skip("this machine has a go.work above the temporary directory")
	}
	if _, err := docs.FindRoot(noRepo); err == nil || !strings.Contains(err.Error(), "no go.work") {
		t.Errorf("FindRoot outside a repository: error %v, want one saying there is no go.work", err)
	}
}

func TestRelToRoot(t *testing.T) {
	root := newRepo(t, map[string]string{"lessons/README.md": ""})
	if got, err := docs.RelToRoot(root, filepath.Join(root, "lessons", "README.md")); err != nil || got != "lessons/README.md" {
		t.Errorf("RelToRoot = %q, %v; want lessons/README.md", got, err)
	}
	if _, err := docs.RelToRoot(root, filepath.Join(root, "..", "elsewhere.md")); err == nil {
		t.Error("RelToRoot accepted a file outside the root")
	}
	if _, err := docs.RelToRoot(root, filepath.Join(root, "missing.md")); err == nil {
		t.Error("RelToRoot accepted a file that does not exist")
	}
}
