// Command 00-the-job packs a generated file with the sequential oracle,
// unpacks it again, checks every byte, and prints what it cost. Run it with
// -size 1GiB to see that the oracle's memory does not grow with the input.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"packcourse/core/codec"
	"packcourse/core/memstat"
	"packcourse/core/units"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
)

func main() {
	size := flag.String("size", "32MiB", "bytes to generate")
	kind := flag.String("kind", "mixed", "content: text, logs, random, zeros or mixed")
	chunk := flag.String("chunk", "1MiB", "chunk size")
	level := flag.Int("level", codec.DefaultLevel, "DEFLATE level 1..9")
	encrypt := flag.Bool("encrypt", false, "encrypt with a random key")
	flag.Parse()
	if err := run(*size, *kind, *chunk, *level, *encrypt); err != nil {
		fmt.Fprintln(os.Stderr, "00-the-job:", err)
		os.Exit(1)
	}
}

func run(sizeFlag, kindFlag, chunkFlag string, level int, encrypt bool) error {
	size, err := units.ParseSize(sizeFlag)
	if err != nil {
		return err
	}
	chunk, err := units.ParseSize(chunkFlag)
	if err != nil {
		return err
	}
	kind, err := workload.ParseKind(kindFlag)
	if err != nil {
		return err
	}
	o := codec.Options{ChunkSize: int(chunk), Level: level}
	if encrypt {
		o.Key = make([]byte, codec.KeyLen) // all zero: fine for a demo, never for real data
	}
	fmt.Printf("packing %s of %s data in %s chunks at level %d (encrypted: %v)\n",
		units.FormatSize(size), kind, units.FormatSize(chunk), level, encrypt)
	return roundTrip(kind, size, o)
}

// roundTrip streams generated data through Pack, then Unpack, then a hash,
// with an io.Pipe between Pack and Unpack so no stage holds the whole file.
// Pack runs in its own goroutine; the pipe's reader end waits for it.
func roundTrip(kind workload.Kind, size int64, o codec.Options) error {
	ctx := context.Background()
	original := sha256.New()
	src := io.TeeReader(workload.New(kind, size, 1), original)
	pr, pw := io.Pipe()
	packed := &countingWriter{w: pw}
	start := time.Now()
	go func() { pw.CloseWithError(oracle.Pack(ctx, packed, src, o)) }()

	restored := sha256.New()
	if err := oracle.Unpack(ctx, restored, pr, o); err != nil {
		pr.CloseWithError(err) // unblock Pack so its goroutine ends
		return err
	}
	elapsed := time.Since(start)
	if string(original.Sum(nil)) != string(restored.Sum(nil)) {
		return fmt.Errorf("round trip changed the data")
	}
	report(size, packed.n, elapsed)
	return nil
}

func report(size, packed int64, elapsed time.Duration) {
	fmt.Printf("packed to %s (%.2fx smaller), unpacked, and every byte matches\n",
		units.FormatSize(packed), float64(size)/float64(max(packed, 1)))
	fmt.Printf("pack+unpack took %v: %.0f MB/s of input\n",
		elapsed.Round(time.Millisecond), float64(size)/elapsed.Seconds()/1e6)
	if peak, err := memstat.PeakRSS(); err == nil {
		fmt.Printf("peak RSS %s\n", units.FormatSize(peak))
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
