package main

import (
	"bytes"
	"context"
	"io"
)

// cancelableWriter writes to w from a goroutine of its own, so that a
// Write blocked on w (standard output into a pipe whose reader has
// stopped reading) returns ctx's error as soon as ctx is done: a write
// system call cannot be interrupted from Go, and without this Ctrl-C
// would wait for the reader. Each Write hands over a copy of p, so that a
// write still in progress after the cancellation never sees the caller's
// buffer change: what reaches w is always a prefix of what was written.
//
// After a cancellation the goroutine may stay blocked in w.Write until w
// returns or the process exits, which main does right after run returns.
type cancelableWriter struct {
	ctx  context.Context
	w    io.Writer
	done chan writeResult // the write in progress, if any; nil between writes
}

type writeResult struct {
	n   int
	err error
}

func newCancelableWriter(ctx context.Context, w io.Writer) *cancelableWriter {
	return &cancelableWriter{ctx: ctx, w: w}
}

func (c *cancelableWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.done == nil {
		c.done = make(chan writeResult, 1) // buffered: the goroutine never waits for us
	}
	buf, done := bytes.Clone(p), c.done // the goroutine keeps its own channel
	go func() {
		n, err := c.w.Write(buf)
		done <- writeResult{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-c.ctx.Done():
		c.done = nil // the next Write must not share the blocked goroutine's
		return 0, c.ctx.Err()
	}
}
