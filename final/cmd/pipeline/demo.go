package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/final/engine"
	"packcourse/final/files"
)

// demoMaxSmall is the largest small file of the demo's corpus.
const demoMaxSmall = 256 << 10

// runDemo generates a mixed corpus in a temporary directory, packs it,
// verifies the containers, unpacks them, checks every restored file
// against the original's SHA-256, prints what it cost and removes the
// directory, also when it is interrupted.
func runDemo(ctx context.Context, e env, c config) int {
	if err := c.checkBudget(engine.Pack); err != nil {
		fmt.Fprintf(e.stderr, "pipeline demo: %s\n", files.OneLine(err.Error()))
		return exitUsage
	}
	if c.encrypt {
		c.key = make([]byte, codec.KeyLen)
		rand.Read(c.key) // crypto/rand.Read never fails
	}
	dir, err := os.MkdirTemp("", "pipeline-demo-")
	if err != nil {
		fmt.Fprintf(e.stderr, "pipeline demo: %v\n", err)
		return exitFailed
	}
	defer os.RemoveAll(dir)
	out := e.stdout
	if c.quiet {
		out = io.Discard
	}
	d := &demo{e: e, c: c, out: out, dir: dir}
	code, err := d.run(ctx)
	switch {
	case code == exitInterrupted: // already reported, once
	case ctx.Err() != nil:
		fmt.Fprintln(e.stderr, "pipeline: interrupted")
		return exitInterrupted
	case err != nil:
		fmt.Fprintf(e.stderr, "pipeline demo: %v\n", err)
	}
	return code
}

type demo struct {
	e   env
	c   config
	out io.Writer
	dir string
}

func (d *demo) run(ctx context.Context) (int, error) {
	src := filepath.Join(d.dir, "original")
	corpus := workload.Corpus(1, d.c.size, d.c.files, demoMaxSmall)
	var total int64
	for _, f := range corpus {
		total += f.Size
	}
	fmt.Fprintf(d.out, "demo: %d files, %s (one %s file of mixed text, logs, random and zeros; %d small files) in %s\n",
		len(corpus), units.FormatSize(total), units.FormatSize(d.c.size), d.c.files, d.dir)
	if err := workload.WriteFiles(src, corpus); err != nil {
		return exitFailed, err
	}
	fmt.Fprintf(d.out, "settings: %d workers, %s chunks, %s level %d, %s budget, encrypted: %v\n\n",
		d.c.workers, units.FormatSize(int64(d.c.chunk)), d.c.codec, d.c.level, units.FormatSize(d.c.mem), d.c.encrypt)

	s, err := startSession(d.e, d.c, 2*int64(d.c.chunk), nil)
	if err != nil {
		return exitFailed, err
	}
	defer s.close()
	packed, restored := filepath.Join(d.dir, "packed"), filepath.Join(d.dir, "restored")
	for _, step := range []struct {
		op       engine.Op
		src, dst string
	}{
		{engine.Pack, src, packed},
		{engine.Verify, packed, ""},
		{engine.Unpack, packed, restored},
	} {
		if code := d.step(ctx, s, step.op, step.src, step.dst); code != exitOK {
			return code, nil
		}
	}
	if err := compare(corpus, src, restored); err != nil {
		return exitFailed, err
	}
	fmt.Fprintf(d.out, "\nevery restored file matches its original (SHA-256 of all %d files)\n\n", len(corpus))
	fmt.Fprint(d.out, s.metrics.Summary())
	if peak, err := memstat.PeakRSS(); err == nil {
		fmt.Fprintf(d.out, "peak RSS    %s\n", units.FormatSize(peak))
	}
	return exitOK, s.close()
}

// step runs one operation over a directory and prints its line.
func (d *demo) step(ctx context.Context, s *session, op engine.Op, src, dst string) int {
	plan, err := files.MakePlan(op, []string{src}, dst)
	if err != nil {
		fmt.Fprintf(d.e.stderr, "pipeline demo: %s: %v\n", op, err)
		return exitFailed
	}
	progress := &files.Progress{}
	stop := startProgress(d.e, d.c, op, plan.Jobs, progress)
	start := time.Now()
	results := s.runner(ctx, d.e, d.c, progress).Run(ctx, op, plan.Jobs)
	elapsed := time.Since(start)
	stop()
	if code := report(ctx, d.e, op, results, 0); code != exitOK {
		return code
	}
	fmt.Fprintln(d.out, summaryLine(op, results, elapsed)[len("pipeline: "):])
	return exitOK
}

// compare checks every restored file against its original by SHA-256.
func compare(corpus []workload.File, original, restored string) error {
	for _, f := range corpus {
		name := filepath.FromSlash(f.Name)
		want, err := fileSHA256(filepath.Join(original, name))
		if err != nil {
			return err
		}
		got, err := fileSHA256(filepath.Join(restored, name))
		if err != nil {
			return err
		}
		if string(got) != string(want) {
			return errors.New(f.Name + ": restored file differs from the original")
		}
	}
	return nil
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
