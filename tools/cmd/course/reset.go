package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

const resetUsage = `usage: go run ./tools/cmd/course reset [-y] NAME

Reset puts exercise NAME back as the course ships it: every file of
exercises/NAME that git tracks gets its committed content back, and a
tracked file you deleted comes back. It touches nothing outside
exercises/NAME, not even git's index, and files you added there are left
alone (it lists them). It lists what it would undo and asks first, unless
you give -y. Your progress record is kept.
`

// stdin is where reset reads its confirmation; a variable so tests can
// answer it.
var stdin io.Reader = os.Stdin

func runReset(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("reset", resetUsage, stderr)
	yes := fs.Bool("y", false, "do not ask for confirmation")
	rootDir := rootFlag(fs)
	root, ex, status, ok := oneExercise(fs, args, rootDir, stderr)
	if !ok {
		return status
	}
	git, err := gitPath()
	if err != nil {
		return failf(stderr, "reset", "reset needs git, to read the exercise as it was committed: %v", err)
	}
	dir := ex.Dir()
	changed, added, err := exerciseChanges(git, root, dir)
	if err != nil {
		return failf(stderr, "reset", "%v", err)
	}
	for _, f := range added {
		fmt.Fprintf(stdout, "left alone (not part of the exercise): %s\n", f)
	}
	if len(changed) == 0 {
		fmt.Fprintf(stdout, "%s is already as the course ships it.\n", dir)
		return exitOK
	}
	fmt.Fprintf(stdout, "Resetting %s discards your changes to:\n", dir)
	for _, f := range changed {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	if !*yes && !confirm(stdout, "Reset it? [y/N] ") {
		fmt.Fprintln(stdout, "Nothing changed.")
		return exitOK
	}
	// --worktree alone: the index, and every path outside dir, stay as
	// they are.
	cmd := exec.Command(git, "restore", "--source=HEAD", "--worktree", "--", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return failf(stderr, "reset", "git restore: %v: %s", err, strings.TrimSpace(string(out)))
	}
	fmt.Fprintf(stdout, "%s is back to the stub. Grade it with: go run ./tools/cmd/course grade %s\n", dir, ex.Name)
	return exitOK
}

// exerciseChanges lists, relative to root, the tracked files of dir that
// differ from HEAD (changed or deleted) and the untracked files in it.
func exerciseChanges(git, root, dir string) (changed, added []string, err error) {
	cmd := exec.Command(git, "status", "--porcelain=v1", "--untracked-files=all", "--", dir)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("git status: %v (is %s in a git repository?)", err, root)
	}
	for line := range strings.Lines(out.String()) {
		line = strings.TrimRight(line, "\n")
		if len(line) < 4 {
			continue
		}
		code, file := line[:2], line[3:]
		if code == "??" {
			added = append(added, file)
		} else {
			changed = append(changed, file) // changed, deleted or staged
		}
	}
	return changed, added, nil
}

// confirm asks question and reports whether the answer is yes.
func confirm(stdout io.Writer, question string) bool {
	fmt.Fprint(stdout, question)
	answer, _ := bufio.NewReader(stdin).ReadString('\n')
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes"
}
