// Command 04-streaming-io packs a generated input, then one 8 times
// larger, with lesson 03's engine and with this lesson's streaming one,
// and prints what each held: the engine's own count of buffered bytes and
// the process's peak resident memory. Both outputs are hashed and must be
// the same bytes.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"text/tabwriter"
	"time"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/units"
	"packcourse/core/workload"
	lesson03 "packcourse/lessons/03-channel-pipeline/engine"
	"packcourse/lessons/05-counters-atomics/engine"
)

func main() {
	size := flag.String("size", "16MiB", "bytes of mixed data in the smaller input; the larger is 8 times as much")
	chunk := flag.String("chunk", "1MiB", "chunk size")
	level := flag.Int("level", 1, "DEFLATE level 1..9 (1 keeps the demo quick)")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines")
	flag.Parse()
	if err := run(*size, *chunk, *level, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "04-streaming-io:", err)
		os.Exit(1)
	}
}

// packer is lesson 03's engine or lesson 04's.
type packer interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

// result is one run, as the table shows it.
type result struct {
	buffered int64
	buffers  string
	peakRSS  int64
	elapsed  time.Duration
	sum      [32]byte
}

func run(sizeFlag, chunkFlag string, level, workers int) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	o := codec.Options{ChunkSize: int(chunk), Level: level}
	fmt.Printf("packing %s and %s of mixed data, streamed from a generator, in %s chunks at level %d with %d workers\n\n",
		units.FormatSize(size), units.FormatSize(8*size), units.FormatSize(chunk), level, workers)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "input\tengine\tpeak buffered (engine's count)\tbuffers made\tpeak RSS\ttime\t")
	for _, n := range []int64{size, 8 * size} {
		l03 := &lesson03.Engine{Workers: workers}
		r03, err := measure(l03, n, o)
		if err != nil {
			return err
		}
		r03.buffered, r03.buffers = l03.Stats().PeakBufferedBytes, fmt.Sprintf("1 + %d", l03.Stats().Chunks) // the input, a frame per chunk
		l04 := &engine.Engine{Workers: workers}
		r04, err := measure(l04, n, o)
		if err != nil {
			return err
		}
		r04.buffered, r04.buffers = l04.Stats().PeakBufferedBytes, fmt.Sprint(l04.Stats().Buffers)
		if r03.sum != r04.sum {
			return fmt.Errorf("lesson 03 and lesson 04 packed %s differently", units.FormatSize(n))
		}
		for _, r := range []struct {
			name string
			result
		}{{"lesson 03", r03}, {"lesson 04", r04}} {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t\n", units.FormatSize(n), r.name, units.FormatSize(r.buffered),
				r.buffers, units.FormatSize(r.peakRSS), r.elapsed.Round(time.Millisecond))
		}
	}
	tw.Flush()
	fmt.Printf("\nlesson 04's bound: (Workers+1) chunks + (Queue+1) largest frames = %s, whatever the input\n",
		units.FormatSize(engine.PackBound(workers, 2*workers, int(chunk))))
	fmt.Println("both engines wrote the same bytes for each input")
	return nil
}

// measure packs size bytes of generated data with e, hashing the output,
// and returns the hash, the time taken and the process's peak RSS during
// the run.
func measure(e packer, size int64, o codec.Options) (result, error) {
	if err := memstat.ResetPeakRSS(); err != nil {
		return result{}, err
	}
	out := sha256.New()
	start := time.Now()
	if err := e.Pack(context.Background(), out, workload.New(workload.Mixed, size, 1), o); err != nil {
		return result{}, err
	}
	r := result{elapsed: time.Since(start)}
	out.Sum(r.sum[:0])
	var err error
	r.peakRSS, err = memstat.PeakRSS()
	return r, err
}
