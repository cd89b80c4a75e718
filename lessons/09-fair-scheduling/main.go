// Command 09-fair-scheduling shows what the small lane and the fast path
// buy. First it packs one huge file to a slow destination (every write
// takes -write) and, a moment later, -small small files, with lesson 08's
// engine and then this lesson's, on one Governor each with the same
// budget, and prints when the last small file was done. Then it packs
// -tiny tiny files one after another with each engine and prints what one
// file costs and how many goroutines each engine started for it.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"packcourse/core/codec"
	"packcourse/core/workload"
	lesson08 "packcourse/lessons/08-io-queue-depth/engine"
	"packcourse/lessons/09-fair-scheduling/engine"
)

// chunkSize is the demo's chunk size; chunkTime what each encode costs,
// slept by EncodeHook on top of the real encode, so the demo's figures
// are the scheduling's, not this machine's CPU.
const (
	chunkSize = 64 << 10
	chunkTime = time.Millisecond
)

func main() {
	hugeChunks := flag.Int("huge", 32, "chunks of the huge file")
	small := flag.Int("small", 16, "small files (1 byte to one chunk) packed alongside it")
	write := flag.Duration("write", 25*time.Millisecond, "how long each write of the huge file's output takes")
	tiny := flag.Int("tiny", 500, "tiny files (1 KiB) packed one after another")
	flag.Parse()
	if err := run(*hugeChunks, *small, *write, *tiny); err != nil {
		fmt.Fprintln(os.Stderr, "09-fair-scheduling:", err)
		os.Exit(1)
	}
}

// A packer is lesson 08's engine or this lesson's.
type packer interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

func run(hugeChunks, small int, write time.Duration, tiny int) error {
	o := codec.Options{ChunkSize: chunkSize, Level: 1}
	// The budget: 4 chunks' buffers, fewer than the huge file holds
	// while it waits for its writes (5), so it takes them all. Lesson 09
	// sets 2 of the 4 apart as the small lane.
	cost := engine.ChunkCost(chunkSize)
	old, err := lesson08.NewGovernor(lesson08.Limits{CPU: 2, IO: 4, Bytes: 4 * cost})
	if err != nil {
		return err
	}
	lane, err := engine.NewGovernor(engine.Limits{CPU: 2, IO: 4, Bytes: 4 * cost, SmallBytes: 2 * cost})
	if err != nil {
		return err
	}
	sleep := func(int) error { time.Sleep(chunkTime); return nil }

	fmt.Printf("one huge file (%d chunks of 64 KiB) to a destination whose every write takes %v, and %d small files\n", hugeChunks, write, small)
	fmt.Printf("started %v later; each encode costs %v more; 2 CPU tokens, 4 I/O tokens, 4 chunks' bytes\n\n", 2*chunkTime, chunkTime)
	fmt.Printf("%-34s %16s %16s\n", "engine", "last small file", "huge file")
	var sums [][]byte
	for _, r := range []struct {
		name string
		e    packer
	}{
		{"lesson 08 (one FIFO for bytes)", &lesson08.Engine{Workers: 2, Queue: 4, Governor: old, EncodeHook: sleep}},
		{"lesson 09 (small lane, fast path)", &engine.Engine{Workers: 2, Queue: 4, Governor: lane, EncodeHook: sleep}},
	} {
		lastSmall, huge, sum, err := mixed(r.e, hugeChunks, small, write, o)
		if err != nil {
			return err
		}
		fmt.Printf("%-34s %16v %16v\n", r.name, lastSmall.Round(time.Millisecond), huge.Round(time.Millisecond))
		sums = append(sums, sum)
	}
	if !bytes.Equal(sums[0], sums[1]) {
		return errors.New("the two engines wrote different bytes")
	}
	fmt.Println("\nboth wrote the same bytes. Times are from when the small files started, on this machine's clock.")

	fmt.Printf("\n%d files of 1 KiB packed one after another (1 MiB chunks, DEFLATE level 6), ungoverned:\n\n", tiny)
	fmt.Printf("%-34s %14s %22s\n", "engine", "per file", "goroutines started")
	for _, r := range []struct {
		name string
		e    packer
	}{
		{"lesson 08 (the pipeline)", new(lesson08.Engine)},
		{"lesson 09 (the fast path)", new(engine.Engine)},
	} {
		perFile, started, err := tinyFiles(r.e, tiny)
		if err != nil {
			return err
		}
		fmt.Printf("%-34s %14v %22d\n", r.name, perFile.Round(100*time.Nanosecond), started)
	}
	fmt.Println("\nper file is this machine's wall time and varies; goroutines started is the engine's own count.")
	return nil
}

// slowWriter is a destination whose every write takes delay.
type slowWriter struct {
	w     io.Writer
	delay time.Duration
}

func (s slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	return s.w.Write(p)
}

// mixed packs the huge file and, 2 chunk-times later, the small files,
// each in a Pack of its own, and returns when the last small file and the
// huge file were done (from the small files' start), and a digest of
// every output.
func mixed(e packer, hugeChunks, small int, write time.Duration, o codec.Options) (lastSmall, huge time.Duration, sum []byte, err error) {
	outs := make([]bytes.Buffer, small+1)
	errs := make([]error, small+1)
	var wg sync.WaitGroup
	var hugeDone time.Time
	wg.Go(func() {
		errs[0] = e.Pack(context.Background(), slowWriter{&outs[0], write}, bytes.NewReader(workload.Bytes(workload.Mixed, hugeChunks*chunkSize, 1)), o)
		hugeDone = time.Now()
	})
	time.Sleep(2 * chunkTime)
	start := time.Now()
	var mu sync.Mutex
	for i := 1; i <= small; i++ {
		data := workload.Bytes(workload.Mixed, 1+(i-1)*(chunkSize-1)/max(small-1, 1), uint64(i))
		wg.Go(func() {
			errs[i] = e.Pack(context.Background(), &outs[i], bytes.NewReader(data), o)
			mu.Lock()
			defer mu.Unlock()
			lastSmall = max(lastSmall, time.Since(start))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, 0, nil, err
	}
	var all bytes.Buffer
	for _, out := range outs {
		all.Write(out.Bytes())
	}
	return lastSmall, hugeDone.Sub(start), all.Bytes(), nil
}

// tinyFiles packs n files of 1 KiB one after another, and returns the time
// per file and the goroutines the engine started for them all.
func tinyFiles(e packer, n int) (perFile time.Duration, started int, err error) {
	data := workload.Bytes(workload.Mixed, 1<<10, 1)
	start := time.Now()
	for range n {
		if err := e.Pack(context.Background(), io.Discard, bytes.NewReader(data), codec.Options{}); err != nil {
			return 0, 0, err
		}
		started += peakGoroutines(e)
	}
	return time.Since(start) / time.Duration(n), started, nil
}

// peakGoroutines is the goroutines e started for its last run.
func peakGoroutines(e packer) int {
	switch e := e.(type) {
	case *lesson08.Engine:
		return e.Stats().PeakGoroutines
	case *engine.Engine:
		return e.Stats().PeakGoroutines
	}
	return 0
}
