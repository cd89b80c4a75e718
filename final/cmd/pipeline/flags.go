package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/core/units"
	"packcourse/final/engine"
)

// flagSet says which flags a command takes.
type flagSet uint

const (
	fWork    flagSet = 1 << iota // -workers -mem
	fEncode                      // -codec -chunk -level -chunk-target
	fEncrypt                     // -encrypt
	fKey                         // -key-file -passphrase-env
	fOutput                      // -force -sync
	fDemo                        // -size -files
	fCommon                      // -metrics -trace -progress -q -stats
)

var (
	packFlags   = fWork | fEncode | fEncrypt | fKey | fOutput | fCommon
	unpackFlags = fWork | fKey | fOutput | fCommon
	verifyFlags = fWork | fKey | fCommon
	demoFlags   = fWork | fEncode | fEncrypt | fDemo | fCommon
)

// config is a parsed command line: flag values as given, then resolved
// (sizes parsed, the key read) by resolve.
type config struct {
	workers   int
	codecFlag string
	chunkFlag string
	level     int
	target    time.Duration
	memFlag   string
	encrypt   bool
	keyFile   string
	passEnv   string
	metrics   string
	trace     string
	progress  bool
	quiet     bool
	stats     bool
	force     bool
	sync      bool
	sizeFlag  string
	files     int
	paths     []string

	// Resolved by resolve.
	codec codec.Codec
	chunk int
	mem   int64
	size  int64
	key   []byte
	pass  []byte
}

// The ranges of the numeric flags, which the help repeats: a value
// outside is a usage error, so that no flag can make the command panic,
// hang or run out of memory before it starts.
const (
	maxWorkers = 1024                   // -workers 1..1024
	minChunk   = 4 << 10                // -chunk 4KiB..64MiB (format.MaxChunkSize)
	minTarget  = 100 * time.Microsecond // -chunk-target 0 or 100µs..1s
	maxTarget  = time.Second
	maxMem     = 1 << 40  // -mem up to 1TiB (and at least what one file needs)
	maxDemo    = 16 << 30 // -size 0..16GiB
	maxFiles   = 100_000  // -files 0..100000
)

