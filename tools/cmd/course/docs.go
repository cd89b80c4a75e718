package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"packcourse/tools/docs"
)

// docsFix is the command that brings stale blocks up to date, quoted in
// every stale-block message so the fix is one copy and paste away.
const docsFix = "go run ./tools/cmd/course docs"

const docsUsage = `usage: go run ./tools/cmd/course docs [-check | -run] [-root DIR] [FILES...]

Docs fills each <!-- code: PATH#SELECTOR --> ... <!-- /code --> block in the
course's Markdown files with the source it quotes. With no FILES it visits
every .md file in the repository. With -check it changes nothing, reports
each stale or broken block and exits 1 if there is one; run blocks are
checked for well-formed markers only, never run.

With -run it refreshes only the run blocks, <!-- run: COMMAND --> ...
<!-- /run -->: it runs each COMMAND from the repository root (sh -c) and
pastes its output between the markers. That can take minutes; it is never
part of -check. Options go before the colon:
<!-- run(timeout=10m, details="Full output", fails): COMMAND -->.

flags:
`

func runDocs(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("docs", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, docsUsage)
		flags.PrintDefaults()
	}
	check := flags.Bool("check", false, "report stale blocks and exit 1 instead of rewriting them (for CI)")
	runBlocks := flags.Bool("run", false, "rerun the command of every run block and paste its output (slow)")
	rootDir := flags.String("root", "", "repository root `DIR` (default: the nearest directory up from here with a go.work)")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	root, files, err := docsTargets(*rootDir, flags.Args())
	if err != nil {
		fmt.Fprintf(stderr, "course docs: %v\n", err)
		return exitFailure
	}
	switch {
	case *check && *runBlocks:
		fmt.Fprintln(stderr, "course docs: -check and -run do not go together: -check runs nothing")
		return exitUsage
	case *check:
		return checkDocs(root, files, stdout, stderr)
	case *runBlocks:
		return refreshDocs(root, files, stdout, stderr)
	}
	return updateDocs(root, files, stdout, stderr)
}

// docsTargets returns the repository root and the Markdown files to visit,
// as paths relative to that root: the files named on the command line, or
// else every .md file in the repository.
func docsTargets(rootDir string, args []string) (root string, files []string, err error) {
	if rootDir == "" {
		if rootDir, err = os.Getwd(); err != nil {
			return "", nil, err
		}
	}
	if root, err = docs.FindRoot(rootDir); err != nil {
		return "", nil, err
	}
	if len(args) == 0 {
		files, err = docs.MarkdownFiles(root)
		return root, files, err
	}
	for _, arg := range args {
		name, err := docs.RelToRoot(root, arg)
		if err != nil {
			return "", nil, err
		}
		files = append(files, name)
	}
	return root, files, nil
}

func checkDocs(root string, files []string, stdout, stderr io.Writer) int {
	problems, err := docs.Check(root, files)
	if err == nil {
		var more []docs.Problem
		more, err = docs.CheckRunBlocks(root, files)
		problems = append(problems, more...)
	}
	printProblems(stderr, problems)
	if err != nil {
		fmt.Fprintf(stderr, "course docs: %v\n", err)
		return exitFailure
	}
	if len(problems) > 0 {
		return exitFailure
	}
	fmt.Fprintf(stdout, "docs: %s up to date\n", countFiles(len(files)))
	return exitOK
}

func updateDocs(root string, files []string, stdout, stderr io.Writer) int {
	changed, problems, err := docs.Update(root, files)
	for _, name := range changed {
		fmt.Fprintf(stdout, "updated %s\n", name)
	}
	printProblems(stderr, problems)
	if err != nil {
		fmt.Fprintf(stderr, "course docs: %v\n", err)
		return exitFailure
	}
	if len(problems) > 0 {
		return exitFailure
	}
	if len(changed) == 0 {
		fmt.Fprintf(stdout, "docs: %s up to date\n", countFiles(len(files)))
	}
	return exitOK
}

// refreshDocs reruns every run block's command and pastes its output,
// saying which command it is running, since some take minutes.
func refreshDocs(root string, files []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	started := func(file string, line int, command string) {
		fmt.Fprintf(stdout, "%s:%d: running %s\n", file, line, command)
	}
	changed, problems, err := docs.Refresh(ctx, root, files, docs.ShellRunner, started)
	for _, name := range changed {
		fmt.Fprintf(stdout, "updated %s\n", name)
	}
	printProblems(stderr, problems)
	if err != nil {
		fmt.Fprintf(stderr, "course docs: %v\n", err)
		return exitFailure
	}
	if len(problems) > 0 {
		return exitFailure
	}
	if len(changed) == 0 {
		fmt.Fprintf(stdout, "docs: every run block in %s already shows its command's output\n", countFiles(len(files)))
	}
	return exitOK
}

func printProblems(w io.Writer, problems []docs.Problem) {
	for _, p := range problems {
		if p.Stale {
			fmt.Fprintf(w, "%s (run: %s)\n", p, docsFix)
		} else {
			fmt.Fprintln(w, p)
		}
	}
}

func countFiles(n int) string {
	if n == 1 {
		return "1 Markdown file"
	}
	return fmt.Sprintf("%d Markdown files", n)
}
