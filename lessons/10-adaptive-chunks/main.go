// Command 10-adaptive-chunks shows the chunk sizes lesson 10's controller
// picks for a fast and a slow codec setting. For each it measures how long
// one of lesson 09's fixed chunks takes to encode, packs a generated input
// with the adaptive engine, and prints the sizes it chose, in order (runs
// of one size shown once with a count), the size it chose most and how
// long a chunk of that size takes, and checks the output is the oracle's
// for that schedule. Times are this machine's, measured while it does
// whatever else it does: they differ on another, and from run to run.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

func main() {
	size := flag.String("size", "4MiB", "bytes of data to pack for each setting")
	kindFlag := flag.String("kind", "text", "the workload to pack: "+strings.Join(kindNames(), ", "))
	capFlag := flag.String("cap", "4MiB", "the header's chunk size: no chunk is larger")
	fixed := flag.String("fixed", "1MiB", "lesson 09's fixed chunk size, for the contrast")
	target := flag.Duration("target", engine.DefaultTarget, "encode time per chunk to aim for")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines")
	flag.Parse()
	if err := run(*size, *kindFlag, *capFlag, *fixed, *target, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "10-adaptive-chunks:", err)
		os.Exit(1)
	}
}

func kindNames() []string {
	var names []string
	for _, k := range workload.Kinds() {
		names = append(names, string(k))
	}
	return names
}

// settings are the two the demo contrasts: one of the fastest the course
// offers, and one of the slowest.
var settings = []struct {
	name string
	o    codec.Options
}{
	{"zstd level 1 (fast)", codec.Options{Codec: codec.Zstd, Level: 1}},
	{"DEFLATE level 9 (slow)", codec.Options{Level: 9}},
}

func run(sizeFlag, kindFlag, capFlag, fixedFlag string, target time.Duration, workers int) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	kind, err := workload.ParseKind(kindFlag)
	if err != nil {
		return err
	}
	capSize, err := units.ParseSize(capFlag)
	if err != nil {
		return err
	}
	fixed, err := units.ParseSize(fixedFlag)
	if err != nil {
		return err
	}
	if target <= 0 || workers < 1 {
		return fmt.Errorf("-target %v and -workers %d must be positive", target, workers)
	}
	data := workload.Bytes(kind, int(size), 1)
	lo, hi := engine.NewController(target, 0, int(capSize)).Bounds()
	fmt.Printf("packing %s of %s with %d workers; lesson 10 aims at %v a chunk, with chunks of %s..%s\n",
		units.FormatSize(size), kind, workers, target, units.FormatSize(int64(lo)), units.FormatSize(int64(hi)))
	for _, s := range settings {
		o := s.o
		o.ChunkSize = int(capSize)
		if err := show(s.name, data, o, int(fixed), target, workers); err != nil {
			return err
		}
	}
	return nil
}

// show packs data adaptively with o and prints what the controller chose,
// next to what lesson 09's fixed chunk costs at the same setting.
func show(name string, data []byte, o codec.Options, fixed int, target time.Duration, workers int) error {
	fmt.Printf("\n%s\n", name)
	took, err := encodeTime(o, data[:min(fixed, len(data))])
	if err != nil {
		return err
	}
	fmt.Printf("  lesson 09, fixed %s chunks: %v to encode one on one core, %.2fx the target\n",
		units.FormatSize(int64(fixed)), took.Round(10*time.Microsecond), float64(took)/float64(target))

	e := &engine.Engine{Workers: workers, Adaptive: &engine.Adaptive{Target: target}}
	var out bytes.Buffer
	start := time.Now()
	if err := e.Pack(context.Background(), &out, bytes.NewReader(data), o); err != nil {
		return err
	}
	elapsed := time.Since(start)
	sizes := e.Stats().Schedule
	fmt.Printf("  lesson 10 chose %d chunks: %s\n", len(sizes), runs(sizes))
	most, count := mostChosen(sizes)
	took, err = encodeTime(o, data[:most])
	if err != nil {
		return err
	}
	fmt.Printf("  chose %s most (%d of %d chunks): %v to encode one on one core, %.2fx the target; %.0f MB/s\n",
		units.FormatSize(int64(most)), count, len(sizes), took.Round(10*time.Microsecond), float64(took)/float64(target),
		float64(len(data))/1e6/elapsed.Seconds())
	var want bytes.Buffer
	if err := oracle.PackSchedule(context.Background(), &want, bytes.NewReader(data), o, sizes); err != nil {
		return err
	}
	fmt.Printf("  output identical to oracle.PackSchedule for those sizes: %v\n", bytes.Equal(out.Bytes(), want.Bytes()))
	return nil
}

// encodeTime is the least of three times one Encoder took to encode raw,
// after a first encode to warm it up.
func encodeTime(o codec.Options, raw []byte) (time.Duration, error) {
	s, err := codec.NewPackSession(o)
	if err != nil {
		return 0, err
	}
	enc := s.NewEncoder()
	defer enc.Release()
	var out []byte
	best := time.Duration(1<<63 - 1)
	for i := range 4 {
		start := time.Now()
		f, err := enc.Encode(out, 0, true, raw)
		if err != nil {
			return 0, err
		}
		out = f.Bytes
		if took := time.Since(start); i > 0 {
			best = min(best, took)
		}
	}
	return best, nil
}

// runs writes sizes in order, a run of equal sizes once with its count:
// "32 KiB ×3, 64 KiB, 128 KiB ×40".
func runs(sizes []int) string {
	var parts []string
	for i := 0; i < len(sizes); {
		j := i
		for j < len(sizes) && sizes[j] == sizes[i] {
			j++
		}
		part := units.FormatSize(int64(sizes[i]))
		if j-i > 1 {
			part += fmt.Sprintf(" ×%d", j-i)
		}
		parts = append(parts, part)
		i = j
	}
	return strings.Join(parts, ", ")
}

// mostChosen is the size most chunks have (the larger on a tie), and how
// many have it.
func mostChosen(sizes []int) (size, count int) {
	counts := map[int]int{}
	for _, n := range sizes {
		counts[n]++
		if counts[n] > count || counts[n] == count && n > size {
			size, count = n, counts[n]
		}
	}
	return size, count
}
