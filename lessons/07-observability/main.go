// Command 05-counters-atomics packs a generated input with lesson 04's
// engine and then with this lesson's, looking at each every so often
// while it runs: lesson 04 has only Stats, which describes the last run
// to finish, so it shows nothing until the end; lesson 05's Progress shows
// each stage's chunks and bytes as they go. Both outputs are hashed and
// must be the same bytes.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	lesson04 "packcourse/lessons/04-streaming-io/engine"
	"packcourse/lessons/07-observability/engine"
)

func main() {
	size := flag.String("size", "256MiB", "bytes of mixed data to pack")
	chunk := flag.String("chunk", "1MiB", "chunk size")
	level := flag.Int("level", 6, "DEFLATE level 1..9")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines")
	every := flag.Duration("every", 100*time.Millisecond, "how often to look at the run")
	flag.Parse()
	if err := run(*size, *chunk, *level, *workers, *every); err != nil {
		fmt.Fprintln(os.Stderr, "05-counters-atomics:", err)
		os.Exit(1)
	}
}

func run(sizeFlag, chunkFlag string, level, workers int, every time.Duration) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	if every <= 0 {
		return fmt.Errorf("-every must be positive, got %v", every)
	}
	o := codec.Options{ChunkSize: int(chunk), Level: level}
	fmt.Printf("packing %s of mixed data in %s chunks at level %d with %d workers, looking every %v\n\n",
		units.FormatSize(size), units.FormatSize(chunk), level, workers, every)

	l04 := &lesson04.Engine{Workers: workers}
	fmt.Println("lesson 04: all it offers is Stats(), the last run to finish")
	sum04, err := watch(l04.Pack, size, o, every, func(at time.Duration) {
		fmt.Printf("  %-7v Stats().Chunks = %d\n", at.Round(10*time.Millisecond), l04.Stats().Chunks)
	})
	if err != nil {
		return err
	}
	fmt.Printf("  after   Stats().Chunks = %d\n\n", l04.Stats().Chunks)

	l05 := &engine.Engine{Workers: workers}
	fmt.Println("lesson 05: Progress(), read while the run goes")
	const row = "  %-7s %-17s %-17s %-17s %s\n"
	fmt.Printf(row, "time", "read", "encoded", "written", "read - written")
	var prev engine.Progress
	disordered := 0
	show := func(label string, p engine.Progress) {
		if p.Written.Chunks > p.Encoded.Chunks || p.Encoded.Chunks > p.Read.Chunks || p.Read.Chunks < prev.Read.Chunks {
			disordered++
		}
		prev = p
		fmt.Printf(row, label, tally(p.Read), tally(p.Encoded), tally(p.Written), fmt.Sprint(p.Read.Chunks-p.Written.Chunks, " chunks"))
	}
	sum05, err := watch(l05.Pack, size, o, every, func(at time.Duration) {
		show(at.Round(10*time.Millisecond).String(), l05.Progress())
	})
	if err != nil {
		return err
	}
	show("after", l05.Progress())

	fmt.Println()
	if disordered > 0 {
		return fmt.Errorf("%d snapshots were out of order", disordered)
	}
	fmt.Println("every snapshot had written <= encoded <= read, and no count went back")
	if sum04 != sum05 {
		return fmt.Errorf("lesson 04 and lesson 05 packed the input differently")
	}
	fmt.Println("both engines wrote the same bytes")
	return nil
}

// tally formats a count of chunks and their bytes.
func tally(t engine.Tally) string {
	return fmt.Sprintf("%d (%s)", t.Chunks, units.FormatSize(t.Bytes))
}

// watch packs size bytes of generated data with pack, hashing the output,
// and calls look every so often while the run goes, from this goroutine.
// It returns the output's hash.
func watch(pack func(context.Context, io.Writer, io.Reader, codec.Options) error, size int64, o codec.Options, every time.Duration, look func(at time.Duration)) ([32]byte, error) {
	out := sha256.New()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- pack(context.Background(), out, workload.New(workload.Mixed, size, 1), o) }()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			var sum [32]byte
			out.Sum(sum[:0])
			return sum, err
		case <-tick.C:
			look(time.Since(start))
		}
	}
}
