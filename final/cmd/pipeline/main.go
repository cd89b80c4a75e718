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
	ctx := cancelOnSignal(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// A closed standard output is an error to report, not a silent death
	// by SIGPIPE: the reader of a pipe may have been interrupted too.
	signal.Ignore(syscall.SIGPIPE)
	code := run(ctx, os.Args[1:], newCancelableReader(ctx, os.Stdin), os.Stdout, os.Stderr)
	os.Exit(code)
}

// cancelOnSignal returns a context cancelled by the first of sigs (Ctrl-C,
// SIGTERM, SIGHUP when the terminal goes away): every goroutine stops and
// every temporary file is removed, within about a second. The signals are
// still caught meanwhile, so an impatient second Ctrl-C does not kill the
// process halfway through that cleanup; a third ends it at once, leaving
// temporary files for the next run to remove.
func cancelOnSignal(parent context.Context, sigs ...os.Signal) context.Context {
	ctx, cancel := context.WithCancel(parent)
	caught := make(chan os.Signal, 3)
	signal.Notify(caught, sigs...)
	go func() {
		<-caught
		cancel()
		<-caught // ignored: the cleanup is under way
		<-caught
		os.Exit(exitInterrupted)
	}()
	return ctx
}
