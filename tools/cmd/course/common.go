package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"packcourse/tools/docs"
	"packcourse/tools/internal/course"
)

// newFlags returns a flag set for a subcommand whose usage text is usage
// followed by the flags' defaults, all written to stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		if hasFlags(fs) {
			fmt.Fprintln(stderr, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseArgs parses flags wherever they are among the arguments, so that
// "grade ordered -v" works as well as "grade -v ordered", and returns the
// other arguments. ok is false when the command should stop: its status is
// then exitOK for -h and exitUsage for a bad flag.
func parseArgs(fs *flag.FlagSet, args []string) (positional []string, status int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// findRoot returns the repository root: dir if given, else the nearest
// directory up from the working directory that holds go.work.
func findRoot(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		dir = wd
	}
	return docs.FindRoot(dir)
}

// oneExercise parses the arguments of a command that takes one exercise
// name, as hint and watch do, and finds the repository root and the
// exercise. ok is false when the command should stop with status.
func oneExercise(fs *flag.FlagSet, args []string, rootDir *string, stderr io.Writer) (root string, ex course.Exercise, status int, ok bool) {
	names, status, ok := parseArgs(fs, args)
	if !ok {
		return "", ex, status, false
	}
	if len(names) != 1 {
		return "", ex, usageError(fs, stderr, "name one exercise"), false
	}
	root, err := findRoot(*rootDir)
	if err == nil {
		ex, err = course.FindExercise(names[0])
	}
	if err != nil {
		return "", ex, failf(stderr, fs.Name(), "%v", err), false
	}
	return root, ex, exitOK, true
}

// rootFlag adds the -root flag every subcommand shares.
func rootFlag(fs *flag.FlagSet) *string {
	return fs.String("root", "", "repository root `DIR` (default: the nearest directory up from here with a go.work)")
}

// usageError prints a one-line complaint and the command's usage, and
// returns exitUsage.
func usageError(fs *flag.FlagSet, stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "course %s: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}

// failf prints "course CMD: message" and returns exitFailure.
func failf(stderr io.Writer, cmd, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(stderr, "course %s: %s\n", cmd, strings.TrimSuffix(msg, "\n"))
	return exitFailure
}
