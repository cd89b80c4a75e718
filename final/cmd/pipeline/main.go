// Command pipeline packs files into framed, compressed, checksummed and
// optionally encrypted containers, unpacks them byte for byte, and
// verifies them, using every core under one global governor.
//
//	pipeline pack SRC... DST      pipeline unpack SRC... DST
//	pipeline verify SRC...        pipeline demo
//
// Run "pipeline help" for the flags and exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first Ctrl-C (or SIGTERM) cancels ctx: every goroutine stops and
	// every temporary file is removed. stop then restores the default
	// handling, so a second Ctrl-C kills the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	// A closed standard output is an error to report, not a silent death
	// by SIGPIPE: the reader of a pipe may have been interrupted too.
	signal.Ignore(syscall.SIGPIPE)
	code := run(ctx, os.Args[1:], newCancelableReader(ctx, os.Stdin), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
