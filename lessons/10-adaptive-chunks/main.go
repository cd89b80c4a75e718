// Command 08-io-queue-depth shows what keeping several reads in flight
// buys. By default it packs a generated input from a simulated device
// whose every read takes -latency, with lesson 07's sequential reader and
// then at depths 4 and 16, and prints for each run the throughput, the
// simulated device's ceiling at that depth and the most reads it had in
// flight at once (counted by the device). Every run writes the same bytes.
//
// With -sweep PATH it measures the learner's own disk instead: see
// sweep.go.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	lesson07 "packcourse/lessons/07-observability/engine"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

func main() {
	size := flag.String("size", "16MiB", "bytes of mixed data to pack in each run (the demo), or to write if -sweep is a directory")
	chunk := flag.String("chunk", "64KiB", "chunk size")
	latency := flag.Duration("latency", time.Millisecond, "how long each read of the simulated device takes")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines")
	sweep := flag.String("sweep", "", "measure read throughput against depth on this file, or on a new file in this directory")
	flag.Parse()
	var err error
	if *sweep != "" {
		err = runSweep(*sweep, *size, *chunk)
	} else {
		err = runDemo(*size, *chunk, *latency, *workers)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "08-io-queue-depth:", err)
		os.Exit(1)
	}
}

// A packer is lesson 07's engine or this lesson's.
type packer interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

func runDemo(sizeFlag, chunkFlag string, latency time.Duration, workers int) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	data := workload.Bytes(workload.Mixed, int(size), 1)
	o := codec.Options{ChunkSize: int(chunk), Level: 1}
	fmt.Printf("packing %s in %s chunks from a simulated device: %v per read, %d workers, DEFLATE level 1\n\n",
		units.FormatSize(size), units.FormatSize(chunk), latency, workers)
	fmt.Printf("%-22s %8s %7s %11s %16s %16s\n", "reader", "MiB/s", "reads", "mean read", "reads in flight", "device ceiling")
	var first []byte
	for _, run := range []struct {
		name  string
		depth int
		e     packer
	}{
		{"lesson 07, sequential", 1, &lesson07.Engine{Workers: workers}},
		{"lesson 08, depth 4", 4, &engine.Engine{Workers: workers, Queue: 4, ReadDepth: 4}},
		{"lesson 08, depth 16", 16, &engine.Engine{Workers: workers, Queue: 16, ReadDepth: 16}},
	} {
		dev := &device{data: data, latency: latency}
		sum := sha256.New()
		start := time.Now()
		if err := run.e.Pack(context.Background(), sum, io.NewSectionReader(dev, 0, size), o); err != nil {
			return err
		}
		took := time.Since(start)
		perRead := float64(size) / float64(dev.reads.Load())
		ceiling := float64(run.depth) * perRead / dev.meanRead().Seconds() / (1 << 20)
		fmt.Printf("%-22s %8.1f %7d %11v %16d %16.1f\n", run.name, float64(size)/took.Seconds()/(1<<20), dev.reads.Load(), dev.meanRead().Round(time.Microsecond), dev.peak.Load(), ceiling)
		if first == nil {
			first = sum.Sum(nil)
		} else if !bytes.Equal(first, sum.Sum(nil)) {
			return errors.New("the runs wrote different bytes")
		}
	}
	fmt.Println("\nevery run wrote the same bytes (the same SHA-256).")
	fmt.Println("MiB/s is wall-clock time on this machine and varies with CPU and load. The device ceiling")
	fmt.Println("is depth x (bytes per read) / mean read, the mean read being what the sleeps really took (a busy machine")
	fmt.Println("oversleeps). Where MiB/s falls short of the ceiling, the encoders are the bound, not the reads.")
	return nil
}

// A device is data behind a ReadAt that sleeps latency per call, as a
// disk with that service time and a deep queue would. It counts the reads
// in flight.
type device struct {
	data     []byte
	latency  time.Duration
	inFlight atomic.Int64
	peak     atomic.Int64
	reads    atomic.Int64
	busy     atomic.Int64 // nanoseconds spent in ReadAt, over all reads
}

// meanRead is how long a read really took on average: time.Sleep may
// sleep longer than asked on a busy machine.
func (d *device) meanRead() time.Duration {
	if n := d.reads.Load(); n > 0 {
		return time.Duration(d.busy.Load() / n)
	}
	return 0
}

func (d *device) ReadAt(p []byte, off int64) (int, error) {
	now := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for peak := d.peak.Load(); now > peak && !d.peak.CompareAndSwap(peak, now); peak = d.peak.Load() {
	}
	start := time.Now()
	time.Sleep(d.latency)
	d.busy.Add(int64(time.Since(start)))
	d.reads.Add(1)
	if off >= int64(len(d.data)) {
		return 0, io.EOF
	}
	n := copy(p, d.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
