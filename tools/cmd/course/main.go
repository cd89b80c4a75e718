// Command course is the course's helper. Run it from anywhere inside the
// repository:
//
//	go run ./tools/cmd/course <command> [arguments]
//
// Run it with no arguments for the list of commands.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit statuses shared by every subcommand.
const (
	exitOK      = 0 // the command did what was asked and found nothing wrong
	exitFailure = 1 // the command ran but found problems, or could not finish
	exitUsage   = 2 // the command line itself was wrong
)

// A command is one subcommand of course.
type command struct {
	name    string
	summary string // one line for the usage listing
	// run carries out the command with the arguments after its name and
	// returns the process's exit status.
	run func(args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands in the order usage shows them. Adding a
// subcommand means adding one entry here.
var commands = []command{
	{"list", "list the lessons and exercises, with your progress", runList},
	{"grade", "grade an exercise with its hidden tests; --check grades the course itself", runGrade},
	{"hint", "show an exercise's next hint", runHint},
	{"watch", "grade an exercise again whenever one of its files changes", runWatch},
	{"reset", "put an exercise back as it was before you started (asks first)", runReset},
	{"diff", "show what changed in the engine between two lessons", runDiff},
	{"bench", "benchmark every lesson's engine; -write records the table in CURRICULUM.md", runBench},
	{"docs", "fill Markdown code blocks from the source they quote; -check reports stale ones", runDocs},
	{"antipattern", "run an antipattern's broken version, then its fixed twin; no name lists them", runAntipattern},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to the subcommand named by args[0]. It takes its output
// streams as arguments so tests can see what a command prints.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || isHelp(args[0]) {
		printUsage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "course: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "-help" || arg == "--help"
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: go run ./tools/cmd/course <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'go run ./tools/cmd/course <command> -h' for a command's flags.")
}
