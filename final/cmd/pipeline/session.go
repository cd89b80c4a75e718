package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/trace"
	"syscall"
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
		stop, err := startTrace(c.trace, c.force, jobs, stdioFiles(e))
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
	return &files.Runner{
		Engine:    s.engine,
		Options:   c.options(),
		Overwrite: c.force,
		NoSync:    !c.sync,
		FS:        e.fsys,
		OpenFiles: e.openFiles,
		Stdin:     e.stdin,
		Stdout:    newCancelableWriter(ctx, e.stdout),
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
// must be new, or with force an existing regular file; never one of the
// run's inputs or outputs, never the file standard input or output is,
// and never a link.
func startTrace(path string, force bool, jobs []files.Job, stdio []fs.FileInfo) (stop func() error, err error) {
	if path == files.Stdio {
		return nil, errors.New("a trace is written to a file, not to standard output: name a file")
	}
	if err := checkTracePath(path, jobs, stdio); err != nil {
		return nil, err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL | syscall.O_NOFOLLOW
	if info, err := os.Lstat(path); err == nil && force {
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("%s exists and is not a regular file: not replacing it", quote(path))
		}
		flags = os.O_WRONLY | os.O_TRUNC | syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s already exists (use -force to replace it)", quote(path))
	}
	if err != nil {
		return nil, err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		trace.Stop()
		return f.Close()
	}, nil
}

// checkTracePath refuses a trace file that is one of the run's inputs or
// outputs: by path, or (if it exists) as the same file. It refuses too
// the file that standard input or output is (stdio): with -force the
// trace would truncate it and then interleave with the container.
func checkTracePath(path string, jobs []files.Job, stdio []fs.FileInfo) error {
	abs, _ := filepath.Abs(path)
	info, statErr := os.Stat(path)
	for _, std := range stdio {
		if statErr == nil && os.SameFile(info, std) {
			return fmt.Errorf("%s is this run's standard input or output: give the trace a file of its own", quote(path))
		}
	}
	for _, j := range jobs {
		for _, p := range []string{j.Src, j.Dst} {
			if p == "" || p == files.Stdio {
				continue
			}
			q, _ := filepath.Abs(p)
			same := q == abs
			if !same && statErr == nil {
				if other, err := os.Stat(p); err == nil {
					same = os.SameFile(info, other)
				}
			}
			if same {
				return fmt.Errorf("%s is also an input or an output of this run: give the trace a file of its own", quote(path))
			}
		}
	}
	return nil
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
