package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"packcourse/core/codec"
	"packcourse/final/engine"
	"packcourse/final/govern"
)

// Runner runs the jobs of a Plan: many files at once, all under the
// Engine's governor, each output written with WriteAtomic.
//
// Every file goes through the Engine, which runs an input of one chunk
// inline in the calling goroutine (no pipeline, the same tokens, budget
// and metrics as any run). Files up to the governor's Limits().SmallFile
// bytes are dispatched from a queue of their own and draw their bytes from
// the governor's small lane, which big files cannot touch: so however many
// huge files are in flight, and however much of the budget they hold,
// small files keep moving.
//
// Error policy: a failing file does not stop the others. Every job gets a
// Result; a failed one has its error and leaves no output behind. Only a
// cancelled ctx stops the run: jobs not yet started are not started, and
// their Results hold ctx's error.
type Runner struct {
	Engine    *engine.Engine // its Config().Governor governs every file of the run
	Options   codec.Options  // for Pack; Unpack and Verify use only the key fields
	Overwrite bool           // replace existing outputs
	NoSync    bool           // write outputs without syncing them (see AtomicOptions.NoSync)

	// Files is how many small files may be in flight at once; big files,
	// each running a pipeline of goroutines, get half as many slots of
	// their own. 0 means four per CPU token. Both are cut to what
	// OpenFiles allows.
	Files int
	// OpenFiles bounds the files open at once (inputs, temporary files,
	// directories being synced); a job in flight holds up to filesPerJob.
	// 0 means from the process's limit (RLIMIT_NOFILE), less a reserve
	// for standard streams, the metrics server and the trace.
	OpenFiles int

	FS     FS        // nil means OS{}
	Stdin  io.Reader // read for a Job whose Src is Stdio
	Stdout io.Writer // written for a Job whose Dst is Stdio

	// Progress, if not nil, is updated as bytes and files go through.
	Progress *Progress
	// Done, if not nil, is called as each job ends, from the goroutine
	// that ran it (so it must be safe for concurrent use).
	Done func(Result)
	// Stale, if not nil, is called with each stale temporary file removed
	// before the run (left by a run that was killed; see temp.go).
	Stale func(path string)

	alive func(pid int) bool // processAlive; tests replace it
}

// Result is how one job went.
type Result struct {
	Job Job
	In  int64 // bytes read from the input
	Out int64 // bytes written to the output
	Err error // nil if the job succeeded
}

// Progress counts a run's work as it happens. Its fields are atomic, so a
// progress printer can read them while the run goes on.
type Progress struct {
	In, Out   atomic.Int64 // bytes read and written so far
	FilesDone atomic.Int64 // jobs finished, failed ones included
	Failed    atomic.Int64 // jobs that failed
}

// ErrChanged is wrapped by the error of an input that changed while it was
// read (its size, modification or change time), as tar's "file changed as we read
// it": its container would hold neither the old file nor the new one.
var ErrChanged = errors.New("file changed as we read it")

// ErrSwapped is wrapped by the error of an input that is no longer the
// file planned: replaced by a link, a FIFO, a device or another file.
var ErrSwapped = errors.New("no longer the file that was planned")

var errIsLink = errors.New("it is a symbolic link now (not followed)")

// filesPerJob is the most files one job holds open at once: its input,
// its temporary file, and its directory while syncing it.
const filesPerJob = 3

// reservedFiles are kept for everything else: standard streams, the
// runtime's poller, the metrics server and its clients, the trace.
const reservedFiles = 48

// Run runs every job and returns their Results, in the order of jobs.
func (r *Runner) Run(ctx context.Context, op Op, jobs []Job) []Result {
	r.removeStale(jobs)
	results := make([]Result, len(jobs))
	var small, big []int
	for i, j := range jobs {
		if r.isSmall(j) {
			small = append(small, i)
		} else {
			big = append(big, i)
		}
	}
	smallSlots, bigSlots := r.slots()
	var wg sync.WaitGroup
	made := new(madeDirs) // this run's: a Runner may run several at once
	wg.Go(func() { r.dispatch(ctx, op, jobs, small, smallSlots, results, made) })
	wg.Go(func() { r.dispatch(ctx, op, jobs, big, bigSlots, results, made) })
	wg.Wait()
	made.removeEmpty(r.fsys())
	return results
}

