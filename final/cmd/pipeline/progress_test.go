package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"packcourse/final/engine"
	"packcourse/final/files"
)

// TestProgressLine drives the progress line with its own clock: each draw
// writes the line over the previous one, with the counts, the share of the
// input done and the rate, and a shorter line blanks out the rest of a
// longer one.
func TestProgressLine(t *testing.T) {
	var out bytes.Buffer
	p := &files.Progress{}
	now := time.Unix(0, 0)
	jobs := []files.Job{{Size: 3e6}, {Size: 1e6}}
	l := newProgressLine(&out, engine.Pack, jobs, p, func() time.Time { return now })

	now = now.Add(time.Second)
	p.In.Store(1e6)
	l.draw()
	p.In.Store(4e6)
	p.FilesDone.Store(2)
	p.Failed.Store(1)
	l.draw()
	p.Failed.Store(0)
	l.draw()

	assert.Equal(t,
		"\rpack   0/2 files  976.6 KiB / 3.8 MiB   25%  1.0 MB/s"+
			"\rpack   2/2 files  3.8 MiB / 3.8 MiB  100%  4.0 MB/s  1 failed"+
			"\rpack   2/2 files  3.8 MiB / 3.8 MiB  100%  4.0 MB/s          ",
		out.String())
}

// TestProgressTicks: the line is drawn once per tick, and the drawing
// goroutine ends when done is closed.
func TestProgressTicks(t *testing.T) {
	var out bytes.Buffer
	p := &files.Progress{}
	p.In.Store(500)
	l := newProgressLine(&out, engine.Verify, []files.Job{{Size: -1}}, p, time.Now)
	tick := make(chan time.Time)
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() { l.run(tick, done); close(ended) }()
	for range 3 {
		tick <- time.Time{}
	}
	close(done)
	<-ended
	assert.Equal(t, 3, strings.Count(out.String(), "\rverify 0/1 files  500 B"), "one draw per tick; no total for standard input: %q", out.String())
}
