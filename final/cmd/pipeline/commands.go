package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
	return runFiles(ctx, e, c, engine.Pack, 2*int64(c.chunk))
}

func runUnpack(ctx context.Context, e env, c config) int {
	return runFiles(ctx, e, c, engine.Unpack, 2*format.DefaultChunkSize)
}

func runVerify(ctx context.Context, e env, c config) int {
	return runFiles(ctx, e, c, engine.Verify, 2*format.DefaultChunkSize)
}

// runFiles plans op over the command line's paths, runs every job under
// one session and reports: one line per failed file, then a summary.
func runFiles(ctx context.Context, e env, c config, op engine.Op, smallFile int64) int {
	if err := c.checkBudget(op); err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %s\n", op, files.OneLine(err.Error()))
		return exitUsage
	}
	srcs, dst := c.paths, ""
	if op != engine.Verify {
		srcs, dst = c.paths[:len(c.paths)-1], c.paths[len(c.paths)-1]
	}
	plan, err := files.MakePlanFS(e.fileSystem(), op, srcs, dst)
	if err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %v\n", op, err)
		return exitFailed
	}
	if !c.quiet {
		for _, s := range plan.Skipped {
			fmt.Fprintf(e.stderr, "pipeline: skipping %s: %s\n", quote(s.Path), s.Reason)
		}
	}
	for _, f := range plan.Failed {
		fmt.Fprintf(e.stderr, "pipeline: %s %s: %s\n", op, quote(f.Path), f.Reason)
	}
	if len(plan.Jobs) == 0 {
		if len(plan.Failed) == 0 {
			fmt.Fprintf(e.stderr, "pipeline %s: no files to %s in %s\n", op, op, quoteAll(srcs))
		}
		return exitFailed
	}
	if err := checkStdio(e, plan.Jobs); err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %v\n", op, err)
		return exitFailed
	}
	if e.afterPlan != nil {
		e.afterPlan(plan)
	}
	s, err := startSession(e, c, smallFile, plan.Jobs)
	if err != nil {
		fmt.Fprintf(e.stderr, "pipeline %s: %s\n", op, files.OneLine(err.Error()))
		return exitUsage // nothing was done: the flag is the fix
	}
	defer s.close()

	progress := &files.Progress{}
	stop := startProgress(e, c, op, plan.Jobs, progress)
	start := time.Now()
	results := s.runner(ctx, e, c, progress).Run(ctx, op, plan.Jobs)
	elapsed := time.Since(start)
	stop()

	code := report(ctx, e, op, results, s.stdout.unsure())
	if len(plan.Failed) > 0 && code == exitOK {
		fmt.Fprintf(e.stderr, "pipeline: %d failed before starting (above), the other %s done\n", len(plan.Failed), plural(len(results), "file"))
		code = exitFailed
	}
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

// checkStdio refuses a run whose standard input or output is one of its
// own files, which the planner, comparing paths, cannot see:
// `pipeline unpack a.gpk - >> a.gpk` would append to its input, and
// `pipeline pack -force - a.gpk < a.gpk` would replace its input while
// reading it. Only regular files are compared: a pipe or a terminal is
// nobody's input.
func checkStdio(e env, jobs []files.Job) error {
	in, inFile := regularFile(e.stdin)
	out, outFile := regularFile(e.stdout)
	fsys := e.fileSystem()
	same := func(path string, info fs.FileInfo) bool {
		other, err := fsys.Stat(path)
		return err == nil && os.SameFile(info, other)
	}
	for _, j := range jobs {
		switch {
		case j.Dst == files.Stdio && outFile && j.Src != files.Stdio && same(j.Src, out):
			return fmt.Errorf("standard output is %s, an input of this run: write the output elsewhere", quote(j.Src))
		case j.Src == files.Stdio && inFile && j.Dst == files.Stdio && outFile && os.SameFile(in, out):
			return errors.New("standard input and standard output are the same file: write the output elsewhere")
		case j.Src == files.Stdio && inFile && j.Dst != "" && j.Dst != files.Stdio && same(j.Dst, in):
			return fmt.Errorf("standard input is %s, the output of this run: write the output elsewhere", quote(j.Dst))
		}
	}
	return nil
}