// madeDirs notes the output directories one Run made, so that it can
// remove those still empty at the end: when every file under one failed,
// the run leaves nothing behind, not even a directory.
type madeDirs struct {
	mu   sync.Mutex // held only to note a directory, never across a system call
	dirs map[string]bool
}

// make makes dir and its missing parents, and notes the ones that were
// missing.
func (m *madeDirs) make(fsys FS, dir string) error {
	var missing []string
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := fsys.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
	}
	if len(missing) > 0 {
		m.mu.Lock()
		if m.dirs == nil {
			m.dirs = map[string]bool{}
		}
		for _, d := range missing {
			m.dirs[d] = true
		}
		m.mu.Unlock()
	}
	return fsys.MkdirAll(dir)
}

// removeEmpty removes the noted directories that are empty, deepest
// first. One that holds an output stays. Call it once the run is over.
func (m *madeDirs) removeEmpty(fsys FS) {
	dirs := slices.Collect(maps.Keys(m.dirs))
	slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
	for _, d := range dirs {
		fsys.Remove(d) // fails, as it should, if d is not empty
	}
}

// dispatch runs the jobs at indexes, at most limit at a time, storing each
// Result at its index. Once ctx is cancelled it starts nothing more.
// Errors are per file, in the Results: nothing here stops the others.
func (r *Runner) dispatch(ctx context.Context, op Op, jobs []Job, indexes []int, limit int, results []Result, made *madeDirs) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, limit)
	for _, i := range indexes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			results[i] = Result{Job: jobs[i], Err: err}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = r.runJob(ctx, op, jobs[i], made)
			r.finished(results[i])
		})
	}
	wg.Wait()
}

// removeStale removes the stale temporary files of the run's outputs.
func (r *Runner) removeStale(jobs []Job) {
	var dsts []string
	for _, j := range jobs {
		if j.Dst != "" && j.Dst != Stdio {
			dsts = append(dsts, j.Dst)
		}
	}
	alive := r.alive
	if alive == nil {
		alive = processAlive
	}
	removed, _ := removeStale(r.fsys(), dsts, alive) // one it cannot remove stays; the run still works
	for _, p := range removed {
		if r.Stale != nil {
			r.Stale(p)
		}
	}
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

func (r *Runner) governor() *govern.Governor { return r.Engine.Config().Governor }

// isSmall reports whether job is a small file: its size is known and no
// more than the governor's small-file size.
func (r *Runner) isSmall(j Job) bool {
	return j.Size >= 0 && j.Size <= r.governor().Limits().SmallFile
}

// slots returns how many small and big files may be in flight at once:
// Files (or four per CPU token) and half as many, both cut so that
// together they never hold more files open than the limit allows.
func (r *Runner) slots() (small, big int) {
	small = r.Files
	if small <= 0 {
		small = 4 * r.governor().Limits().CPU
	}
	big = max(small/2, 1)
	if open := r.openFiles() / filesPerJob; small+big > open {
		big = max(open/3, 1)
		small = max(open-big, 1)
	}
	return small, big
}

// openFiles is the most files the run may hold open.
func (r *Runner) openFiles() int {
	if r.OpenFiles > 0 {
		return r.OpenFiles
	}
	return max(fileLimit()-reservedFiles, filesPerJob)
}

func (r *Runner) fsys() FS {
	if r.FS == nil {
		return OS{}
	}
	return r.FS
}

// runJob runs one job from its input to its output.
func (r *Runner) runJob(ctx context.Context, op Op, job Job, made *madeDirs) Result {
	res := Result{Job: job}
	src, opened, err := r.open(job)
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
		e := r.Engine.ForFile(job.Size) // the governor's lane for this size
		if err := e.Run(ctx, op, out, in, r.Options); err != nil {
			return err
		}
		return checkUnchanged(src, opened, in.n) // before the output is published
	}
	switch {
	case op == engine.Verify:
		res.Err = process(io.Discard)
	case job.Dst == Stdio:
		res.Err = process(r.Stdout)
	default:
		res.Err = r.writeOutput(ctx, job, made, process)
	}
	res.In, res.Out = in.n, out.n
	return res
}

