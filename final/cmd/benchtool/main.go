// Command benchtool is what final/bench.sh needs besides the pipeline
// itself: a generator of input files, and the sequential oracle as a
// command, so that both can be timed side by side with the pipeline and
// pigz.
//
//	benchtool gen [-kind mixed] [-seed 1] SIZE FILE
//	benchtool oracle pack|unpack [-level 6] [-chunk 1MiB] SRC DST
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
)

const usage = `usage:
  benchtool gen [-kind mixed] [-seed 1] SIZE FILE
  benchtool oracle pack|unpack [-level 6] [-chunk 1MiB] SRC DST
`

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("no command\n" + usage)
	}
	switch args[0] {
	case "gen":
		return gen(args[1:])
	case "oracle":
		return runOracle(ctx, args[1:])
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// gen writes SIZE bytes of generated content to FILE.
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	kind := fs.String("kind", "mixed", "content: text, logs, random, zeros or mixed")
	seed := fs.Uint64("seed", 1, "generator seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("gen: want SIZE FILE\n" + usage)
	}
	size, err := units.ParseSize(fs.Arg(0))
	if err != nil {
		return err
	}
	k, err := workload.ParseKind(*kind)
	if err != nil {
		return err
	}
	return writeFile(fs.Arg(1), func(w io.Writer) error {
		_, err := io.Copy(w, workload.New(k, size, *seed))
		return err
	})
}

// runOracle packs or unpacks SRC into DST with the sequential oracle.
func runOracle(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "pack" && args[0] != "unpack") {
		return errors.New("oracle: want pack or unpack\n" + usage)
	}
	op := args[0]
	fs := flag.NewFlagSet("oracle", flag.ContinueOnError)
	level := fs.Int("level", codec.DefaultLevel, "DEFLATE level")
	chunk := fs.String("chunk", "1MiB", "chunk size")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("oracle: want SRC DST\n" + usage)
	}
	size, err := units.ParseSize(*chunk)
	if err != nil {
		return err
	}
	o := codec.Options{ChunkSize: int(size), Level: *level}
	src, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer src.Close()
	return writeFile(fs.Arg(1), func(w io.Writer) error {
		if op == "pack" {
			return oracle.Pack(ctx, w, src, o)
		}
		return oracle.Unpack(ctx, w, src, o)
	})
}

// writeFile creates path (and its directory) with what fill writes, and
// syncs it, as the pipeline does, so that timings compare the same work.
func writeFile(path string, fill func(io.Writer) error) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	if err := fill(f); err != nil {
		return err
	}
	return f.Sync()
}
