package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"sync"
)

// cancelableReader reads r through a pipe fed by a goroutine, so that a
// Read blocked on r (standard input from a terminal, or from a stalled
// pipe) returns ctx's error as soon as ctx is done. A read system call
// cannot be interrupted from Go; without this, Ctrl-C while waiting for
// input would leave the run waiting too, and its temporary file behind.
//
// The goroutine starts at the first Read, so a command that never reads
// standard input never takes anything from it. After cancellation it may
// stay blocked in r.Read until the process exits, which main does right
// after run returns: that is why only main uses this, never tests.
type cancelableReader struct {
	ctx   context.Context
	r     io.Reader
	start sync.Once
	pr    *io.PipeReader
}

func newCancelableReader(ctx context.Context, r io.Reader) *cancelableReader {
	return &cancelableReader{ctx: ctx, r: r}
}

func (c *cancelableReader) Read(p []byte) (int, error) {
	c.start.Do(func() {
		pr, pw := io.Pipe()
		c.pr = pr
		go func() {
			_, err := io.Copy(pw, c.r)
			pw.CloseWithError(err) // nil: the reader sees io.EOF
		}()
		context.AfterFunc(c.ctx, func() { pr.CloseWithError(c.ctx.Err()) })
	})
	return c.pr.Read(p)
}

// Stat describes the file the reader reads, if it reads one (it does not
// read from it): the command refuses to read standard input that is its
// own output.
func (c *cancelableReader) Stat() (fs.FileInfo, error) {
	if f, ok := c.r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		return f.Stat()
	}
	return nil, errors.ErrUnsupported
}
