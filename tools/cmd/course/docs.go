package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"packcourse/tools/docs"
)

// docsFix is the command that brings stale blocks up to date, quoted in
// every stale-block message so the fix is one copy and paste away.
const docsFix = "go run ./tools/cmd/course docs"

const docsUsage = `usage: go run ./tools/cmd/course docs [-check] [-root DIR] [FILES...]

Docs fills each <!-- code: PATH#SELECTOR --> ... <!-- /code --> block in the
course's Markdown files with the source it quotes. With no FILES it visits
every .md file in the repository. With -check it changes nothing, reports
each stale or broken block and exits 1 if there is one.

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
	if *check {
		return checkDocs(root, files, stdout, stderr)
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
