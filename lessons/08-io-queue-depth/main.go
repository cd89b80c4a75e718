// Command 07-observability packs a generated input twice with this
// lesson's engine, governed, first to a slow destination and then from a
// slow source, and draws a live view of the pipeline while each runs:
// chunks read and written, the writer's queue, busy workers, the
// Governor's tokens and bytes in use, and throughput. A slow writer holds the queue full and the workers idle;
// a slow reader leaves the queue empty. With -listen it also serves the
// metrics on /metrics, for Prometheus or curl, while it runs; -metrics
// prints what /metrics serves at the end; -trace and -cpuprofile write an
// execution trace (each run a task, each step a region) and a CPU profile
// (labelled by stage).
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/08-io-queue-depth/engine"
)

func main() {
	size := flag.String("size", "24MiB", "bytes of mixed data to pack in each run")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines")
	stall := flag.Duration("stall", 20*time.Millisecond, "how long the slow side takes per write (or read) of a chunk")
	every := flag.Duration("every", 100*time.Millisecond, "how often the view refreshes")
	budget := flag.String("budget", "20MiB", "the Governor's byte budget (a chunk in flight costs about 2 MiB)")
	metrics := flag.Bool("metrics", false, "print the pipeline_ series /metrics serves at the end")
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	listen := flag.String("listen", "", "serve /metrics on this address (such as localhost:9090) and keep serving until interrupted")
	flag.Parse()
	stop, err := startProfiling(*traceFile, *profile)
	if err == nil {
		err = run(*size, *workers, *stall, *every, *budget, *listen, *metrics)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "07-observability:", err)
		os.Exit(1)
	}
}

func run(sizeFlag string, workers int, stall, every time.Duration, budgetFlag, listen string, metrics bool) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	budget, err := units.ParseSize(budgetFlag)
	if err != nil {
		return err
	}
	gov, err := engine.NewGovernor(engine.Limits{CPU: runtime.GOMAXPROCS(0), IO: 2, Bytes: budget})
	if err != nil {
		return err
	}
	if every <= 0 || stall < 0 {
		return fmt.Errorf("-every must be positive and -stall not negative")
	}
	ms := engine.NewMetrics()
	if listen != "" {
		stop, err := serve(listen, ms)
		if err != nil {
			return err
		}
		defer stop()
	}
	e := &engine.Engine{Workers: workers, Governor: gov, Metrics: ms}
	o := codec.Options{Level: 6}
	fmt.Printf("packing %s of mixed data twice, 1 MiB chunks, %d workers, queue %d, a Governor of %d CPU tokens, 2 I/O tokens and %s;\nthe slow side takes %v per chunk\n",
		units.FormatSize(size), workers, 2*workers, runtime.GOMAXPROCS(0), units.FormatSize(budget), stall)

	view := newView(os.Stdout, ms)
	fmt.Println("\n1. slow writer: the destination takes its time over every write")
	slowDst := sha256.New()
	if err := view.watch(every, func() error {
		return e.Pack(context.Background(), slowWriter{slowDst, stall}, workload.New(workload.Mixed, size, 1), o)
	}); err != nil {
		return err
	}
	fmt.Println("\n2. slow reader: the source takes its time over every chunk")
	fastDst := sha256.New()
	if err := view.watch(every, func() error {
		src := slowReader{workload.New(workload.Mixed, size, 1), stall, int(1 << 20)}
		return e.Pack(context.Background(), fastDst, &src, o)
	}); err != nil {
		return err
	}
	if string(slowDst.Sum(nil)) != string(fastDst.Sum(nil)) {
		return errors.New("the two runs wrote different bytes")
	}
	s := ms.Snapshot()
	fmt.Printf("\nboth runs wrote the same bytes; the metrics say %d runs, %d failed, %d chunks written, %s of input\n",
		s.Runs, s.Failures, s.Work.Written.Chunks, units.FormatSize(s.Work.Written.Bytes))
	fmt.Printf("per chunk        p50        p95        p99\n")
	for _, l := range []struct {
		name string
		l    engine.Latency
	}{{"encode (cpu)", s.ChunkCPU}, {"queue wait", s.QueueWait}, {"write", s.ChunkWrite}, {"wait: bytes", s.BytesWait}, {"wait: I/O", s.IOWait}} {
		fmt.Printf("  %-12s %10v %10v %10v\n", l.name, l.l.P50, l.l.P95, l.l.P99)
	}
	if metrics {
		printMetrics(ms)
	}
	if listen != "" {
		fmt.Printf("\nserving the metrics on http://%s/metrics until interrupted\n", listen)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		<-ctx.Done()
	}
	return nil
}

// serve serves ms on addr's /metrics and returns the function that stops
// the server.
func serve(addr string, ms *engine.Metrics) (stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", ms.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	return func() { srv.Close() }, nil
}

// printMetrics prints the pipeline's series as /metrics serves them,
// without the Go runtime's and the comments.
func printMetrics(ms *engine.Metrics) {
	rec := httptest.NewRecorder()
	ms.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	fmt.Println("\n/metrics, the pipeline_ series:")
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "pipeline_") {
			fmt.Print(line)
		}
	}
}

// startProfiling starts an execution trace and a CPU profile into the
// files named, if any, and returns the function that stops both.
func startProfiling(traceFile, profile string) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for _, f := range stops {
			f()
		}
	}
	if traceFile != "" {
		f, err := os.Create(traceFile)
		if err != nil {
			return stop, err
		}
		if err := trace.Start(f); err != nil {
			return stop, err
		}
		stops = append(stops, func() { trace.Stop(); f.Close() })
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return stop, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return stop, err
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
	}
	return stop, nil
}

// slowWriter is a destination that takes stall over every write, as a
// slow disk or a congested network would.
type slowWriter struct {
	w     io.Writer
	stall time.Duration
}

func (s slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.stall)
	return s.w.Write(p)
}

// slowReader is a source that takes stall over every chunk's worth of
// reading.
type slowReader struct {
	r     io.Reader
	stall time.Duration
	chunk int
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.stall)
	return s.r.Read(p[:min(len(p), s.chunk)])
}
