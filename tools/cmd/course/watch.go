package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"packcourse/tools/internal/watch"
)

const watchUsage = `usage: go run ./tools/cmd/course watch NAME

Watch grades exercise NAME now, then again each time a .go file in
exercises/NAME changes. Keep it running in a terminal beside your editor;
Ctrl-C stops it.
`

// watchInterval is how often watch looks at the exercise's files.
const watchInterval = 500 * time.Millisecond

func runWatch(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("watch", watchUsage, stderr)
	verbose := fs.Bool("v", false, "show the full output of each failing test")
	rootDir := rootFlag(fs)
	root, ex, status, ok := oneExercise(fs, args, rootDir, stderr)
	if !ok {
		return status
	}
	w, err := watch.New(filepath.Join(root, filepath.FromSlash(ex.Dir())))
	if err != nil {
		return failf(stderr, "watch", "%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	regrade := func() {
		gradeExercise(ctx, root, ex, *verbose, stdout, stderr)
		fmt.Fprintf(stdout, "\nWatching %s for changes (Ctrl-C to stop)...\n", ex.Dir())
	}
	regrade()
	ticker := time.NewTicker(watchInterval)
	defer ticker.Stop()
	err = watch.Loop(ctx, w, ticker.C, func() {
		fmt.Fprintf(stdout, "\n--- %s changed at %s: grading again\n\n", ex.Dir(), time.Now().Format("15:04:05"))
		regrade()
	})
	if err != nil {
		return failf(stderr, "watch", "%v", err)
	}
	fmt.Fprintln(stdout, "\nStopped watching.")
	return exitOK
}
