package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/11-crash-safe-output/engine"

	// prev is the previous lesson's engine, which writes straight into
	// its output.
	prev "packcourse/lessons/10-adaptive-chunks/engine"
)

// wrapFS, if set, wraps the file system PackPaths works through in step 3.
// The command's test sets it, to hold the run still until it is
// interrupted.
var wrapFS func(ctx context.Context, fsys engine.FS) engine.FS

func runDemo(ctx context.Context, cfg config) (err error) {
	size, err := units.ParseSize(cfg.size)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(cfg.chunk)
	if err != nil {
		return err
	}
	o := codec.Options{ChunkSize: int(chunk), Level: 1}
	dir, err := workDir(cfg.out)
	if err != nil {
		return err
	}
	if cfg.out == "" {
		defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	}
	src, dst := filepath.Join(dir, "input"), filepath.Join(dir, "packed")
	corpus := workload.Corpus(1, size, cfg.files, 256<<10)
	fmt.Printf("generating %d files, %s in all, in %s\n", len(corpus), units.FormatSize(corpusSize(corpus)), src)
	if err := workload.WriteFiles(src, corpus); err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	paths := outputPaths(src, dst, corpus)
	big := paths[0]
	if err := straightToTheOutput(ctx, big, o, cfg.workers); err != nil {
		return err
	}
	if err := stepByStep(ctx, big, o, cfg); err != nil {
		return err
	}
	packErr := packAll(ctx, paths[1:], o, cfg)
	if err := checkOutputs(paths, o); err != nil {
		return err
	}
	return packErr
}

// workDir is out, created if need be, or a new temporary directory.
func workDir(out string) (string, error) {
	if out == "" {
		return os.MkdirTemp("", "lesson11-")
	}
	return out, os.MkdirAll(out, 0o755)
}

func corpusSize(files []workload.File) (n int64) {
	for _, f := range files {
		n += f.Size
	}
	return n
}

// outputPaths is where each file's container goes: one directory, with
// the file's path flattened into its name.
func outputPaths(src, dst string, corpus []workload.File) []engine.Path {
	paths := make([]engine.Path, len(corpus))
	for i, f := range corpus {
		paths[i] = engine.Path{
			Src: filepath.Join(src, filepath.FromSlash(f.Name)),
			Dst: filepath.Join(dst, strings.ReplaceAll(f.Name, "/", "-")+".pack"),
		}
	}
	return paths
}

// straightToTheOutput packs p the previous lesson's way, os.Create then
// Pack, cancelling halfway through the input, and shows what that leaves.
func straightToTheOutput(ctx context.Context, p engine.Path, o codec.Options, workers int) error {
	fmt.Printf("\n1. lesson 10's way: os.Create(%s), then Pack; cancelled halfway through the input\n", rel(p.Dst))
	in, err := os.ReadFile(p.Src)
	if err != nil {
		return err
	}
	out, err := os.Create(p.Dst)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	half := &cancelAfter{r: bytes.NewReader(in), n: int64(len(in) / 2), cancel: cancel}
	packErr := (&prev.Engine{Workers: workers}).Pack(ctx, out, half, o)
	if err := out.Close(); err != nil {
		return err
	}
	left, err := os.ReadFile(p.Dst)
	if err != nil {
		return err
	}
	unpackErr := (&prev.Engine{Workers: workers}).Unpack(context.Background(), io.Discard, bytes.NewReader(left), o)
	fmt.Printf("   Pack: %v\n", packErr)
	fmt.Printf("   left behind: %s, %s; unpacking it: %v\n", rel(p.Dst), units.FormatSize(int64(len(left))), unpackErr)
	fmt.Printf("   (removed by hand, so the next steps start clean)\n")
	return os.Remove(p.Dst)
}

// A cancelAfter reads from r and calls cancel once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= int64(n); c.n <= 0 {
		c.cancel()
	}
	return n, err
}

// stepByStep packs p with PackFile through a file system that prints
// every step.
func stepByStep(ctx context.Context, p engine.Path, o codec.Options, cfg config) error {
	fmt.Printf("\n2. lesson 11's PackFile, every file-system step:\n")
	e := &engine.Engine{Workers: cfg.workers}
	if err := e.PackFile(ctx, p.Dst, p.Src, o, engine.Output{FS: &stepFS{}, Overwrite: cfg.overwrite}); err != nil {
		return err
	}
	fmt.Printf("   %s is in place, whole and durable\n", rel(p.Dst))
	return nil
}

// packAll packs every path at once with PackPaths, cfg.workers files at a
// time, printing a line every 10 files.
func packAll(ctx context.Context, paths []engine.Path, o codec.Options, cfg config) error {
	fmt.Printf("\n3. the other %d files with PackPaths, %d at a time (Ctrl-C to interrupt)\n", len(paths), cfg.workers)
	var fsys engine.FS = engine.OS{}
	if wrapFS != nil {
		fsys = wrapFS(ctx, fsys)
	}
	var placed atomic.Int64
	e := &engine.Engine{Workers: cfg.workers}
	err := e.PackPaths(ctx, paths, o, engine.Output{FS: fsys, Overwrite: cfg.overwrite, Done: func(_ engine.Path, err error) {
		if err != nil {
			return
		}
		n := placed.Add(1)
		if n%10 == 0 {
			fmt.Printf("   %d of %d in place\n", n, len(paths))
		}
		if cfg.interruptAfter > 0 && n == int64(cfg.interruptAfter) {
			fmt.Printf("   %d in place: sending this program SIGINT, as Ctrl-C would\n", n)
			interruptSelf()
		}
	}})
	if ctx.Err() != nil {
		fmt.Printf("   interrupted: %d of %d in place; the rest stopped and removed their temporary files\n", placed.Load(), len(paths))
	}
	return err
}

