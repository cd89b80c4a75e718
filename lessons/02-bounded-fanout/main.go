// Command 02-bounded-fanout packs the same generated file with lesson 01's
// engine and lesson 02's, then packs it again with a fault injected at one
// chunk, and prints what each run started, held and wasted: bounded
// fan-out next to goroutine-per-chunk.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/02-bounded-fanout/engine"

	lesson01 "packcourse/lessons/01-batch-convoy/engine"
)

func main() {
	size := flag.String("size", "32MiB", "input size")
	chunk := flag.String("chunk", "64KiB", "chunk size")
	level := flag.Int("level", 1, "DEFLATE level 1..9")
	workers := flag.Int("workers", 0, "Workers of both engines (0: one per core)")
	failAt := flag.Int("fail", 10, "the chunk whose encoding fails in the second part")
	flag.Parse()
	if err := run(*size, *chunk, *level, *workers, *failAt); err != nil {
		fmt.Fprintln(os.Stderr, "02-bounded-fanout:", err)
		os.Exit(1)
	}
}

// lesson is one engine under test, by name, with the figures it reports
// (both lessons' Stats have the same fields).
type lesson struct {
	name  string
	pack  func(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
	stats func() engine.Stats
	hook  func(func(index int) error) // sets the engine's EncodeHook
}

func lessons(workers int) []lesson {
	before, after := &lesson01.Engine{Workers: workers}, &engine.Engine{Workers: workers}
	return []lesson{
		{"lesson 01", before.Pack, func() engine.Stats { return engine.Stats(before.Stats()) },
			func(h func(int) error) { before.EncodeHook = h }},
		{"lesson 02", after.Pack, after.Stats,
			func(h func(int) error) { after.EncodeHook = h }},
	}
}

func run(sizeFlag, chunkFlag string, level, workers, failAt int) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	dir, err := os.MkdirTemp("", "02-bounded-fanout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path, err := generate(dir, size)
	if err != nil {
		return err
	}
	o := codec.Options{ChunkSize: int(chunk), Level: level}
	fmt.Printf("%d CPUs, %d workers, %s of mixed data in %s chunks (%d chunks), level %d\n\n",
		runtime.NumCPU(), workers, units.FormatSize(size), units.FormatSize(chunk), (size+chunk-1)/chunk, level)
	if err := compare(lessons(workers), path, o); err != nil {
		return err
	}
	fmt.Printf("\nChunk %d fails to encode:\n\n", failAt)
	return compareFailure(lessons(workers), path, o, failAt)
}

// compare packs the file with each lesson, checks the output against the
// oracle's, and prints a row of figures for each.
func compare(ls []lesson, path string, o codec.Options) error {
	want, err := packFile(oracle.Pack, path, o)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "engine\ttime\tpeak RSS\tgoroutines\tbuffered\tin flight\tturn waits\t")
	for _, l := range ls {
		memstat.ResetPeakRSS()
		start := time.Now()
		got, err := packFile(l.pack, path, o)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		elapsed := time.Since(start)
		if got != want {
			return fmt.Errorf("%s's container differs from the oracle's", l.name)
		}
		peak, _ := memstat.PeakRSS()
		st := l.stats()
		fmt.Fprintf(tw, "%s\t%v\t%s\t%d\t%s\t%d\t%d\t\n", l.name, elapsed.Round(time.Millisecond), units.FormatSize(peak),
			st.PeakGoroutines, units.FormatSize(st.PeakBufferedBytes), st.PeakInFlight, st.TurnWaits)
	}
	tw.Flush()
	fmt.Println("\nBoth wrote the oracle's bytes.")
	return nil
}

// compareFailure packs the file with each lesson while chunk failAt fails
// to encode, and prints the error and how much work each did anyway.
func compareFailure(ls []lesson, path string, o codec.Options, failAt int) error {
	injected := errors.New("injected failure")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "engine\terror\tchunks started\tchunks encoded\ttime")
	for _, l := range ls {
		var encoded atomic.Int64
		l.hook(func(index int) error {
			encoded.Add(1)
			if index == failAt {
				return injected
			}
			return nil
		})
		start := time.Now()
		_, err := packFile(l.pack, path, o)
		elapsed := time.Since(start)
		if !errors.Is(err, injected) {
			return fmt.Errorf("%s returned %v, want the injected failure", l.name, err)
		}
		fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%v\n", l.name, err, l.stats().ChunksStarted, encoded.Load(), elapsed.Round(time.Millisecond))
	}
	return tw.Flush()
}

// generate writes n bytes of mixed data to a file in dir and returns its
// path: the engines read a real file, and the demo holds none of it.
func generate(dir string, n int64) (string, error) {
	name := fmt.Sprintf("input-%d.bin", n)
	err := workload.WriteFiles(dir, []workload.File{{Name: name, Size: n, Kind: workload.Mixed, Seed: 1}})
	return filepath.Join(dir, name), err
}

// packFile packs the file at path with pack and returns the SHA-256 of
// the container.
func packFile(pack func(context.Context, io.Writer, io.Reader, codec.Options) error, path string, o codec.Options) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if err := pack(context.Background(), h, f, o); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}
