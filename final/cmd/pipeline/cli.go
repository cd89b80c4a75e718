package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"packcourse/final/files"
)

// Exit codes. A script can tell "you called it wrong" (2) from "the data
// or the disk is wrong" (1) from "you stopped it" (130, as a shell reports
// a process killed by SIGINT).
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// env is the world run talks to, passed in so that tests can replace all
// of it.
type env struct {
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	lookup   func(name string) (string, bool) // os.LookupEnv
	terminal bool                             // stderr is a terminal: progress on by default

	// serving, if set, is called with the metrics server's address once it
	// is up, before any work starts: tests use it to scrape a live run.
	serving func(addr string)
	// afterPlan, if set, is called between planning and running: tests
	// use it to change the world under a planned run.
	afterPlan func(files.Plan)
	// fsys is the file system (nil: the real one); openFiles bounds the
	// files open at once (0: from RLIMIT_NOFILE).
	fsys      files.FS
	openFiles int
}

// fileSystem returns the environment's file system: the real one unless a
// test injected another.
func (e env) fileSystem() files.FS {
	if e.fsys == nil {
		return files.OS{}
	}
	return e.fsys
}

// command is one subcommand: its name, its one-line summary for the help,
// its argument pattern, the flags it takes and what it does.
type command struct {
	name    string
	args    string
	summary string
	flags   flagSet
	nargs   func(n int) bool
	run     func(ctx context.Context, e env, c config) int
}

// commands lists the subcommands in the order the help shows them.
var commands = []command{
	{"pack", "SRC... DST", "pack files into containers (NAME.gpk); - is stdin or stdout",
		packFlags, func(n int) bool { return n >= 2 }, runPack},
	{"unpack", "SRC... DST", "restore containers byte for byte; - is stdin or stdout",
		unpackFlags, func(n int) bool { return n >= 2 }, runUnpack},
	{"verify", "SRC...", "check containers completely (every frame, the trailer); write nothing",
		verifyFlags, func(n int) bool { return n >= 1 }, runVerify},
	{"demo", "", "generate a mixed workload, pack, verify and unpack it, compare, print the summary",
		demoFlags, func(n int) bool { return n == 0 }, runDemo},
}

// run is the whole program: main only adds the real world and the exit.
// It returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, lookup: os.LookupEnv, terminal: isTerminal(stderr)}
	return runEnv(ctx, args, e)
}

// runEnv is run with its environment given.
func runEnv(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return help(e, rest)
	}
	cmd, ok := lookupCommand(name)
	if !ok {
		fmt.Fprintf(e.stderr, "pipeline: unknown command %q\nRun 'pipeline help' for usage.\n", name)
		return exitUsage
	}
	c, err := parse(ctx, cmd, rest, e)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, commandUsage(cmd, e))
		return exitOK
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		fmt.Fprintf(e.stderr, "pipeline %s: interrupted\n", cmd.name)
		return exitInterrupted
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %s\nRun 'pipeline help %s' for usage.\n", cmd.name, files.OneLine(err.Error()), cmd.name)
		return exitUsage
	}
	return cmd.run(ctx, e, c)
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// help prints the general help, or one command's, to stdout: help that
// was asked for is output, not an error.
func help(e env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, usage())
		return exitOK
	}
	cmd, ok := lookupCommand(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "pipeline help: unknown command %q\n", args[0])
		return exitUsage
	}
	fmt.Fprint(e.stdout, commandUsage(cmd, e))
	return exitOK
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: pipeline COMMAND [flags] ARGS\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-7s %-11s %s\n", c.name, c.args, c.summary)
	}
	b.WriteString(`  help    [COMMAND]   this help, or a command's flags

Paths: a file; - for standard input or output; a directory, whose regular
files are all processed (symbolic links inside it are skipped and listed;
a link named on the command line is followed, to a file or a directory),
mirrored into DST with .gpk added (pack) or removed (unpack). With several
SRCs, DST is a directory. An output that is an input, or that leads into
an input directory (through links, hard links or mounts too), is refused,
and so is standard input or output redirected to one of the run's files.
Outputs appear whole or not at all, and an existing one is never replaced
without -force; -trace FILE follows the same rule and is never an input,
an output or the key file, nor where standard input or output is
redirected. Each output is synced to disk, file and directory, before it
counts as done; -sync=false skips that, for speed with many small files,
at the risk of an output lost or cut short by a power cut or a system
crash. Files run at once under one governor (-workers, -mem), and no more
are open at once than the open-file limit (ulimit -n) allows. Inputs are
opened without following links or blocking, and an input replaced after it
was listed, or changed while it is read, fails ("file changed as we read
it").

Compression: -codec zstd (the default, level 3) or deflate (level 6);
-level 1..22 (zstd) or 1..9 (deflate). Unpack reads the codec from the
header.

Integrity: every container carries a CRC per frame and a SHA-256 of the
whole input, which catch accidents (flipped bits, truncation, frames lost
or moved). A plain container is not authenticated: anyone who can change
it can also recompute its checksums and digest, so a container cut short
or altered on purpose, with its digest recomputed, is accepted. Only
-encrypt (AES-256-GCM, nonces bound to each frame's index and to the last
frame, header authenticated) detects deliberate tampering.

Keys never come from a flag's value: -key-file PATH (32 raw bytes or 64
hex digits) or -passphrase-env NAME (the passphrase is in variable NAME).

Temporary files: an output is written to .NAME.PID-RANDOM.tmp in its
directory and renamed into place. A run killed outright (kill -9, power
loss) can leave one behind; the next run writing the same output removes
it, once the name proves it is pipeline's own and process PID has ended.
A rename done but not synced to disk is reported as written but not
known to be durable, and the file is kept.

Exit codes: 0 done; 1 a file failed (each failure is one line on stderr,
the other files are still completed); 2 bad usage, nothing done (a flag
outside its range, a -metrics address that cannot be served, a -trace
file that exists); 130 interrupted (Ctrl-C, SIGTERM or SIGHUP, within a
second even if standard output is blocked: work stops, temporary files
are removed; an output going to standard output is left incomplete; a
second signal is ignored while that cleanup runs, a third ends the
process at once and may leave temporary files for the next run).
`)
	return b.String()
}

func commandUsage(cmd command, e env) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: pipeline %s [flags] %s\n\n%s\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
	fs, _ := newFlagSet(cmd, e)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return b.String()
}

// parse reads a command's flags and arguments. Flags may come before,
// between or after the paths, as with most tools; "--" ends the flags.
// ctx bounds the wait for a key file that is a pipe.
func parse(ctx context.Context, cmd command, args []string, e env) (config, error) {
	fs, c := newFlagSet(cmd, e)
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return config{}, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			paths = append(paths, rest...) // everything after "--" is a path
			break
		}
		paths, args = append(paths, rest[0]), rest[1:]
	}
	if !cmd.nargs(len(paths)) {
		return config{}, fmt.Errorf("wrong number of arguments: want %s, got %q", orNone(cmd.args), paths)
	}
	c.paths = paths
	if err := c.resolve(ctx, cmd, e); err != nil {
		return config{}, err
	}
	return *c, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