// interruptSelf sends this process SIGINT (on Unix; elsewhere it says it
// cannot).
func interruptSelf() {
	self, err := os.FindProcess(os.Getpid())
	if err == nil {
		err = self.Signal(os.Interrupt)
	}
	if err != nil {
		fmt.Printf("   cannot interrupt this program on this system (%v): press Ctrl-C\n", err)
	}
}

// docs:region checkOutputs
// checkOutputs looks at what is in the outputs' directory: every output
// must be absent or unpack to its input, and nothing else may be there,
// temporary files included. paths[0] is the file step 2 packed on its own,
// so the count covers one more output than step 3's.
func checkOutputs(paths []engine.Path, o codec.Options) error {
	dir := filepath.Dir(paths[0].Dst)
	fmt.Printf("\n4. what is in %s:\n", rel(dir))
	want := map[string]string{} // output name -> its input
	for _, p := range paths {
		want[filepath.Base(p.Dst)] = p.Src
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var whole int
	var bad []string
	for _, e := range entries {
		src, ok := want[e.Name()]
		switch {
		case strings.HasPrefix(e.Name(), engine.TempPrefix):
			bad = append(bad, e.Name()+": a temporary file left behind")
		case !ok:
			bad = append(bad, e.Name()+": not an output")
		default:
			if err := unpacksTo(filepath.Join(dir, e.Name()), src, o); err != nil {
				bad = append(bad, fmt.Sprintf("%s: partial: %v", e.Name(), err))
				continue
			}
			whole++
		}
	}
	fmt.Printf("   of %d outputs (%s from step 2 included): %d whole (each unpacks to its input), %d absent, %d partial or stray files\n",
		len(paths), filepath.Base(paths[0].Src), whole, len(paths)-whole, len(bad))
	if len(bad) > 0 {
		return fmt.Errorf("left behind: %s", strings.Join(bad, "; "))
	}
	fmt.Println("   nothing partial and no temporary file left")
	return nil
}

// docs:endregion checkOutputs

// unpacksTo unpacks the container at path and compares it with the file
// at src.
func unpacksTo(path, src string, o codec.Options) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	got := sha256.New()
	if err := (&engine.Engine{}).Unpack(context.Background(), got, in, o); err != nil {
		return err
	}
	original, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(original); !bytes.Equal(got.Sum(nil), sum[:]) {
		return errors.New("unpacks to other bytes than its input")
	}
	return nil
}

// rel is path from the work directory's parent on: short enough to read.
func rel(path string) string {
	return filepath.Join(filepath.Base(filepath.Dir(path)), filepath.Base(path))
}

// docs:region stepFS
// A stepFS is the real file system, printing each step as it takes it.
// Writes are many, so it prints them once, at the Sync that follows.
type stepFS struct{ engine.OS }

func (stepFS) Open(name string) (io.ReadCloser, error) {
	fmt.Printf("   open      %s\n", rel(name))
	return engine.OS{}.Open(name)
}

func (stepFS) Stat(name string) (os.FileInfo, error) {
	fi, err := engine.OS{}.Stat(name)
	fmt.Printf("   stat      %s: %v\n", rel(name), existence(err))
	return fi, err
}

func (stepFS) CreateTemp(dir, prefix string) (engine.TempFile, error) {
	f, err := engine.OS{}.CreateTemp(dir, prefix)
	if err != nil {
		return nil, err
	}
	fmt.Printf("   create    %s\n", rel(f.Name()))
	return &stepFile{TempFile: f}, nil
}

func (stepFS) Rename(oldpath, newpath string, replace bool) error {
	fmt.Printf("   rename    %s -> %s (replace: %v)\n", filepath.Base(oldpath), filepath.Base(newpath), replace)
	return engine.OS{}.Rename(oldpath, newpath, replace)
}

func (stepFS) OpenDir(dir string) (engine.Dir, error) {
	fmt.Printf("   open dir  %s\n", rel(dir))
	d, err := engine.OS{}.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	return stepDir{d}, nil
}

// docs:endregion stepFS

type stepFile struct {
	engine.TempFile
	writes int
	bytes  int64
}

func (f *stepFile) Write(p []byte) (int, error) {
	n, err := f.TempFile.Write(p)
	f.writes++
	f.bytes += int64(n)
	return n, err
}

func (f *stepFile) Sync() error {
	fmt.Printf("   write     %s in %d writes (the container, by Pack's writer)\n", units.FormatSize(f.bytes), f.writes)
	fmt.Printf("   sync      %s\n", filepath.Base(f.Name()))
	return f.TempFile.Sync()
}

func (f *stepFile) Close() error {
	fmt.Printf("   close     %s\n", filepath.Base(f.Name()))
	return f.TempFile.Close()
}

type stepDir struct{ engine.Dir }

func (d stepDir) Sync() error {
	fmt.Printf("   sync dir  (the rename is durable once this returns)\n")
	return d.Dir.Sync()
}

func (d stepDir) Close() error {
	fmt.Printf("   close dir\n")
	return d.Dir.Close()
}

func existence(err error) string {
	switch {
	case err == nil:
		return "exists"
	case errors.Is(err, os.ErrNotExist):
		return "does not exist, good"
	}
	return err.Error()
}