// open opens a job's input and checks that it is the regular file that
// was planned: a name swapped meanwhile for a link, a FIFO, a device or
// another file fails, and nothing is read from it. It returns what fstat
// said at the open, for checkUnchanged.
func (r *Runner) open(job Job) (Source, fs.FileInfo, error) {
	if job.Src == Stdio {
		return stdin{r.Stdin}, nil, nil
	}
	f, err := r.fsys().Open(job.path())
	if err != nil {
		if errors.Is(err, errIsLink) {
			return nil, nil, fmt.Errorf("opening: %w: %w", ErrSwapped, err)
		}
		return nil, nil, fmt.Errorf("opening: %w", unwrapPath(err))
	}
	info, err := f.Stat()
	switch {
	case err != nil:
		err = fmt.Errorf("opening: %w", unwrapPath(err))
	case !info.Mode().IsRegular():
		err = fmt.Errorf("opening: %w: it is a %v now, not a regular file", ErrSwapped, typeName(info.Mode()))
	case job.info != nil && !os.SameFile(job.info, info):
		err = fmt.Errorf("opening: %w: another file has its name now (device and inode differ)", ErrSwapped)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// checkUnchanged fails if the input read was not the file opened, whole:
// fewer or more bytes than its size at the open, or a size, modification
// time or (where the system gives it) change time that differs now.
func checkUnchanged(src Source, opened fs.FileInfo, read int64) error {
	if opened == nil {
		return nil // standard input: no size to hold it to
	}
	now, err := src.Stat()
	if err != nil {
		return fmt.Errorf("reading: %w", unwrapPath(err))
	}
	if read != opened.Size() || now.Size() != opened.Size() || !now.ModTime().Equal(opened.ModTime()) {
		return fmt.Errorf("%w: %d bytes when opened, %d read, %d now; modified %v, now %v",
			ErrChanged, opened.Size(), read, now.Size(), opened.ModTime().Format(timeFormat), now.ModTime().Format(timeFormat))
	}
	// A file rewritten in place, same size, with its modification time
	// put back (touch -d) differs in its change time, which cannot be set:
	// GNU tar compares it too.
	then, ok1 := changeTime(opened)
	ctime, ok2 := changeTime(now)
	if ok1 && ok2 && !ctime.Equal(then) {
		return fmt.Errorf("%w: its status changed while it was read (at %v, now %v): rewritten, or its owner, mode or links changed",
			ErrChanged, then.Format(timeFormat), ctime.Format(timeFormat))
	}
	return nil
}

const timeFormat = "2006-01-02 15:04:05.000000000"

// typeName names a file's type in words ("symbolic link", not the mode's
// "L---------"), for messages about a file that is not a regular one.
func typeName(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "FIFO"
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeDir != 0:
		return "directory"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// stdin is standard input as a Source: Close does not close it.
type stdin struct{ io.Reader }

func (stdin) Close() error               { return nil }
func (stdin) Stat() (fs.FileInfo, error) { return nil, errors.ErrUnsupported }

// writeOutput writes a job's output file atomically, making its directory
// if needed. Failures of the write itself name the output file.
func (r *Runner) writeOutput(ctx context.Context, job Job, made *madeDirs, process func(io.Writer) error) error {
	if err := made.make(r.fsys(), filepath.Dir(job.Dst)); err != nil {
		return fmt.Errorf("making the output directory: %w", err)
	}
	perm := job.Perm
	o := AtomicOptions{FS: r.FS, Perm: &perm, Overwrite: r.Overwrite, NoSync: r.NoSync}
	err := WriteAtomic(ctx, job.Dst, o, process)
	if se := (*StageError)(nil); errors.As(err, &se) {
		return fmt.Errorf("writing %s: %w", Quote(job.Dst), err)
	}
	return err
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
