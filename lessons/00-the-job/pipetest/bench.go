package pipetest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
)

// BenchSize is the size of the benchmarks' shared workload file.
const BenchSize = 64 << 20

var inputFiles sync.Map // name -> path, created once per process

// InputFile returns the path of a generated file of size bytes of kind,
// written once per process into the system's temporary directory and
// reused, so benchmarks read real files rather than memory.
func InputFile(tb testing.TB, kind workload.Kind, size int64) string {
	tb.Helper()
	name := fmt.Sprintf("packcourse-%s-%d.bin", kind, size)
	if p, ok := inputFiles.Load(name); ok {
		return p.(string)
	}
	path := filepath.Join(os.TempDir(), name)
	if fi, err := os.Stat(path); err != nil || fi.Size() != size {
		if err := workload.WriteFiles(os.TempDir(), []workload.File{{Name: name, Size: size, Kind: kind, Seed: 1}}); err != nil {
			tb.Fatal(err)
		}
	}
	inputFiles.Store(name, path)
	return path
}

// ContainerFile returns the path of the oracle's container for
// InputFile(kind, size) packed with o, made once per process.
func ContainerFile(tb testing.TB, kind workload.Kind, size int64, o codec.Options) string {
	tb.Helper()
	src := InputFile(tb, kind, size)
	dst := fmt.Sprintf("%s.level%d.chunk%d.gpk", src, o.Level, o.ChunkSize)
	if _, ok := inputFiles.Load(dst); ok {
		return dst
	}
	if err := packFile(src, dst, o); err != nil {
		tb.Fatal(err)
	}
	inputFiles.Store(dst, dst)
	return dst
}

func packFile(src, dst string, o codec.Options) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := oracle.Pack(context.Background(), out, in, o); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchPack benchmarks e.Pack on the shared workload file (mixed content,
// BenchSize bytes) and reports MB/s and the peak RSS of the run in MiB.
func BenchPack(b *testing.B, e Engine, o codec.Options) {
	path := InputFile(b, workload.Mixed, BenchSize)
	bench(b, path, BenchSize, func(f *os.File) error { return e.Pack(context.Background(), io.Discard, f, o) })
}

// BenchUnpack benchmarks e.Unpack on the oracle's container of the shared
// workload file and reports MB/s (of unpacked output) and peak RSS in MiB.
func BenchUnpack(b *testing.B, e Engine, o codec.Options) {
	path := ContainerFile(b, workload.Mixed, BenchSize, o)
	bench(b, path, BenchSize, func(f *os.File) error { return e.Unpack(context.Background(), io.Discard, f, o) })
}

// BenchPackFile benchmarks e.Pack on the file at path (size bytes), for
// inputs other than the shared workload; it reports like BenchPack.
func BenchPackFile(b *testing.B, e Engine, path string, size int64, o codec.Options) {
	bench(b, path, size, func(f *os.File) error { return e.Pack(context.Background(), io.Discard, f, o) })
}

func bench(b *testing.B, path string, size int64, run func(*os.File) error) {
	b.SetBytes(size)
	memstat.ResetPeakRSS()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		err = run(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	if peak, err := memstat.PeakRSS(); err == nil {
		b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	}
}
