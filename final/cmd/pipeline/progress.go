package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"packcourse/core/units"
	"packcourse/final/engine"
	"packcourse/final/files"
)

// progressInterval is how often the progress line is redrawn.
const progressInterval = 200 * time.Millisecond

// startProgress draws a progress line on stderr while a run goes on, if
// the flags ask for one, and returns the function that stops it (after
// drawing the final state and a newline). Without progress it returns a
// function that does nothing.
func startProgress(e env, c config, op engine.Op, jobs []files.Job, p *files.Progress) (stop func()) {
	if !c.progress {
		return func() {}
	}
	ticker := time.NewTicker(progressInterval)
	pr := newProgressLine(e.stderr, op, jobs, p, time.Now)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { pr.run(ticker.C, done) })
	return func() {
		ticker.Stop()
		close(done)
		wg.Wait() // the drawing goroutine has ended before the final line
		pr.draw()
		fmt.Fprintln(e.stderr)
	}
}

// progressLine draws "pack  12/41 files  80.0 MiB / 256.0 MiB  31%
// 95.3 MB/s" over itself with a carriage return.
type progressLine struct {
	w       io.Writer
	op      engine.Op
	files   int
	total   int64 // input bytes; -1 when unknown (standard input)
	p       *files.Progress
	now     func() time.Time
	start   time.Time
	lastLen int
}

func newProgressLine(w io.Writer, op engine.Op, jobs []files.Job, p *files.Progress, now func() time.Time) *progressLine {
	var total int64
	for _, j := range jobs {
		if j.Size < 0 {
			total = -1
			break
		}
		total += j.Size
	}
	return &progressLine{w: w, op: op, files: len(jobs), total: total, p: p, now: now, start: now()}
}

// run redraws the line at every tick until done is closed.
func (l *progressLine) run(tick <-chan time.Time, done <-chan struct{}) {
	for {
		select {
		case <-tick:
			l.draw()
		case <-done:
			return
		}
	}
}

// draw writes the current state over the previous line.
func (l *progressLine) draw() {
	s := l.text()
	pad := max(l.lastLen-len(s), 0) // blank out the rest of a longer previous line
	l.lastLen = len(s)
	fmt.Fprintf(l.w, "\r%s%s", s, strings.Repeat(" ", pad))
}

func (l *progressLine) text() string {
	in := l.p.In.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %d/%d files  %s", l.op, l.p.FilesDone.Load(), l.files, units.FormatSize(in))
	if l.total > 0 {
		fmt.Fprintf(&b, " / %s  %3d%%", units.FormatSize(l.total), in*100/l.total)
	}
	if secs := l.now().Sub(l.start).Seconds(); secs > 0 {
		fmt.Fprintf(&b, "  %.1f MB/s", float64(in)/secs/1e6)
	}
	if f := l.p.Failed.Load(); f > 0 {
		fmt.Fprintf(&b, "  %d failed", f)
	}
	return b.String()
}