// regularFile returns what x's Stat says if x is (or wraps) an open
// regular file.
func regularFile(x any) (fs.FileInfo, bool) {
	f, ok := x.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return nil, false
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil, false
	}
	return info, true
}

// report prints one line per failed file and returns the exit code. A
// run cut short by ctx (Ctrl-C) is reported once, not once per file.
func report(ctx context.Context, e env, op engine.Op, results []files.Result, unsure int64) int {
	failed, done := 0, 0
	var toStdout int64 // bytes written to standard output by jobs that did not finish
	for _, r := range results {
		if r.Err != nil && r.Job.Dst == files.Stdio {
			toStdout += r.Out
		}
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
	incomplete := map[bool]string{true: "container", false: "file"}[op == engine.Pack]
	switch {
	case ctx.Err() != nil && unsure > 0:
		fmt.Fprintf(e.stderr, "pipeline: interrupted: %d of %d files done; standard output got between %s and %s (a write was under way), an incomplete %s\n",
			done, len(results), units.FormatSize(toStdout), units.FormatSize(toStdout+unsure), incomplete)
		return exitInterrupted
	case ctx.Err() != nil && toStdout > 0:
		fmt.Fprintf(e.stderr, "pipeline: interrupted: %d of %d files done; standard output got %s, an incomplete %s\n",
			done, len(results), units.FormatSize(toStdout), incomplete)
		return exitInterrupted
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
		nd *files.NotDurableError
	)
	msg := ""
	switch {
	case errors.As(err, &fe):
		msg = fe.Error() + hint(fe.Kind)
	case errors.Is(err, files.ErrExists):
		msg = fmt.Sprintf("%s already exists (use -force to replace it)", quote(r.Job.Dst))
	case errors.As(err, &nd):
		msg = nd.Error() + " (the file is kept; check the disk)"
	case errors.As(err, &se) && errors.As(err, &ee):
		// A failed write of the output file: which frame, at which offset
		// of the container, and the system's reason.
		msg = fmt.Sprintf("writing %s: %s: %s", quote(r.Job.Dst), where(ee), frameCause(ee, se))
	case errors.As(err, &se):
		msg = fmt.Sprintf("writing %s: %s: %v", quote(r.Job.Dst), se.Stage, rootCause(se.Err))
	default:
		msg = describeOther(err)
	}
	var ce *files.CleanupError
	if errors.As(err, &ce) {
		msg += "; and " + ce.Error()
	}
	return msg
}

// where names the stage and frame of an engine error: "write frame 5",
// "write" for the header or trailer.
func where(ee *engine.Error) string {
	if ee.Frame >= 0 {
		return fmt.Sprintf("%s frame %d", ee.Stage, ee.Frame)
	}
	return ee.Stage
}

// frameCause is an engine error's cause with the write step and the
// system's reason at the end: "writing frame at offset 4423381: writing
// temporary file: no space left on device".
func frameCause(ee *engine.Error, se *files.StageError) string {
	inner := strings.TrimSuffix(strings.TrimSuffix(ee.Err.Error(), se.Error()), ": ")
	return fmt.Sprintf("%s: %s: %v", inner, se.Stage, rootCause(se.Err))
}

// describeOther is describe for the errors that are not about a write.
func describeOther(err error) string {
	var ee *engine.Error
	switch {
	case errors.Is(err, govern.ErrOverBudget):
		return err.Error() + " (raise -mem)"
	case errors.As(err, &ee):
		return fmt.Sprintf("%s: %v", where(ee), ee.Err)
	}
	return err.Error()
}

// quote is files.Quote: a path as it can be printed on one line.
func quote(path string) string { return files.Quote(path) }

func quoteAll(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = quote(p)
	}
	return strings.Join(q, ", ")
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
func summaryLine(op engine.Op, results []files.Result, elapsed time.Duration) string {
	var in, out int64
	for _, r := range results {
		in, out = in+r.In, out+r.Out
	}
	raw, what := in, ""
	switch op {
	case engine.Pack:
		what = fmt.Sprintf("packed %s, %s -> %s (%.2fx)", plural(len(results), "file"), units.FormatSize(in), units.FormatSize(out), ratio(in, out))
	case engine.Unpack:
		raw = out
		what = fmt.Sprintf("unpacked %s, %s -> %s", plural(len(results), "file"), units.FormatSize(in), units.FormatSize(out))
	case engine.Verify:
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
