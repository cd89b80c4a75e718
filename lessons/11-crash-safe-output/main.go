// Command 11-crash-safe-output shows outputs that appear whole or not at
// all. It generates a directory of files in a temporary directory, then:
// packs the big one the previous lesson's way (os.Create, then Pack),
// cancelled halfway, and shows the partial file that leaves; packs it with
// PackFile, printing every file-system step of the temp-then-rename
// protocol; packs all the files with PackPaths, which Ctrl-C interrupts
// (or -interrupt-after N, which sends the program its own SIGINT); and
// checks what is left: every output whole or absent, no temporary file.
// Interrupted, it exits with status 130, as a shell does for Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// exitInterrupted is the status of a program ended by SIGINT: 128 + 2,
// what a shell reports for a command stopped with Ctrl-C.
const exitInterrupted = 130

func main() { os.Exit(run()) }

// docs:region run
// run is main, returning the exit status. Ctrl-C (SIGINT) and SIGTERM
// cancel ctx, and every Pack in flight stops and removes its temporary
// file; after the first signal the default handling is back, so a second
// Ctrl-C ends the program at once.
func run() int {
	cfg := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	return exitStatus(ctx, runDemo(ctx, cfg))
}

// exitStatus is 130 if ctx was cancelled by a signal, 1 for any other
// error, 0 for none.
func exitStatus(ctx context.Context, err error) int {
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "11-crash-safe-output: interrupted")
		return exitInterrupted
	case err != nil:
		fmt.Fprintln(os.Stderr, "11-crash-safe-output:", err)
		return 1
	}
	return 0
}

// docs:endregion run

// config is the command line.
type config struct {
	files          int    // small files to generate besides the big one
	size           string // the big file's size
	chunk          string // chunk size
	workers        int    // files packed at once, and encoders per file
	out            string // the directory to work in; "" means a new temporary one, removed at the end
	overwrite      bool   // replace outputs that exist already (in a reused -out directory)
	interruptAfter int    // send ourselves SIGINT once this many files are in place; 0 means never
}

func parseFlags() config {
	var c config
	flag.IntVar(&c.files, "files", 40, "small files to generate besides the big one")
	flag.StringVar(&c.size, "size", "8MiB", "size of the big file")
	flag.StringVar(&c.chunk, "chunk", "256KiB", "chunk size")
	flag.IntVar(&c.workers, "workers", 2, "files packed at once, and encoding goroutines per file")
	flag.StringVar(&c.out, "out", "", "directory to work in, kept afterwards (default: a new temporary directory, removed at the end)")
	flag.BoolVar(&c.overwrite, "overwrite", false, "replace outputs that exist already (with an -out directory used before)")
	flag.IntVar(&c.interruptAfter, "interrupt-after", 0, "send this program SIGINT once this many files are in place, as Ctrl-C would")
	flag.Parse()
	return c
}
