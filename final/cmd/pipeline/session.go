package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/trace"
	"time"

	"packcourse/core/units"
	"packcourse/final/engine"
	"packcourse/final/files"
	"packcourse/final/govern"
	"packcourse/final/obs"
)

// session is what a command sets up around its work: one governor shared
// by every file, the metrics, the engine, and the optional metrics server
// and execution trace. close undoes it all.
type session struct {
	gov     *govern.Governor
	metrics *obs.Metrics
	engine  *engine.Engine
	closers []func() error
	stdout  *cancelableWriter // the last runner's standard output
}

// limits are the governor's limits the flags ask for. Files of up to
// smallFile bytes take the fast path and may use the small lane.
func (c config) limits(smallFile int64) govern.Limits {
	return govern.Limits{CPU: c.workers, Bytes: c.mem, SmallFile: smallFile}
}

// checkBudget refuses a -mem too small for the smallest step of op (a
// chunk, its frame and one worker's codec state; or the passphrase's key
// derivation, whichever is larger): every file would fail with the same
// error, so it is a usage error. Unpacking, the chunk size is the
// containers', so -chunk's is only an estimate there.
func (c config) checkBudget(op engine.Op) error {
	need := engine.MinBytes(op, c.options())
	if sharedBytes(c.limits(0)) >= need {
		return nil
	}
	what := fmt.Sprintf("-mem %s is too small", c.memFlag)
	if op == engine.Pack {
		what += " for -chunk " + c.chunkFlag
	}
	return fmt.Errorf("%s: a file needs at least %s for %s, and %s of -mem is kept for small files (try -mem %s)",
		what, units.FormatSize(need), c.largestStep(op, need), smallLaneShare, units.FormatSize(c.leastMem(need)))
}

// smallLaneShare says how much of the budget govern keeps for small files
// by default (Limits.SmallBytes 0).
const smallLaneShare = "an eighth"

// sharedBytes is the part of the byte budget l a large file can use: all
// of it but the small-file lane.
func sharedBytes(l govern.Limits) int64 {
	l = govern.New(l).Limits()
	return l.Bytes - max(l.SmallBytes, 0)
}

// leastMem returns the smallest whole number of MiB whose shared part
// holds need bytes.
func (c config) leastMem(need int64) int64 {
	l := c.limits(0)
	l.Bytes = (need + 1<<20 - 1) &^ (1<<20 - 1)
	for sharedBytes(l) < need {
		l.Bytes += 1 << 20
	}
	return l.Bytes
}

// largestStep names the step of op that needs the need bytes.
func (c config) largestStep(op engine.Op, need int64) string {
	switch {
	case c.options().KDFBytes() == need:
		return "the passphrase's key derivation"
	case op == engine.Pack:
		return "one chunk, its frame and a compressor"
	}
	return "one frame, its chunk and a decompressor"
}

// startSession builds the governor, the metrics and the engine, and
// starts the metrics server and the trace if the flags ask for them. jobs
// are the run's files, which the trace must never be.
func startSession(e env, c config, smallFile int64, jobs []files.Job) (*session, error) {
	g := govern.New(c.limits(smallFile))
	m := obs.New()
	s := &session{
		gov:     g,
		metrics: m,
		engine:  engine.New(engine.Config{Workers: c.workers, Governor: g, Metrics: m, Adaptive: c.adaptive()}),
	}
	if c.metrics != "" {
		addr, stop, err := serveMetrics(c.metrics, m)
		if err != nil {
			return nil, fmt.Errorf("-metrics: %w", err)
		}
		s.closers = append(s.closers, stop)
		if !c.quiet {
			fmt.Fprintf(e.stderr, "pipeline: serving http://%s/metrics and http://%s/debug/pprof/\n", addr, addr)
		}
		if e.serving != nil {
			e.serving(addr)
		}
	}
	if c.trace != "" {
		stop, err := startTrace(c.trace, files.AtomicOptions{FS: e.fsys, Overwrite: c.force}, pathsOfRun(jobs, c.keyFile), stdioFiles(e))
		if err != nil {
			s.close()
			return nil, fmt.Errorf("-trace: %w", err)
		}
		s.closers = append(s.closers, stop)
	}
	return s, nil
}

// close stops the trace and the server, in reverse order of starting.
func (s *session) close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// runner returns a Runner over the session's engine (and so its
// governor). Standard output is written through a cancelableWriter, so
// that an interrupt ends the run even while the reader of our output has
// stopped reading.
func (s *session) runner(ctx context.Context, e env, c config, p *files.Progress) *files.Runner {
	s.stdout = newCancelableWriter(ctx, e.stdout)
	return &files.Runner{
		Engine:    s.engine,
		Options:   c.options(),
		Overwrite: c.force,
		NoSync:    !c.sync,
		FS:        e.fsys,
		OpenFiles: e.openFiles,
		Stdin:     e.stdin,
		Stdout:    s.stdout,
		Progress:  p,
		Stale: func(path string) {
			if !c.quiet {
				fmt.Fprintf(e.stderr, "pipeline: removed %s, a temporary file left by a run that was killed\n", quote(path))
			}
		},
	}
}

