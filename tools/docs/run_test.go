package docs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"packcourse/tools/docs"
)

// fakeRunner answers each command from a table instead of running it, and
// records the blocks it was asked to run.
type fakeRunner struct {
	outputs map[string]string
	ran     []docs.RunBlock
}

func (f *fakeRunner) run(_ context.Context, _ string, rb docs.RunBlock) (string, error) {
	f.ran = append(f.ran, rb)
	out, ok := f.outputs[rb.Command]
	if !ok {
		return "", errors.New("failed (exit status 1): no such command")
	}
	return out, nil
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		name, page, want string
		problems         []string
	}{
		{
			name: "fills an empty block with the output, fenced",
			page: "Run it:\n<!-- run: go run ./demo -->\n<!-- /run -->\nDone.\n",
			want: "Run it:\n<!-- run: go run ./demo -->\n```text\n42 frames\n```\n<!-- /run -->\nDone.\n",
		},
		{
			name: "replaces old output, inside <details> when asked",
			page: "<!-- run(details=\"All 3 runs, timeout=1m\", timeout=10m): go run ./demo -->\n```text\n41 frames\n```\n<!-- /run -->\n",
			want: "<!-- run(details=\"All 3 runs, timeout=1m\", timeout=10m): go run ./demo -->\n<details><summary>All 3 runs, timeout=1m</summary>\n\n```text\n42 frames\n```\n\n</details>\n<!-- /run -->\n",
		},
		{
			name:     "keeps the text of a block whose command fails",
			page:     "<!-- run: go run ./broken -->\n```text\nold\n```\n<!-- /run -->\n",
			problems: []string{"README.md:1: run block: go run ./broken failed (exit status 1): no such command"},
		},
		{
			name:     "refuses to overwrite prose",
			page:     "<!-- run: go run ./demo -->\nSome words typed here by mistake.\n<!-- /run -->\n",
			problems: []string{"README.md:1: run block: the text between its markers is not a fenced code block"},
		},
		{
			name:     "reports a bad option",
			page:     "<!-- run(timeout=soon): go run ./demo -->\n<!-- /run -->\n",
			problems: []string{`README.md:1: run block: timeout "soon" is not a positive duration such as 5m`},
		},
		{
			name: "leaves code blocks and indented examples alone",
			page: "<!-- code: x.go -->\n<!-- /code -->\n    <!-- run: go run ./demo -->\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRepo(t, map[string]string{"README.md": tt.page})
			f := &fakeRunner{outputs: map[string]string{"go run ./demo": "42 frames\n\n"}}
			changed, problems, err := docs.Refresh(t.Context(), root, []string{"README.md"}, f.run, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.page
			}
			if got := readFile(t, root, "README.md"); got != want {
				t.Errorf("README.md after Refresh:\n%s\nwant:\n%s", got, want)
			}
			if wantChanged := tt.want != "" && tt.want != tt.page; (len(changed) == 1) != wantChanged {
				t.Errorf("changed = %q, want a change: %v", changed, wantChanged)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.problems) {
				t.Errorf("problems = %q, want %q", got, tt.problems)
			}
		})
	}
}

func TestRefreshPassesTheBlocksOptions(t *testing.T) {
	root := newRepo(t, map[string]string{"README.md": "<!-- run(timeout=10m, fails): go vet ./bad -->\n<!-- /run -->\n<!-- run: go run ./demo -->\n<!-- /run -->\n"})
	f := &fakeRunner{outputs: map[string]string{"go vet ./bad": "vet: oops\n", "go run ./demo": "ok\n"}}
	if _, _, err := docs.Refresh(t.Context(), root, []string{"README.md"}, f.run, nil); err != nil {
		t.Fatal(err)
	}
	want := []docs.RunBlock{
		{Command: "go vet ./bad", Timeout: 10 * time.Minute, Fails: true},
		{Command: "go run ./demo", Timeout: docs.DefaultRunTimeout},
	}
	if !slices.Equal(f.ran, want) {
		t.Errorf("ran %+v, want %+v", f.ran, want)
	}
}

func TestShellRunner(t *testing.T) {
	root := t.TempDir()
	out, err := docs.ShellRunner(t.Context(), root, docs.RunBlock{Command: "echo out; echo err >&2", Timeout: time.Minute})
	if err != nil || out != "out\nerr\n" {
		t.Errorf("ShellRunner = %q, %v; want stdout and stderr, no error", out, err)
	}
	if _, err := docs.ShellRunner(t.Context(), root, docs.RunBlock{Command: "exit 3", Timeout: time.Minute}); err == nil {
		t.Error("a command that exits 3 gave no error")
	}
	if _, err := docs.ShellRunner(t.Context(), root, docs.RunBlock{Command: "exit 3", Timeout: time.Minute, Fails: true}); err != nil {
		t.Errorf("a command expected to fail gave %v", err)
	}
	if _, err := docs.ShellRunner(t.Context(), root, docs.RunBlock{Command: "true", Timeout: time.Minute, Fails: true}); err == nil || !strings.Contains(err.Error(), "says it fails") {
		t.Errorf("a command expected to fail that succeeds gave %v", err)
	}
}

func TestCheckRunBlocksRunsNothing(t *testing.T) {
	root := newRepo(t, map[string]string{"README.md": "<!-- run: exit 1 -->\n```text\nstale output\n```\n<!-- /run -->\n<!-- run: go run ./x -->\n"})
	problems, err := docs.CheckRunBlocks(root, []string{"README.md"})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].String(), "README.md:6: block") || !strings.Contains(problems[0].String(), "has no <!-- /run -->") {
		t.Errorf("problems = %v, want only the unclosed block", problems)
	}
}