// newFlagSet declares cmd's flags, bound to a new config.
func newFlagSet(cmd command, e env) (*flag.FlagSet, *config) {
	c := &config{sync: true} // the demo has no -sync flag, and syncs
	fs := flag.NewFlagSet("pipeline "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself, in one line
	has := func(f flagSet) bool { return cmd.flags&f != 0 }
	if has(fWork) {
		fs.IntVar(&c.workers, "workers", min(runtime.GOMAXPROCS(0), maxWorkers), "chunks encoded or decoded at once, by all files together (CPU tokens), 1..1024")
		fs.StringVar(&c.memFlag, "mem", "64MiB", "byte `budget` for buffered chunks, shared by all files (e.g. 16MiB); at least what one chunk needs, at most 1TiB; writing to standard output holds one chunk more, outside it, and the list of files about 1.3 KiB per file")
	}
	if has(fEncode) {
		fs.StringVar(&c.codecFlag, "codec", "zstd", "compression: zstd or deflate (unpack reads it from the header)")
		fs.StringVar(&c.chunkFlag, "chunk", "1MiB", "chunk `size`, 4KiB..64MiB (e.g. 256KiB, 4MiB)")
		fs.IntVar(&c.level, "level", 0, "compression level: zstd 1..22 (default 3), deflate 1..9 (default 6); 1 is the fastest")
		fs.DurationVar(&c.target, "chunk-target", 0, "pick each chunk's size so that compressing it takes about this much CPU `time` (e.g. 2ms), with -chunk the largest and 32KiB the smallest; 0 cuts every chunk to -chunk. The output then differs from run to run")
	}
	if has(fEncrypt) {
		fs.BoolVar(&c.encrypt, "encrypt", false, "encrypt with AES-256-GCM (key from -key-file or -passphrase-env)")
	}
	if has(fKey) {
		fs.StringVar(&c.keyFile, "key-file", "", "read the key from `PATH`: 32 raw bytes or 64 hex digits")
		fs.StringVar(&c.passEnv, "passphrase-env", "", "read a passphrase from environment variable `NAME`")
	}
	if has(fOutput) {
		fs.BoolVar(&c.force, "force", false, "replace existing outputs")
		fs.BoolVar(&c.sync, "sync", true, "sync each output, file and directory, before it counts as done; -sync=false is faster for many small files, but a power cut or a system crash can then leave an output missing, empty or partial (a killed command still cannot)")
	}
	if has(fDemo) {
		fs.StringVar(&c.sizeFlag, "size", "96MiB", "`size` of the demo's big file, 0..16GiB")
		fs.IntVar(&c.files, "files", 48, "number of small files in the demo, 0..100000")
	}
	if has(fCommon) {
		fs.StringVar(&c.metrics, "metrics", "", "serve /metrics and /debug/pprof/ on `ADDR`, HOST:PORT with PORT 0..65535 (e.g. 127.0.0.1:9090), while running; an empty HOST (:9090) serves every network interface, the profiler included")
		traceHelp := "write a runtime/trace to `FILE`, a new file (never an input, an output, the key file or a standard stream)"
		if has(fOutput) {
			traceHelp = "write a runtime/trace to `FILE`, a new file (an existing one only with -force; never an input, an output, the key file or a standard stream)"
		}
		fs.StringVar(&c.trace, "trace", "", traceHelp)
		fs.BoolVar(&c.progress, "progress", e.terminal, "show progress on stderr (default: when stderr is a terminal)")
		fs.BoolVar(&c.quiet, "q", false, "print only errors")
		fs.BoolVar(&c.stats, "stats", false, "print the metrics summary (latency percentiles, tokens, peak bytes) at the end")
	}
	return fs, c
}

// resolve checks the flag values and turns them into what the run uses;
// ctx bounds the wait for a key file that is a pipe.
// Every error names the flag and its range.
func (c *config) resolve(ctx context.Context, cmd command, e env) error {
	if cmd.flags&fWork != 0 {
		if c.workers < 1 || c.workers > maxWorkers {
			return fmt.Errorf("-workers %d: want 1..%d", c.workers, maxWorkers)
		}
		mem, err := units.ParseSize(c.memFlag)
		if err != nil {
			return fmt.Errorf("-mem: %v", err)
		}
		if mem < 1 || mem > maxMem {
			return fmt.Errorf("-mem %s: want 1 byte .. %s", c.memFlag, units.FormatSize(maxMem))
		}
		c.mem = mem
	}
	if cmd.flags&fEncode != 0 {
		if err := c.resolveEncode(); err != nil {
			return err
		}
	}
	if cmd.flags&fDemo != 0 {
		size, err := units.ParseSize(c.sizeFlag)
		if err != nil {
			return fmt.Errorf("-size: %v", err)
		}
		if size > maxDemo {
			return fmt.Errorf("-size %s: want 0 .. %s", c.sizeFlag, units.FormatSize(maxDemo))
		}
		if c.files < 0 || c.files > maxFiles {
			return fmt.Errorf("-files %d: want 0..%d", c.files, maxFiles)
		}
		c.size = size
	}
	if c.metrics != "" {
		if err := checkAddr(c.metrics); err != nil {
			return fmt.Errorf("-metrics %s: %v", c.metrics, err)
		}
	}
	if c.quiet {
		c.progress = false
	}
	return c.resolveKey(ctx, cmd, e)
}

// resolveEncode checks -codec, -chunk and -level: the level's range is the
// codec's.
func (c *config) resolveEncode() error {
	cd, err := codec.ParseCodec(c.codecFlag)
	if err != nil {
		return fmt.Errorf("-codec %s: want zstd or deflate", c.codecFlag)
	}
	c.codec = cd
	chunk, err := units.ParseSize(c.chunkFlag)
	if err != nil {
		return fmt.Errorf("-chunk: %v", err)
	}
	if chunk < minChunk || chunk > format.MaxChunkSize {
		return fmt.Errorf("-chunk %s: want %s .. %s", c.chunkFlag, units.FormatSize(minChunk), units.FormatSize(format.MaxChunkSize))
	}
	c.chunk = int(chunk)
	if c.target != 0 && (c.target < minTarget || c.target > maxTarget) {
		return fmt.Errorf("-chunk-target %v: want 0 or %v..%v", c.target, minTarget, maxTarget)
	}
	lo, hi := cd.Levels()
	if c.level == 0 {
		c.level = cd.DefaultLevel()
	}
	if c.level < lo || c.level > hi {
		return fmt.Errorf("-level %d: want %d..%d for %s", c.level, lo, hi, cd)
	}
	return nil
}

// checkAddr checks a -metrics address before anything starts: HOST:PORT,
// PORT a number 0..65535 (0: any free port).
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want HOST:PORT, e.g. 127.0.0.1:9090")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: want a number 0..65535", port)
	}
	return nil
}

