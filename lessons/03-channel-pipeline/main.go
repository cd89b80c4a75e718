// Command 03-channel-pipeline packs the same generated input with lesson
// 02's engine and with this lesson's channel pipeline, checks that both
// wrote the oracle's bytes, and prints what each measured about itself,
// with the mutex profile recording every lock wait.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
	lesson02 "packcourse/lessons/02-bounded-fanout/engine"
	"packcourse/lessons/03-channel-pipeline/engine"
)

func main() {
	size := flag.String("size", "32MiB", "bytes of mixed data to pack")
	chunk := flag.String("chunk", "64KiB", "chunk size")
	level := flag.Int("level", 1, "DEFLATE level 1..9")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines")
	latency := flag.Duration("latency", 200*time.Microsecond, "time each write to the output takes, like a slow disk or a network peer")
	flag.Parse()
	if err := run(*size, *chunk, *level, *workers, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "03-channel-pipeline:", err)
		os.Exit(1)
	}
}

// result is one engine's run, as the table shows it.
type result struct {
	elapsed    time.Duration
	unpacked   time.Duration // Unpack of the same container
	sameBytes  bool
	goroutines int
	inFlight   int
	buffered   int64
	turnWaits  string // lesson 02's figure
	waits      string // lesson 03's: the reader at a full FIFO, the writer for a chunk
	lockWaits  int64  // sync.Mutex contention events with this engine on the stack
}

func run(sizeFlag, chunkFlag string, level, workers int, latency time.Duration) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	o := codec.Options{ChunkSize: int(chunk), Level: level}
	input := workload.Bytes(workload.Mixed, int(size), 1)
	var want bytes.Buffer
	if err := oracle.Pack(context.Background(), &want, bytes.NewReader(input), o); err != nil {
		return err
	}
	fmt.Printf("packing %s of mixed data in %s chunks (%d chunks) at level %d with %d workers,\n", units.FormatSize(size), units.FormatSize(chunk), (size+chunk-1)/chunk, level, workers)
	fmt.Printf("to an output whose writes take %v each, with the mutex profile on\n\n", latency)

	runtime.SetMutexProfileFraction(1) // record every lock wait
	l02 := &lesson02.Engine{Workers: workers}
	var s02 lesson02.Stats
	r02, err := measure(l02, input, want.Bytes(), o, latency, "packcourse/lessons/02-bounded-fanout/engine.", func() { s02 = l02.Stats() })
	if err != nil {
		return err
	}
	r02.goroutines, r02.inFlight, r02.buffered = s02.PeakGoroutines, s02.PeakInFlight, s02.PeakBufferedBytes
	r02.turnWaits, r02.waits = fmt.Sprint(s02.TurnWaits), "-"

	l03 := &engine.Engine{Workers: workers}
	var s03 engine.Stats
	r03, err := measure(l03, input, want.Bytes(), o, latency, "packcourse/lessons/03-channel-pipeline/engine.", func() { s03 = l03.Stats() })
	if err != nil {
		return err
	}
	r03.goroutines, r03.inFlight, r03.buffered = s03.PeakGoroutines, s03.PeakInFlight, s03.PeakBufferedBytes
	r03.turnWaits, r03.waits = "-", fmt.Sprintf("%d / %d", s03.QueueFullWaits, s03.WriterWaits)

	printTable(r02, r03, workers)
	return nil
}

// packer is lesson 02's engine or lesson 03's.
type packer interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
	Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

// slowWriter is an output whose every write takes latency.
type slowWriter struct {
	w       io.Writer
	latency time.Duration
}

func (s slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.latency)
	return s.w.Write(p)
}

// measure packs input with e, calls packed (to read the engine's figures
// for the Pack), then unpacks the oracle's container with e. It returns
// how long each took, whether both outputs are right, and how many
// waits the mutex profile recorded on a sync.Mutex that pkg's code took.
func measure(e packer, input, want []byte, o codec.Options, latency time.Duration, pkg string, packed func()) (result, error) {
	var out bytes.Buffer
	start := time.Now()
	if err := e.Pack(context.Background(), slowWriter{&out, latency}, bytes.NewReader(input), o); err != nil {
		return result{}, err
	}
	r := result{elapsed: time.Since(start), sameBytes: bytes.Equal(out.Bytes(), want)}
	packed()
	out.Reset()
	start = time.Now()
	if err := e.Unpack(context.Background(), slowWriter{&out, latency}, bytes.NewReader(want), o); err != nil {
		return result{}, err
	}
	r.unpacked = time.Since(start)
	r.sameBytes = r.sameBytes && bytes.Equal(out.Bytes(), input)
	r.lockWaits = mutexWaits(pkg)
	return r, nil
}

// mutexWaits counts the contention events in the mutex profile on a
// sync.Mutex that a function of pkg took: the first frame past the mutex's
// own methods is pkg's. Locks every Go program takes are left out: the
// runtime's own (scheduler, garbage collector, channels) and those the
// standard library takes inside a call (sync.Pool's, context's).
func mutexWaits(pkg string) int64 {
	n, _ := runtime.MutexProfile(nil)
	records := make([]runtime.BlockProfileRecord, n+64)
	n, _ = runtime.MutexProfile(records)
	var waits int64
	for _, r := range records[:n] {
		frames := runtime.CallersFrames(r.Stack())
		var syncMutex bool
		for more := true; more; {
			var f runtime.Frame
			f, more = frames.Next()
			if strings.Contains(f.Function, "sync.(*Mutex).") {
				syncMutex = true
				continue
			}
			if syncMutex && strings.HasPrefix(f.Function, pkg) {
				waits += r.Count
			}
			break // the first frame past the mutex took it
		}
	}
	return waits
}

func printTable(r02, r03 result, workers int) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	row := func(name string, a, b any) { fmt.Fprintf(tw, "%s\t%v\t%v\t\n", name, a, b) }
	row("", "lesson 02", "lesson 03")
	row("pack: the oracle's bytes, unpack: the input", r02.sameBytes, r03.sameBytes)
	row("pack time", r02.elapsed.Round(time.Millisecond), r03.elapsed.Round(time.Millisecond))
	row("unpack time (lesson 02: the oracle's)", r02.unpacked.Round(time.Millisecond), r03.unpacked.Round(time.Millisecond))
	row("Pack's figures:", "", "")
	row("peak goroutines", r02.goroutines, r03.goroutines)
	row("peak chunks in flight", r02.inFlight, r03.inFlight)
	row("peak buffered", units.FormatSize(r02.buffered), units.FormatSize(r03.buffered))
	row("turn waits at the writer's lock", r02.turnWaits, r03.turnWaits)
	row("reader waits (FIFO full) / writer waits", r02.waits, r03.waits)
	row("sync.Mutex waits in the engine's code", r02.lockWaits, r03.lockWaits)
	tw.Flush()
	fmt.Printf("\nlesson 03's bounds with %d workers: goroutines = Workers+2 = %d, chunks in flight <= Queue+2 = %d\n",
		workers, workers+2, 2*workers+2)
}
