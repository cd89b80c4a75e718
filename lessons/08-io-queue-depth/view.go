package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"packcourse/lessons/08-io-queue-depth/engine"
)

// docs:region view
// A view draws one line about the pipeline every so often while a run
// goes, from the engine's Metrics: what an operator would put on a
// dashboard, cut down to a line. On a terminal the line is redrawn in
// place; otherwise (a pipe, a file) each refresh is a line of its own,
// so the whole run can be read afterwards.
type view struct {
	w        io.Writer
	ms       *engine.Metrics
	inPlace  bool
	base     engine.Progress // the counters when this run started
	lastAt   time.Time
	lastDone int64 // bytes written at lastAt, for the throughput
}

func newView(f *os.File, ms *engine.Metrics) *view {
	st, err := f.Stat()
	return &view{w: f, ms: ms, inPlace: err == nil && st.Mode()&os.ModeCharDevice != 0}
}

// watch runs run in its own goroutine and draws the view every so often
// until it returns, then once more.
func (v *view) watch(every time.Duration, run func() error) error {
	done := make(chan error, 1)
	start := time.Now()
	v.base = v.ms.Snapshot().Work
	v.lastAt, v.lastDone = start, v.base.Written.Bytes
	go func() { done <- run() }()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			v.draw(time.Since(start))
			if v.inPlace {
				fmt.Fprintln(v.w)
			}
			return err
		case <-tick.C:
			v.draw(time.Since(start))
		}
	}
}

// draw writes one line: chunks read and written, the writer's queue as
// a bar, busy workers, the Governor's tokens and bytes in use, and the
// throughput since the last line.
func (v *view) draw(at time.Duration) {
	s := v.ms.Snapshot()
	lv := s.Levels
	now := time.Now()
	rate := float64(s.Work.Written.Bytes-v.lastDone) / now.Sub(v.lastAt).Seconds()
	v.lastAt, v.lastDone = now, s.Work.Written.Bytes
	g := s.Governor
	line := fmt.Sprintf("%5.2fs  read %3d  written %3d  write queue %s %d/%d  busy %d/%d  tokens cpu %d/%d io %d/%d  bytes %s/%s  %s/s",
		at.Seconds(), s.Work.Read.Chunks-v.base.Read.Chunks, s.Work.Written.Chunks-v.base.Written.Chunks,
		bar(lv.WriteQueue, lv.WriteQueueCap), lv.WriteQueue, lv.WriteQueueCap, lv.Busy, lv.Workers,
		g.CPU, g.CPULimit, g.IO, g.IOLimit, mib(g.Bytes), mib(g.BytesLimit), mib(int64(rate)))
	if s.InProgress == 0 {
		line = fmt.Sprintf("%5.2fs  read %3d  written %3d  done", at.Seconds(),
			s.Work.Read.Chunks-v.base.Read.Chunks, s.Work.Written.Chunks-v.base.Written.Chunks)
	}
	if v.inPlace {
		fmt.Fprintf(v.w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(v.w, line)
}

// mib formats a count of bytes in MiB, one decimal.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// bar draws n of size as a bar: [####....].
func bar(n, size int64) string {
	n = min(max(n, 0), size)
	return "[" + strings.Repeat("#", int(n)) + strings.Repeat(".", int(size-n)) + "]"
}

// docs:endregion view
