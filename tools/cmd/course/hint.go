package main

import (
	"fmt"
	"io"

	"packcourse/tools/internal/course"
)

const hintUsage = `usage: go run ./tools/cmd/course hint [-n N] NAME

Hint shows exercise NAME's next hint, one more each time you ask; the
hints get more specific as they go. With -n it shows hint N again.
`

func runHint(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("hint", hintUsage, stderr)
	n := fs.Int("n", 0, "show hint `N` (from 1) instead of the next one")
	rootDir := rootFlag(fs)
	root, ex, status, ok := oneExercise(fs, args, rootDir, stderr)
	if !ok {
		return status
	}
	hints, err := course.LoadHints(root, ex)
	if err != nil {
		return failf(stderr, "hint", "%v", err)
	}
	state, err := course.LoadState(root)
	if err != nil {
		return failf(stderr, "hint", "%v", err)
	}
	p := state.Of(ex.Name)

	if *n != 0 {
		if *n < 1 || *n > p.HintsShown {
			return failf(stderr, "hint", "%s", seenHints(ex, p.HintsShown, *n))
		}
		writeHint(stdout, ex, hints, *n)
		return exitOK
	}
	if p.HintsShown >= len(hints) {
		fmt.Fprintf(stdout, "You have seen all %d hints for %s. Show one again with -n N, or read the reference answer in %s.\n", len(hints), ex.Name, ex.SolutionDir())
		return exitOK
	}
	p.HintsShown++
	if err := state.Save(root); err != nil {
		return failf(stderr, "hint", "%v", err)
	}
	writeHint(stdout, ex, hints, p.HintsShown)
	return exitOK
}

// writeHint prints hint n (from 1) and says whether more follow.
func writeHint(w io.Writer, ex course.Exercise, hints []course.Hint, n int) {
	h := hints[n-1]
	fmt.Fprintf(w, "Hint %d of %d for %s: %s\n\n%s\n", n, len(hints), ex.Name, h.Title, h.Text)
	if n < len(hints) {
		fmt.Fprintf(w, "\nNext hint: go run ./tools/cmd/course hint %s\n", ex.Name)
	}
}

// seenHints explains why hint n cannot be shown again: only hints already
// seen can be, and -n never skips ahead.
func seenHints(ex course.Exercise, shown, n int) string {
	switch {
	case shown == 0:
		return fmt.Sprintf("you have not seen any hint for %s yet, so there is none to show again; see the first with: go run ./tools/cmd/course hint %s", ex.Name, ex.Name)
	case shown == 1:
		return fmt.Sprintf("you have seen hint 1 of %s only; -n %d shows a hint again, and the next one comes without -n", ex.Name, n)
	}
	return fmt.Sprintf("you have seen hints 1 to %d of %s; -n %d shows a hint again, and the next one comes without -n", shown, ex.Name, n)
}