// resolveKey reads the key or passphrase, if one is asked for. Pack
// encrypts only with -encrypt, and then needs exactly one key source;
// unpack and verify take a key source when the container is encrypted.
func (c *config) resolveKey(ctx context.Context, cmd command, e env) error {
	if c.keyFile != "" && c.passEnv != "" {
		return errors.New("give -key-file or -passphrase-env, not both")
	}
	if cmd.flags&fEncrypt != 0 && cmd.flags&fKey != 0 {
		switch {
		case c.encrypt && c.keyFile == "" && c.passEnv == "":
			return errors.New("-encrypt needs a key: -key-file PATH or -passphrase-env NAME")
		case !c.encrypt && (c.keyFile != "" || c.passEnv != ""):
			return errors.New("a key was given without -encrypt: add -encrypt to encrypt the output")
		}
	}
	if c.keyFile != "" {
		key, err := readKeyFile(ctx, c.keyFile)
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err
		}
		if err != nil {
			return fmt.Errorf("-key-file: %v", err)
		}
		c.key = key
	}
	if c.passEnv != "" {
		pass, ok := e.lookup(c.passEnv)
		switch {
		case !ok:
			return fmt.Errorf("-passphrase-env: environment variable %s is not set", c.passEnv)
		case pass == "":
			return fmt.Errorf("-passphrase-env: environment variable %s is empty", c.passEnv)
		}
		c.pass = []byte(pass)
	}
	return nil
}

// maxKeyFile bounds how much of a key file is read: a key is 32 or 64
// bytes, and pointing -key-file at a huge file must not eat memory.
const maxKeyFile = 1024

// readKeyFile reads a key: exactly 32 raw bytes, or 64 hex digits
// (surrounding white space, such as a final newline, is ignored). The file
// may be a pipe (-key-file <(command)): it is opened without blocking, so
// a FIFO nobody writes to reads as empty instead of hanging the open, and
// a read waiting for a writer that is slow to write ends when ctx does.
func readKeyFile(ctx context.Context, path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A pipe's reads go through the runtime's poller, so a deadline in the
	// past wakes one that waits; on a regular file, reads never wait and
	// SetReadDeadline is refused, harmlessly.
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	if len(b) == codec.KeyLen {
		return b, nil
	}
	text := bytes.TrimSpace(b)
	if len(text) == 2*codec.KeyLen {
		key := make([]byte, codec.KeyLen)
		if _, err := hex.Decode(key, text); err == nil {
			return key, nil
		}
	}
	return nil, fmt.Errorf("%s: want %d raw bytes or %d hex digits: %s", quote(path), codec.KeyLen, 2*codec.KeyLen, describeKeyFile(b))
}

// describeKeyFile says precisely what is wrong with a key file, without
// printing any of it.
func describeKeyFile(b []byte) string {
	if len(b) > maxKeyFile {
		return fmt.Sprintf("found more than %d bytes", maxKeyFile)
	}
	text := bytes.TrimSpace(b)
	if i := bytes.IndexFunc(text, func(r rune) bool { return !isHex(r) }); i >= 0 && len(text) >= codec.KeyLen+codec.KeyLen/2 {
		return fmt.Sprintf("found %d bytes, read as hex text: byte %d is not a hex digit", len(b), i+1)
	}
	if bytes.IndexFunc(text, func(r rune) bool { return !isHex(r) }) < 0 && len(text) > 0 {
		return fmt.Sprintf("found %d hex digits (%d bytes with white space), want exactly %d", len(text), len(b), 2*codec.KeyLen)
	}
	return fmt.Sprintf("found %d bytes, neither", len(b))
}

func isHex(r rune) bool {
	return '0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F'
}

// options are the codec options the flags ask for.
func (c config) options() codec.Options {
	return codec.Options{ChunkSize: c.chunk, Codec: c.codec, Level: c.level, Key: c.key, Passphrase: c.pass}
}

// isTerminal reports whether w is a terminal (a character device), the
// cue for showing progress by default.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// adaptive is the engine's chunk sizing for -chunk-target: nil (every
// chunk -chunk) when it is 0.
func (c *config) adaptive() *engine.Adaptive {
	if c.target == 0 {
		return nil
	}
	return &engine.Adaptive{Target: c.target}
}
