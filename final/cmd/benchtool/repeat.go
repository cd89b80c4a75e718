package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"packcourse/core/codec"
	"packcourse/final/engine"
)

// repeat unpacks one container several times in one process, with one
// engine, and prints what each run cost: wall time, CPU time, page faults
// and garbage collections. The first run of a process pays for touching
// its buffers for the first time; the later ones show what a warm process
// pays.
func repeat(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("repeat", flag.ContinueOnError)
	runs := fs.Int("runs", 4, "how many times to unpack")
	workers := fs.Int("workers", 2, "workers of the engine")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || *runs < 1 || *workers < 1 {
		return errors.New("repeat: want SRC DST, at least one run and one worker\n" + usage)
	}
	e := newRepeatEngine(*workers)
	for i := range *runs {
		line, err := unpackOnce(ctx, e, fs.Arg(0), fs.Arg(1))
		if err != nil {
			return err
		}
		fmt.Printf("run %d: %s\n", i+1, line)
	}
	return nil
}

func newRepeatEngine(workers int) *engine.Engine {
	return engine.New(engine.Config{Workers: workers})
}

// unpackOnce unpacks src into dst with e and describes the run's costs.
// It does not sync dst: the disk's speed is not what it measures.
func unpackOnce(ctx context.Context, e *engine.Engine, src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	defer out.Close()
	var gc0, gc1 runtime.MemStats
	runtime.ReadMemStats(&gc0)
	before := readUsage()
	start := time.Now()
	err = e.Unpack(ctx, out, in, codec.Options{})
	wall := time.Since(start)
	after := readUsage()
	runtime.ReadMemStats(&gc1)
	if err != nil {
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	return fmt.Sprintf("wall %v, cpu %v (system %v), %d page faults, %d GCs",
		wall.Round(time.Millisecond), (after.cpu - before.cpu).Round(time.Millisecond),
		(after.sys - before.sys).Round(time.Millisecond), after.faults-before.faults, gc1.NumGC-gc0.NumGC), nil
}
