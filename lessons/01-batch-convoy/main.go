// Command 01-batch-convoy packs the same generated file with the oracle
// (lesson 00) and with lesson 01's engine, at one size and at eight times
// that size, and prints what each run held and how its goroutines waited:
// the baseline every later lesson improves on.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/01-batch-convoy/engine"
)

func main() {
	size := flag.String("size", "4MiB", "the smaller input; the larger is 8 times this")
	chunk := flag.String("chunk", "64KiB", "chunk size")
	level := flag.Int("level", 1, "DEFLATE level 1..9")
	workers := flag.Int("workers", 0, "lesson 01's Workers (0: one per core)")
	mutexProfile := flag.String("mutexprofile", "", "also write the mutex profile to `file`, for go tool pprof -top")
	flag.Parse()
	if err := run(*size, *chunk, *level, *workers, *mutexProfile); err != nil {
		fmt.Fprintln(os.Stderr, "01-batch-convoy:", err)
		os.Exit(1)
	}
}

// packer is what both engines are.
type packer interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
}

func run(sizeFlag, chunkFlag string, level, workers int, mutexProfile string) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "01-batch-convoy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	runtime.SetMutexProfileFraction(1) // record every contended Lock
	o := codec.Options{ChunkSize: int(chunk), Level: level}
	e := &engine.Engine{Workers: workers}
	if e.Workers == 0 {
		e.Workers = runtime.GOMAXPROCS(0)
	}
	fmt.Printf("%d CPUs, lesson 01 with %d workers, %s chunks, level %d, mixed data\n\n",
		runtime.NumCPU(), e.Workers, units.FormatSize(chunk), level)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "input\tengine\ttime\tpeak RSS\tmutex wait\tgoroutines\tbuffered\tin flight\tturn waits\tfutile wakeups\t")
	for _, n := range []int64{size, 8 * size} {
		path, err := generate(dir, n)
		if err != nil {
			return err
		}
		want, err := measure(oracle.Engine{}, path, o)
		if err != nil {
			return fmt.Errorf("lesson 00: %w", err)
		}
		got, err := measure(e, path, o)
		if err != nil {
			return fmt.Errorf("lesson 01: %w", err)
		}
		if got.sum != want.sum {
			return fmt.Errorf("lesson 01's container of %s differs from the oracle's", units.FormatSize(n))
		}
		st := e.Stats()
		fmt.Fprintf(tw, "%s\tlesson 00\t%s\t-\t-\t-\t-\t-\t\n", units.FormatSize(n), want)
		fmt.Fprintf(tw, "%s\tlesson 01\t%s\t%d\t%s\t%d\t%d\t%d\t\n", units.FormatSize(n), got,
			st.PeakGoroutines, units.FormatSize(st.PeakBufferedBytes), st.PeakInFlight, st.TurnWaits, st.FutileWakeups)
	}
	tw.Flush()
	fmt.Println("\nBoth engines wrote the same bytes at both sizes.")
	fmt.Println("\nMutex profile, lesson 01's lines only, by the function that held the contended lock:")
	printMutexProfile(os.Stdout, "packcourse/lessons/01-batch-convoy/", 3)
	if mutexProfile != "" {
		return writeProfile(mutexProfile)
	}
	return nil
}

// generate writes n bytes of mixed data to a file in dir and returns its
// path: the engines read a real file, and the demo holds none of it.
func generate(dir string, n int64) (string, error) {
	name := fmt.Sprintf("input-%d.bin", n)
	err := workload.WriteFiles(dir, []workload.File{{Name: name, Size: n, Kind: workload.Mixed, Seed: 1}})
	return filepath.Join(dir, name), err
}

// measured is one Pack: the SHA-256 of what it wrote, and what it cost.
type measured struct {
	sum       [32]byte
	elapsed   time.Duration
	peakRSS   int64
	mutexWait time.Duration
}

// String is the measurement's columns: time, peak RSS, mutex wait.
func (m measured) String() string {
	return fmt.Sprintf("%v\t%s\t%v", m.elapsed.Round(time.Millisecond), units.FormatSize(m.peakRSS), round(m.mutexWait))
}

// measure packs the file at path with e.
func measure(e packer, path string, o codec.Options) (measured, error) {
	var m measured
	f, err := os.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	memstat.ResetPeakRSS()
	waitBefore := mutexWait()
	h := sha256.New()
	start := time.Now()
	if err := e.Pack(context.Background(), h, f, o); err != nil {
		return m, err
	}
	m.elapsed = time.Since(start)
	m.mutexWait = mutexWait() - waitBefore
	m.peakRSS, _ = memstat.PeakRSS()
	h.Sum(m.sum[:0])
	return m, nil
}

// mutexWait is the runtime's running total of time goroutines have spent
// blocked on a sync.Mutex (and on the runtime's own locks).
func mutexWait() time.Duration {
	s := []metrics.Sample{{Name: "/sync/mutex/wait/total:seconds"}}
	metrics.Read(s)
	return time.Duration(s[0].Value.Float64() * float64(time.Second))
}

func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// printMutexProfile prints the call sites of prefix's package that held
// a contended lock, most delay first, with their count of contended Locks
// and their share of all the delay the profile recorded.
func printMutexProfile(w io.Writer, prefix string, top int) {
	n, _ := runtime.MutexProfile(nil)
	records := make([]runtime.BlockProfileRecord, n+64) // room for records added meanwhile
	n, _ = runtime.MutexProfile(records)
	type site struct {
		name          string
		count, cycles int64
	}
	bySite := map[string]*site{}
	var total int64
	for _, r := range records[:n] {
		total += r.Cycles
		name := firstFunction(r.Stack(), prefix)
		if name == "" {
			continue
		}
		if bySite[name] == nil {
			bySite[name] = &site{name: name}
		}
		bySite[name].count += r.Count
		bySite[name].cycles += r.Cycles
	}
	sites := slices.Collect(func(yield func(*site) bool) {
		for _, s := range bySite {
			if !yield(s) {
				return
			}
		}
	})
	slices.SortFunc(sites, func(a, b *site) int { return int(b.cycles - a.cycles) })
	for _, s := range sites[:min(top, len(sites))] {
		fmt.Fprintf(w, "  %5.1f%% of all delay  %6d contended Locks  %s\n",
			100*float64(s.cycles)/float64(max(total, 1)), s.count, strings.TrimPrefix(s.name, prefix))
	}
	if len(sites) == 0 {
		fmt.Fprintln(w, "  (no contention recorded)")
	}
}

// firstFunction returns the first function in stack whose name starts
// with prefix, or "".
func firstFunction(stack []uintptr, prefix string) string {
	frames := runtime.CallersFrames(stack)
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, prefix) {
			return f.Function
		}
		if !more {
			return ""
		}
	}
}

func writeProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("mutex").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
