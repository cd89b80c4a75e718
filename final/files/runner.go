package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"packcourse/core/codec"
	"packcourse/final/engine"
	"packcourse/final/govern"
)

// Runner runs the jobs of a Plan: many files at once, all under one
// Governor, each output written with WriteAtomic.
//
// Files up to the Governor's Limits().SmallFile bytes take the fast path
// (fast.go): one goroutine, one CPU token, no pipeline. Bigger files (and
// standard input, whose size is unknown) go through the Engine. The two
// kinds are dispatched from separate queues, and small files draw their
// bytes from the governor's small lane, which big files cannot touch: so
// however many huge files are in flight, and however much of the budget
// they hold, small files keep moving.
//
// Error policy: a failing file does not stop the others. Every job gets a
// Result; a failed one has its error and leaves no output behind. Only a
// cancelled ctx stops the run: jobs not yet started are not started, and
// their Results hold ctx's error.
type Runner struct {
	Engine    *engine.Engine   // for big files; its Metrics also count the fast path
	Governor  *govern.Governor // the Engine's
	Options   codec.Options    // for Pack; Unpack and Verify use only the key fields
	Overwrite bool             // replace existing outputs

	// Files is how many small files may be in flight at once; big files,
	// each running a pipeline of goroutines, get half as many slots of
	// their own. 0 means four per CPU token.
	Files int

	FS     FS        // nil means OS{}
	Stdin  io.Reader // read for a Job whose Src is Stdio
	Stdout io.Writer // written for a Job whose Dst is Stdio

	// Progress, if not nil, is updated as bytes and files go through.
	Progress *Progress
	// Done, if not nil, is called as each job ends, from the goroutine
	// that ran it (so it must be safe for concurrent use).
	Done func(Result)
}

// Result is how one job went.
type Result struct {
	Job  Job
	Fast bool  // it took the small-file fast path
	In   int64 // bytes read from the input
	Out  int64 // bytes written to the output
	Err  error // nil if the job succeeded
}

// Progress counts a run's work as it happens. Its fields are atomic, so a
// progress printer can read them while the run goes on.
type Progress struct {
	In, Out   atomic.Int64 // bytes read and written so far
	FilesDone atomic.Int64 // jobs finished, failed ones included
	Failed    atomic.Int64 // jobs that failed
}

// Run runs every job and returns their Results, in the order of jobs.
func (r *Runner) Run(ctx context.Context, op Op, jobs []Job) []Result {
	results := make([]Result, len(jobs))
	var small, big []int
	for i, j := range jobs {
		if r.isSmall(j) {
			small = append(small, i)
		} else {
			big = append(big, i)
		}
	}
	slots := r.slots()
	var wg sync.WaitGroup
	wg.Go(func() { r.dispatch(ctx, op, jobs, small, slots, results) })
	wg.Go(func() { r.dispatch(ctx, op, jobs, big, max(slots/2, 1), results) })
	wg.Wait()
	return results
}

// dispatch runs the jobs at indexes, at most limit at a time, storing each
// Result at its index. Once ctx is cancelled it starts nothing more.
func (r *Runner) dispatch(ctx context.Context, op Op, jobs []Job, indexes []int, limit int, results []Result) {
	var g errgroup.Group
	g.SetLimit(limit)
	for _, i := range indexes {
		if err := ctx.Err(); err != nil {
			results[i] = Result{Job: jobs[i], Err: err}
			continue
		}
		g.Go(func() error {
			results[i] = r.runJob(ctx, op, jobs[i])
			r.finished(results[i])
			return nil // errors are per file, in the Result: they must not stop the others
		})
	}
	g.Wait()
}

// finished records a job's end for Progress and Done.
func (r *Runner) finished(res Result) {
	if p := r.Progress; p != nil {
		p.FilesDone.Add(1)
		if res.Err != nil {
			p.Failed.Add(1)
		}
	}
	if r.Done != nil {
		r.Done(res)
	}
}

// isSmall reports whether job takes the fast path: its size is known and
// no more than the Governor's small-file size.
func (r *Runner) isSmall(j Job) bool {
	return j.Size >= 0 && j.Size <= r.Governor.Limits().SmallFile
}

func (r *Runner) slots() int {
	if r.Files > 0 {
		return r.Files
	}
	return 4 * r.Governor.Limits().CPU
}

func (r *Runner) fsys() FS {
	if r.FS == nil {
		return OS{}
	}
	return r.FS
}

// runJob runs one job from its input to its output.
func (r *Runner) runJob(ctx context.Context, op Op, job Job) Result {
	res := Result{Job: job, Fast: r.isSmall(job)}
	src, err := r.open(job)
	if err != nil {
		res.Err = err
		return res
	}
	defer src.Close()
	in, out := &counter{r: src}, &counter{}
	if p := r.Progress; p != nil {
		in.total, out.total = &p.In, &p.Out
	}
	process := func(dst io.Writer) error {
		out.w = dst
		return r.process(ctx, op, out, in, job, res.Fast)
	}
	switch {
	case op == Verify:
		res.Err = process(io.Discard)
	case job.Dst == Stdio:
		res.Err = process(r.Stdout)
	default:
		res.Err = r.writeOutput(ctx, job, process)
	}
	res.In, res.Out = in.n, out.n
	return res
}

// open opens a job's input.
func (r *Runner) open(job Job) (io.ReadCloser, error) {
	if job.Src == Stdio {
		return io.NopCloser(r.Stdin), nil
	}
	f, err := r.fsys().Open(job.Src)
	if err != nil {
		return nil, fmt.Errorf("opening: %w", unwrapPath(err))
	}
	return f, nil
}

// writeOutput writes a job's output file atomically, making its directory
// if needed. Failures of the write itself name the output file.
func (r *Runner) writeOutput(ctx context.Context, job Job, process func(io.Writer) error) error {
	if err := r.fsys().MkdirAll(filepath.Dir(job.Dst)); err != nil {
		return fmt.Errorf("making the output directory: %w", err)
	}
	o := AtomicOptions{FS: r.FS, Perm: job.Perm, Overwrite: r.Overwrite}
	err := WriteAtomic(ctx, job.Dst, o, process)
	if se := (*StageError)(nil); errors.As(err, &se) {
		return fmt.Errorf("writing %s: %w", job.Dst, err)
	}
	return err
}

// process runs the job's operation from src to dst, on the fast path or
// through the engine.
func (r *Runner) process(ctx context.Context, op Op, dst io.Writer, src io.Reader, job Job, fast bool) error {
	if fast {
		return r.fastPath(ctx, op, dst, src, job)
	}
	e := r.Engine.ForFile(job.Size) // the governor's lane for this size
	switch op {
	case Pack:
		return e.Pack(ctx, dst, src, r.Options)
	case Unpack:
		return e.Unpack(ctx, dst, src, r.Options)
	}
	return e.Verify(ctx, src, r.Options)
}

// counter counts the bytes going through a reader or a writer, for the
// Result and for Progress.
type counter struct {
	r     io.Reader
	w     io.Writer
	n     int64
	total *atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.add(n)
	return n, err
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.add(n)
	return n, err
}

func (c *counter) add(n int) {
	c.n += int64(n)
	if c.total != nil {
		c.total.Add(int64(n))
	}
}
