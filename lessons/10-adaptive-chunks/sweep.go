package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

// sweepDepths are the depths the sweep measures, each one pass over the
// whole file.
var sweepDepths = []int{1, 2, 4, 8, 16, 32, 64}

// runSweep measures how fast this machine reads a file at each depth:
// reads alone, chunk bytes each, depth of them in flight, no encoding, as
// that is the part depth changes. Before each pass it asks the OS to drop
// the file from the page cache, then asks how much of it is still cached:
// a pass that starts from a cached file measures memory, not the disk,
// and the table says so. If path is a directory, it writes a file of size
// random bytes there first (and removes it after).
func runSweep(path, sizeFlag, chunkFlag string) error {
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	f, cleanup, err := sweepFile(path, sizeFlag)
	if err != nil {
		return err
	}
	defer cleanup()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	depth, why := engine.DetectReadDepth(f)
	fmt.Printf("%s: %s, read in %s chunks; the detected depth is %d (%s)\n\n", f.Name(), units.FormatSize(size), units.FormatSize(chunk), depth, why)
	fmt.Printf("%6s %10s %18s\n", "depth", "MiB/s", "cached before")
	worst := 0.0
	for _, d := range sweepDepths {
		dropCache(f)
		cached, known := cachedShare(f, size)
		took, err := readAll(f, size, int(chunk), d)
		if err != nil {
			return err
		}
		share := "unknown"
		if known {
			share = fmt.Sprintf("%.0f%%", 100*cached)
			worst = max(worst, cached)
		}
		fmt.Printf("%6d %10.1f %18s\n", d, float64(size)/took.Seconds()/(1<<20), share)
	}
	fmt.Println()
	switch {
	case worst > 0.1:
		fmt.Printf("The page cache held up to %.0f%% of the file before a pass, although it was asked to drop it:\n", 100*worst)
		fmt.Println("those rows measure memory, not the device. (The OS drops only clean pages, and an overlay,")
		fmt.Println("tmpfs or network file system may ignore the request; try a file on a local disk.)")
	case cachedKnown():
		fmt.Println("The file was not in this kernel's page cache before any pass. On a virtual machine the")
		fmt.Println("virtual disk may still be served from its host's cache, which no guest can see: a pass")
		fmt.Println("far faster than the first one, over the same file, is the likely sign.")
	default:
		fmt.Println("This OS was not asked what it caches: a file read recently may have been served from memory.")
	}
	fmt.Println("The figures are this machine's, today: they vary with the device, its other load and the chunk size.")
	return nil
}

// sweepFile opens path, or writes a new file of size random bytes in
// path if it is a directory; cleanup closes (and removes) it.
func sweepFile(path, sizeFlag string) (f *os.File, cleanup func(), err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.IsDir() {
		f, err := os.Open(path)
		return f, func() { f.Close() }, err
	}
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return nil, nil, err
	}
	f, err = os.CreateTemp(path, "sweep-*.bin")
	if err != nil {
		return nil, nil, err
	}
	cleanup = func() { f.Close(); os.Remove(f.Name()) }
	_, err = io.Copy(f, workload.New(workload.Random, size, 1))
	if err == nil {
		err = f.Sync() // written back, so the cache can drop its pages
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return f, cleanup, nil
}

// readAll reads the file's size bytes in chunks with depth reads in flight
// and returns how long that took. Order does not matter here: each
// goroutine takes the next offset from a shared counter.
func readAll(f *os.File, size int64, chunk, depth int) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, depth)
	start := time.Now()
	for range depth {
		wg.Go(func() {
			buf := make([]byte, chunk)
			for {
				off := next.Add(int64(chunk)) - int64(chunk)
				if off >= size {
					return
				}
				if _, err := f.ReadAt(buf[:min(int64(chunk), size-off)], off); err != nil && err != io.EOF {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	return took, <-errs
}
