// Command benchtool is what final/bench.sh needs besides the pipeline
// itself: a generator of input files, and the sequential oracle as a
// command, so that both can be timed side by side with the pipeline and
// pigz; and a command that unpacks one container several times in one
// process, to tell what a fresh process pays from what every run does.
//
//	benchtool gen [-kind mixed] [-seed 1] SIZE FILE
//	benchtool tree [-kind text] [-seed 1] N MIN MAX DIR
//	benchtool oracle pack|unpack [-codec deflate] [-level 0] [-chunk 1MiB] SRC DST
//	benchtool repeat [-runs 4] [-workers 2] SRC DST
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"packcourse/core/codec"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
)

const usage = `usage:
  benchtool gen [-kind mixed] [-seed 1] SIZE FILE
  benchtool tree [-kind text] [-seed 1] N MIN MAX DIR
  benchtool oracle pack|unpack [-codec deflate] [-level 0] [-chunk 1MiB] SRC DST
  benchtool repeat [-runs 4] [-workers 2] SRC DST   (unpack SRC to DST RUNS times in one process)
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
	case "tree":
		return tree(args[1:])
	case "oracle":
		return runOracle(ctx, args[1:])
	case "repeat":
		return repeat(ctx, args[1:])
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

// tree writes N files of generated content under DIR, a hundred to a
// subdirectory, with sizes spread evenly between MIN and MAX bytes: the
// many-small-files workload, the same for every seed.
func tree(args []string) error {
	fs := flag.NewFlagSet("tree", flag.ContinueOnError)
	kind := fs.String("kind", "text", "content: text, logs, random, zeros or mixed")
	seed := fs.Uint64("seed", 1, "generator seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 4 {
		return errors.New("tree: want N MIN MAX DIR\n" + usage)
	}
	n, err := strconv.Atoi(fs.Arg(0))
	if err != nil || n < 1 {
		return fmt.Errorf("tree: N %q is not a positive number of files", fs.Arg(0))
	}
	lo, err := units.ParseSize(fs.Arg(1))
	if err != nil {
		return err
	}
	hi, err := units.ParseSize(fs.Arg(2))
	if err != nil {
		return err
	}
	if lo > hi {
		return fmt.Errorf("tree: MIN %s is more than MAX %s", fs.Arg(1), fs.Arg(2))
	}
	k, err := workload.ParseKind(*kind)
	if err != nil {
		return err
	}
	sizes := rand.New(rand.NewPCG(*seed, 0x74726565)) // "tree"
	for i := range n {
		size := lo + sizes.Int64N(hi-lo+1)
		dir := filepath.Join(fs.Arg(3), fmt.Sprintf("d%03d", i/100))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		// Not synced: generating the tree is not what is timed.
		content := workload.Bytes(k, int(size), *seed+uint64(i))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.%s", i, k)), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runOracle packs or unpacks SRC into DST with the sequential oracle.
func runOracle(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "pack" && args[0] != "unpack") {
		return errors.New("oracle: want pack or unpack\n" + usage)
	}
	op := args[0]
	fs := flag.NewFlagSet("oracle", flag.ContinueOnError)
	codecName := fs.String("codec", "deflate", "compression when packing: deflate or zstd")
	level := fs.Int("level", 0, "compression level (0: the codec's default)")
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
	c, err := codec.ParseCodec(*codecName)
	if err != nil {
		return err
	}
	o := codec.Options{ChunkSize: int(size), Codec: c, Level: *level}
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
