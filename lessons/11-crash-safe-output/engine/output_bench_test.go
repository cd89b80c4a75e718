package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/lessons/11-crash-safe-output/engine"

	prev "packcourse/lessons/10-adaptive-chunks/engine"
)

// docs:region BenchmarkPackFiles
// BenchmarkPackFiles packs a directory into another, 2 files at a time
// with 2 encoders each, at DEFLATE level 1: 200 small files (1 byte to
// 16 KiB) and one big file (32 MiB). lesson=10 writes straight into each
// output (os.Create, Pack, Close: no fsync); lesson=11 is PackPaths, with
// a temporary file, two fsyncs and a rename per file; lesson=11/nosync is
// PackPaths with both fsyncs skipped, to tell the cost of the syncs from
// the cost of the rest of the protocol. Each iteration overwrites the
// outputs of the one before. It reports files/s beside MB/s.
func BenchmarkPackFiles(b *testing.B) {
	o := codec.Options{Level: 1}
	for _, set := range []struct {
		name  string
		files []workload.File
	}{
		{"small", workload.Corpus(3, 0, 200, 16<<10)[1:]},
		{"big", []workload.File{{Name: "big.bin", Size: 32 << 20, Kind: workload.Mixed, Seed: 3}}},
	} {
		src, dst := b.TempDir(), b.TempDir()
		if err := workload.WriteFiles(src, set.files); err != nil {
			b.Fatal(err)
		}
		paths := benchPaths(src, dst, set.files)
		b.Run(set.name+"/lesson=10", func(b *testing.B) {
			benchFiles(b, set.files, func() error { return packStraight(&prev.Engine{Workers: 2}, paths, o) })
		})
		b.Run(set.name+"/lesson=11", func(b *testing.B) {
			out := engine.Output{Overwrite: true}
			benchFiles(b, set.files, func() error { return (&engine.Engine{Workers: 2}).PackPaths(context.Background(), paths, o, out) })
		})
		b.Run(set.name+"/lesson=11/nosync", func(b *testing.B) {
			out := engine.Output{Overwrite: true, FS: noSync{}}
			benchFiles(b, set.files, func() error { return (&engine.Engine{Workers: 2}).PackPaths(context.Background(), paths, o, out) })
		})
	}
}

// docs:endregion BenchmarkPackFiles

// benchFiles runs pack once per iteration and reports MB/s of input and
// files/s.
func benchFiles(b *testing.B, files []workload.File, pack func() error) {
	var size int64
	for _, f := range files {
		size += f.Size
	}
	b.SetBytes(size)
	start := time.Now()
	for b.Loop() {
		if err := pack(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(files)*b.N)/time.Since(start).Seconds(), "files/s")
}

func benchPaths(src, dst string, files []workload.File) []engine.Path {
	paths := make([]engine.Path, len(files))
	for i, f := range files {
		paths[i] = engine.Path{Src: filepath.Join(src, filepath.FromSlash(f.Name)), Dst: filepath.Join(dst, filepath.Base(f.Name)+".pack")}
	}
	return paths
}

// packStraight is the previous lesson's way to pack files into files, 2
// at a time: os.Create each output and Pack into it.
func packStraight(e *prev.Engine, paths []engine.Path, o codec.Options) error {
	slots := make(chan struct{}, 2)
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs[i] = packOneStraight(e, p, o)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func packOneStraight(e *prev.Engine, p engine.Path, o codec.Options) error {
	in, err := os.Open(p.Src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(p.Dst)
	if err != nil {
		return err
	}
	if err := e.Pack(context.Background(), out, in, o); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", p.Src, err)
	}
	return out.Close()
}

// noSync is the real file system with its syncs skipped: the protocol
// without its durability.
type noSync struct{ engine.OS }

func (noSync) CreateTemp(dir, prefix string) (engine.TempFile, error) {
	f, err := engine.OS{}.CreateTemp(dir, prefix)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

func (noSync) OpenDir(string) (engine.Dir, error) { return noSyncDir{}, nil }

type noSyncFile struct{ engine.TempFile }

func (noSyncFile) Sync() error { return nil }

type noSyncDir struct{}

func (noSyncDir) Sync() error  { return nil }
func (noSyncDir) Close() error { return nil }
