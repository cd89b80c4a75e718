// Command 06-global-governance packs several generated files at once,
// three ways: with lesson 05's engine, one full-width run per file; with
// lesson 06's engine under a Governor too large to make anyone wait, which
// only counts what the runs hold together; and with lesson 06's engine
// under a Governor sized for the machine. It prints, for each, the most
// encodes that ran at once, the most buffer bytes held at once and the
// process's peak RSS, and checks that all three wrote the same bytes.
// Last, it asks for a budget smaller than one chunk, which fails at once.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"hash"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/units"
	"packcourse/core/workload"
	lesson05 "packcourse/lessons/05-counters-atomics/engine"
	"packcourse/lessons/06-global-governance/engine"
)

func main() {
	files := flag.Int("files", 8, "files packed at once")
	size := flag.String("size", "8MiB", "bytes of mixed data in each file")
	chunk := flag.String("chunk", "1MiB", "chunk size")
	level := flag.Int("level", 6, "DEFLATE level 1..9")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines of each file")
	cpu := flag.Int("cpu", runtime.GOMAXPROCS(0), "the Governor's CPU tokens")
	io := flag.Int("io", 4, "the Governor's I/O tokens")
	budget := flag.String("budget", "16MiB", "the Governor's byte budget")
	flag.Parse()
	if err := run(*files, *size, *chunk, *level, *workers, *cpu, *io, *budget); err != nil {
		fmt.Fprintln(os.Stderr, "06-global-governance:", err)
		os.Exit(1)
	}
}

func run(files int, sizeFlag, chunkFlag string, level, workers, cpu, io int, budgetFlag string) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	budget, err := units.ParseSize(budgetFlag)
	if err != nil {
		return err
	}
	if files < 1 {
		return fmt.Errorf("-files must be at least 1, got %d", files)
	}
	o := codec.Options{ChunkSize: int(chunk), Level: level}
	fmt.Printf("packing %d files of %s at once, %s chunks, level %d, %d workers each, on %d CPUs\n\n",
		files, units.FormatSize(size), units.FormatSize(chunk), level, workers, runtime.NumCPU())

	const row = "%-40s %9s %15s %10s %8s\n"
	fmt.Printf(row, "", "encodes", "buffers", "peak RSS", "time")
	fmt.Printf(row, "", "at once", "at once", "", "")

	inputs := batch{n: files, size: size}
	ungoverned := make([]*lesson05.Engine, files)
	for i := range ungoverned {
		ungoverned[i] = &lesson05.Engine{Workers: workers}
	}
	sums05, m, err := inputs.pack(func(fs []engine.File) error {
		return packEach(fs, func(i int, f engine.File) error {
			return ungoverned[i].Pack(context.Background(), f.Dst, f.Src, o)
		})
	})
	if err != nil {
		return err
	}
	var buffered int64
	for _, e := range ungoverned {
		buffered += e.Stats().PeakBufferedBytes
	}
	fmt.Printf(row, "lesson 05, one run per file", "(no count)", units.FormatSize(buffered), m.rss, m.took)

	counting, err := engine.NewGovernor(engine.Limits{CPU: 1 << 30, IO: 1 << 30, Bytes: 1 << 50})
	if err != nil {
		return err
	}
	sumsCount, m, err := inputs.pack(packFiles(counting, workers, o))
	if err != nil {
		return err
	}
	st := counting.Stats()
	fmt.Printf(row, "lesson 06, a Governor that only counts", fmt.Sprint(st.PeakCPU), units.FormatSize(st.PeakBytes), m.rss, m.took)

	limits := engine.Limits{CPU: cpu, IO: io, Bytes: budget}
	governor, err := engine.NewGovernor(limits)
	if err != nil {
		return err
	}
	sums06, m, err := inputs.pack(packFiles(governor, workers, o))
	if err != nil {
		return err
	}
	st = governor.Stats()
	fmt.Printf(row, fmt.Sprintf("lesson 06, Governor %d CPU, %s", cpu, units.FormatSize(budget)), fmt.Sprint(st.PeakCPU), units.FormatSize(st.PeakBytes), m.rss, m.took)

	fmt.Println()
	if !slices.Equal(sums05, sumsCount) || !slices.Equal(sums05, sums06) {
		return errors.New("the three ways packed the files differently")
	}
	fmt.Printf("all three wrote the same %d containers\n", files)
	if st.PeakCPU > cpu || st.PeakIO > io || st.PeakBytes > budget {
		return fmt.Errorf("the Governor's peaks %+v went past its limits %+v", st, limits)
	}
	fmt.Printf("governed: at most %d of %d CPU tokens, %d of %d I/O tokens, %s of %s held at once\n",
		st.PeakCPU, cpu, st.PeakIO, io, units.FormatSize(st.PeakBytes), units.FormatSize(budget))

	small := engine.ChunkCost(int(chunk)) - 1
	tiny, err := engine.NewGovernor(engine.Limits{CPU: cpu, IO: io, Bytes: small})
	if err != nil {
		return err
	}
	start := time.Now()
	err = (&engine.Engine{Governor: tiny}).Pack(context.Background(), sha256.New(), workload.New(workload.Mixed, size, 1), o)
	if !errors.Is(err, engine.ErrOverBudget) {
		return fmt.Errorf("a budget smaller than one chunk returned %v, want ErrOverBudget", err)
	}
	fmt.Printf("\na budget of %s, one byte short of a chunk, fails in %v:\n  %v\n", units.FormatSize(small), time.Since(start).Round(time.Microsecond), err)
	return nil
}

// packFiles packs a batch with one lesson 06 Engine under g.
func packFiles(g *engine.Governor, workers int, o codec.Options) func([]engine.File) error {
	e := &engine.Engine{Workers: workers, Governor: g}
	return func(fs []engine.File) error { return e.PackFiles(context.Background(), fs, o) }
}

// packEach runs pack for every file at once and joins their errors.
func packEach(fs []engine.File, pack func(int, engine.File) error) error {
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Go(func() { errs[i] = pack(i, f) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// A batch is n files of generated data, made afresh for each way of
// packing them; each container is hashed as it is written.
type batch struct {
	n    int
	size int64
}

// measured is what one way of packing cost: peak RSS and wall time.
type measured struct{ rss, took string }

// pack runs packAll on a fresh batch and returns the containers' hashes.
func (b batch) pack(packAll func([]engine.File) error) ([][32]byte, measured, error) {
	fs := make([]engine.File, b.n)
	hashes := make([]hash.Hash, b.n)
	for i := range fs {
		hashes[i] = sha256.New()
		fs[i] = engine.File{Name: fmt.Sprintf("file%d", i), Src: workload.New(workload.Mixed, b.size, uint64(i+1)), Dst: hashes[i]}
	}
	runtime.GC() // each way starts from the same heap
	rssErr := memstat.ResetPeakRSS()
	start := time.Now()
	err := packAll(fs)
	m := measured{rss: "n/a", took: time.Since(start).Round(10 * time.Millisecond).String()}
	if peak, err := memstat.PeakRSS(); err == nil && rssErr == nil {
		m.rss = units.FormatSize(peak)
	}
	sums := make([][32]byte, b.n)
	for i, h := range hashes {
		h.Sum(sums[i][:0])
	}
	return sums, m, err
}
