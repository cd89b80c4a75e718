package main

import (
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
// The copy's buffer is reused from one Write to the next, so standard
// output holds one chunk beyond the -mem budget, not one per write.
//
// After a cancellation the goroutine may stay blocked in w.Write until w
// returns or the process exits, which main does right after run returns;
// unsure says how many bytes it may still write.
type cancelableWriter struct {
	ctx       context.Context
	w         io.Writer
	done      chan writeResult // the write in progress, if any; nil between writes
	buf       []byte           // the copy handed to the writing goroutine, reused
	abandoned int              // bytes of the write under way when ctx ended
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
	c.buf = append(c.buf[:0], p...)
	buf, done := c.buf, c.done // the goroutine keeps its own buffer and channel
	go func() {
		n, err := c.w.Write(buf)
		done <- writeResult{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-c.ctx.Done():
		select {
		case r := <-done: // it ended too: say what it did
			return r.n, r.err
		default:
		}
		// The next Write must share neither the blocked goroutine's
		// channel nor its buffer.
		c.done, c.buf = nil, nil
		c.abandoned = len(p)
		return 0, c.ctx.Err()
	}
}

// unsure returns how many bytes a write abandoned when ctx ended may yet
// put on w: they were not counted as written, and may or may not arrive.
// Call it once the writing is over.
func (c *cancelableWriter) unsure() int64 { return int64(c.abandoned) }
