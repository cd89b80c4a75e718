package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"packcourse/core/format"
	"packcourse/core/memstat"
	"packcourse/core/units"
	"packcourse/final/engine"
	"packcourse/final/files"
	"packcourse/final/govern"
)

func runPack(ctx context.Context, e env, c config) int {
	// A file of up to two chunks is small: it skips the pipeline.
	return runFiles(ctx, e, c, files.Pack, 2*int64(c.chunk))
}

func runUnpack(ctx context.Context, e env, c config) int {
	return runFiles(ctx, e, c, files.Unpack, 2*format.DefaultChunkSize)
}

func runVerify(ctx context.Context, e env, c config) int {
	return runFiles(ctx, e, c, files.Verify, 2*format.DefaultChunkSize)
}

// runFiles plans op over the command line's paths, runs every job under
// one session and reports: one line per failed file, then a summary.
func runFiles(ctx context.Context, e env, c config, op files.Op, smallFile int64) int {
	if err := c.checkBudget(op); err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %v\n", op, err)
		return exitUsage
	}
	srcs, dst := c.paths, ""
	if op != files.Verify {
		srcs, dst = c.paths[:len(c.paths)-1], c.paths[len(c.paths)-1]
	}
	plan, err := files.MakePlan(op, srcs, dst)
	if err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %v\n", op, err)
		return exitFailed
	}
	if !c.quiet {
		for _, s := range plan.Skipped {
			fmt.Fprintf(e.stderr, "pipeline: skipping %s: %s\n", s.Path, s.Reason)
		}
	}
	if len(plan.Jobs) == 0 {
		fmt.Fprintf(e.stderr, "pipeline %s: no files to %s in %s\n", op, op, strings.Join(srcs, ", "))
		return exitFailed
	}
	s, err := startSession(e, c, smallFile)
	if err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %v\n", op, err)
		return exitFailed
	}
	defer s.close()

	progress := &files.Progress{}
	stop := startProgress(e, c, op, plan.Jobs, progress)
	start := time.Now()
	results := s.runner(e, c, progress).Run(ctx, op, plan.Jobs)
	elapsed := time.Since(start)
	stop()

	code := report(ctx, e, op, results)
	if code == exitOK && !c.quiet {
		fmt.Fprintln(e.stderr, summaryLine(op, results, elapsed))
	}
	if c.stats && !c.quiet {
		fmt.Fprint(e.stderr, s.metrics.Summary())
	}
	if err := s.close(); err != nil && code == exitOK {
		fmt.Fprintf(e.stderr, "pipeline %s: %v\n", op, err)
		return exitFailed
	}
	return code
}

// report prints one line per failed file and returns the exit code. A
// run cut short by ctx (Ctrl-C) is reported once, not once per file.
func report(ctx context.Context, e env, op files.Op, results []files.Result) int {
	failed, done := 0, 0
	for _, r := range results {
		switch {
		case r.Err == nil:
			done++
		case ctx.Err() != nil && errors.Is(r.Err, ctx.Err()):
			// cut short by the interrupt: counted below, not reported one by one
		default:
			failed++
			fmt.Fprintf(e.stderr, "pipeline: %s %s: %s\n", op, r.Job.Name(), describe(r))
		}
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(e.stderr, "pipeline: interrupted: %d of %d files done, no partial output left\n", done, len(results))
		return exitInterrupted
	case failed > 0 && len(results) > 1:
		fmt.Fprintf(e.stderr, "pipeline: %d of %d files failed\n", failed, len(results))
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}

// describe says what went wrong with a file, in words for the person who
// ran the command: the damaged frame and its offset for a bad container,
// the step and the system's reason for a failed write, a hint where a
// flag is the fix. errors.Is still works on the Result's error; this is
// only its message.
func describe(r files.Result) string {
	err := r.Err
	var (
		fe *format.Error
		se *files.StageError
		ee *engine.Error
	)
	switch {
	case errors.As(err, &fe):
		return fe.Error() + hint(fe.Kind)
	case errors.Is(err, files.ErrExists):
		return fmt.Sprintf("%s already exists (use -force to replace it)", r.Job.Dst)
	case errors.As(err, &se):
		return fmt.Sprintf("writing %s: %s: %v", r.Job.Dst, se.Stage, rootCause(se.Err))
	case errors.Is(err, govern.ErrOverBudget):
		return err.Error() + " (raise -mem)"
	case errors.As(err, &ee):
		where := ee.Stage
		if ee.Frame >= 0 {
			where = fmt.Sprintf("%s frame %d", ee.Stage, ee.Frame)
		}
		return fmt.Sprintf("%s: %v", where, ee.Err)
	}
	return err.Error()
}

// hint says which flag fixes a key problem.
func hint(kind error) string {
	switch kind {
	case format.ErrKeyRequired:
		return " (give -key-file or -passphrase-env)"
	case format.ErrNotEncrypted:
		return " (leave out -key-file and -passphrase-env)"
	}
	return ""
}

// rootCause is the innermost error: "no space left on device" rather than
// the path and operation that WriteAtomic's message already names.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// summaryLine is the one line printed after a successful run.
func summaryLine(op files.Op, results []files.Result, elapsed time.Duration) string {
	var in, out int64
	for _, r := range results {
		in, out = in+r.In, out+r.Out
	}
	raw, what := in, ""
	switch op {
	case files.Pack:
		what = fmt.Sprintf("packed %s, %s -> %s (%.2fx)", plural(len(results), "file"), units.FormatSize(in), units.FormatSize(out), ratio(in, out))
	case files.Unpack:
		raw = out
		what = fmt.Sprintf("unpacked %s, %s -> %s", plural(len(results), "file"), units.FormatSize(in), units.FormatSize(out))
	case files.Verify:
		what = fmt.Sprintf("verified %s (%s), all intact,", plural(len(results), "file"), units.FormatSize(in))
	}
	line := fmt.Sprintf("pipeline: %s in %v, %.1f MB/s", what, elapsed.Round(time.Millisecond), float64(raw)/elapsed.Seconds()/1e6)
	if peak, err := memstat.PeakRSS(); err == nil {
		line += ", peak RSS " + units.FormatSize(peak)
	}
	return line
}

func ratio(in, out int64) float64 { return float64(in) / float64(max(out, 1)) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
