package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/trace"
	"strings"
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

// checkBudget refuses a -mem too small for one chunk of -chunk bytes when
// packing (and, with a passphrase, its key derivation): every file would
// fail with the same error, so it is a usage error. Unpacking, the chunk
// size is the containers', so only the key derivation is checked.
func (c config) checkBudget(op files.Op) error {
	l := govern.New(c.limits(0)).Limits()
	shared := l.Bytes - max(l.SmallBytes, 0)
	var need int64
	var parts []string
	if op == files.Pack {
		need = engine.MinBytes(c.chunk)
		parts = append(parts, "one chunk and its frame")
	}
	if kdf := c.options().KDFBytes(); kdf > 0 {
		need += kdf // a small file's fast path holds both at once
		parts = append(parts, "the passphrase's key derivation")
	}
	if shared >= need {
		return nil
	}
	what := fmt.Sprintf("-mem %s is too small", c.memFlag)
	if op == files.Pack {
		what += " for -chunk " + c.chunkFlag
	}
	return fmt.Errorf("%s: a file needs at least %s for %s (try -mem %s)",
		what, units.FormatSize(need), strings.Join(parts, " and "), units.FormatSize(8*need))
}

// startSession builds the governor, the metrics and the engine, and
// starts the metrics server and the trace if the flags ask for them.
func startSession(e env, c config, smallFile int64) (*session, error) {
	g := govern.New(c.limits(smallFile))
	m := obs.New()
	s := &session{
		gov:     g,
		metrics: m,
		engine:  engine.New(engine.Config{Workers: c.workers, Governor: g, Metrics: m}),
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
		stop, err := startTrace(c.trace)
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

// runner returns a Runner for op over the session's engine and governor.
func (s *session) runner(e env, c config, p *files.Progress) *files.Runner {
	return &files.Runner{
		Engine:    s.engine,
		Governor:  s.gov,
		Options:   c.options(),
		Overwrite: c.force,
		Stdin:     e.stdin,
		Stdout:    e.stdout,
		Progress:  p,
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

// startTrace writes a runtime/trace to path until stop is called.
func startTrace(path string) (stop func() error, err error) {
	f, err := os.Create(path)
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