// serveMetrics serves the metrics on /metrics and the profiler on
// /debug/pprof/ at addr until stop is called. It returns the address
// actually bound (addr may ask for port 0). The handlers go on a mux of
// our own, not http.DefaultServeMux, so nothing else can add to them.
func serveMetrics(addr string, m *obs.Metrics) (bound string, stop func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also serves heap, goroutine, mutex, ...
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) // returns http.ErrServerClosed once stop closes it
	}()
	stop = func() error {
		err := srv.Close() // closes the listener and every connection
		<-done             // the serving goroutine has ended
		return err
	}
	return ln.Addr().String(), stop, nil
}

// startTrace writes a runtime/trace to path until stop is called. path
// must be new, or with o.Overwrite (-force) an existing regular file;
// never one of the run's files (others), never the file standard input
// or output is, and never a link. Like an output, the trace goes to a
// temporary file that stop renames over path: an existing trace is
// replaced only by a whole new one, and a failed write (a full disk) is
// stop's error, not a trace cut short in silence.
func startTrace(path string, o files.AtomicOptions, others []runPath, stdio []fs.FileInfo) (stop func() error, err error) {
	if path == files.Stdio {
		return nil, errors.New("a trace is written to a file, not to standard output: name a file")
	}
	if err := checkTracePath(path, others, stdio); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", quote(pe.Path), pe.Err)
		}
		return nil, err
	}
	if info, err := os.Lstat(path); err == nil {
		if !o.Overwrite {
			return nil, fmt.Errorf("%s already exists (use -force to replace it)", quote(path))
		}
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("%s exists and is not a regular file: not replacing it", quote(path))
		}
	}
	started := make(chan error, 1)
	finish := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		// Not the run's ctx: an interrupted run still leaves its trace.
		done <- files.WriteAtomic(context.Background(), path, o, func(w io.Writer) error {
			tw := &firstErrorWriter{w: w}
			if err := trace.Start(tw); err != nil {
				started <- err
				return err
			}
			started <- nil
			<-finish
			trace.Stop()
			return tw.err
		})
	}()
	select {
	case err := <-started:
		if err != nil {
			<-done
			return nil, err
		}
	case err := <-done: // the temporary file could not be made
		return nil, err
	}
	return func() error {
		close(finish)
		if err := <-done; err != nil {
			return fmt.Errorf("-trace: %w", err)
		}
		return nil
	}, nil
}

// firstErrorWriter keeps the first error its writer returns, which
// runtime/trace would otherwise drop.
type firstErrorWriter struct {
	w   io.Writer
	err error
}

func (f *firstErrorWriter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	f.err = err
	return n, err
}

// checkTracePath refuses a trace file that is one of the run's files:
// an input, an output, or the key file (others). Paths are compared with
// their links resolved, and existing files by identity, so a link or a
// hard link does not hide one. It refuses too the file that standard
// input or output is (stdio): with -force the trace would truncate it and
// then interleave with the container.
func checkTracePath(path string, others []runPath, stdio []fs.FileInfo) error {
	real := files.Resolve(path)
	info, statErr := os.Stat(path)
	for _, std := range stdio {
		if statErr == nil && os.SameFile(info, std) {
			return fmt.Errorf("%s is this run's standard input or output: give the trace a file of its own", quote(path))
		}
	}
	for _, o := range others {
		// Resolving links costs a system call per path component: only a
		// path with the trace's own name can resolve to the same place.
		same := filepath.Base(o.path) == filepath.Base(path) && files.Resolve(o.path) == real
		if !same && statErr == nil {
			if other, err := os.Stat(o.path); err == nil {
				same = os.SameFile(info, other)
			}
		}
		if same {
			return fmt.Errorf("%s is also this run's %s: give the trace a file of its own", quote(path), o.role)
		}
	}
	return nil
}

// A runPath is a path a run reads or writes, and what it is to the run.
type runPath struct{ path, role string }

// pathsOfRun lists the paths a run reads or writes: its inputs and
// outputs (standard streams left out) and its key file.
func pathsOfRun(jobs []files.Job, keyFile string) []runPath {
	var paths []runPath
	for _, j := range jobs {
		if j.Src != files.Stdio {
			paths = append(paths, runPath{j.Src, "input"})
		}
		if j.Dst != "" && j.Dst != files.Stdio {
			paths = append(paths, runPath{j.Dst, "output"})
		}
	}
	if keyFile != "" {
		paths = append(paths, runPath{keyFile, "key file"})
	}
	return paths
}

// stdioFiles returns what Stat says of standard input and output, for
// those that are regular files.
func stdioFiles(e env) []fs.FileInfo {
	var infos []fs.FileInfo
	for _, x := range []any{e.stdin, e.stdout} {
		if info, ok := regularFile(x); ok {
			infos = append(infos, info)
		}
	}
	return infos
}
