package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/core/units"
)

// flagSet says which flags a command takes.
type flagSet uint

const (
	fWork    flagSet = 1 << iota // -workers -mem
	fEncode                      // -chunk -level
	fEncrypt                     // -encrypt
	fKey                         // -key-file -passphrase-env
	fOutput                      // -force
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
	chunkFlag string
	level     int
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
	sizeFlag  string
	files     int
	paths     []string

	// Resolved by resolve.
	chunk int
	mem   int64
	size  int64
	key   []byte
	pass  []byte
}

// newFlagSet declares cmd's flags, bound to a new config.
func newFlagSet(cmd command, e env) (*flag.FlagSet, *config) {
	c := &config{}
	fs := flag.NewFlagSet("pipeline "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself, in one line
	has := func(f flagSet) bool { return cmd.flags&f != 0 }
	if has(fWork) {
		fs.IntVar(&c.workers, "workers", runtime.GOMAXPROCS(0), "chunks encoded or decoded at once, by all files together (CPU tokens)")
		fs.StringVar(&c.memFlag, "mem", "64MiB", "byte `budget` for buffered chunks, shared by all files (e.g. 16MiB)")
	}
	if has(fEncode) {
		fs.StringVar(&c.chunkFlag, "chunk", "1MiB", "chunk `size` (e.g. 256KiB, 4MiB)")
		fs.IntVar(&c.level, "level", codec.DefaultLevel, "DEFLATE level 1 (fastest) .. 9 (smallest)")
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
	}
	if has(fDemo) {
		fs.StringVar(&c.sizeFlag, "size", "96MiB", "`size` of the demo's big file")
		fs.IntVar(&c.files, "files", 48, "number of small files in the demo")
	}
	if has(fCommon) {
		fs.StringVar(&c.metrics, "metrics", "", "serve /metrics and /debug/pprof/ on `ADDR` (e.g. 127.0.0.1:9090) while running")
		fs.StringVar(&c.trace, "trace", "", "write a runtime/trace to `FILE` (go tool trace FILE)")
		fs.BoolVar(&c.progress, "progress", e.terminal, "show progress on stderr (default: when stderr is a terminal)")
		fs.BoolVar(&c.quiet, "q", false, "print only errors")
		fs.BoolVar(&c.stats, "stats", false, "print the metrics summary (latency percentiles, tokens, peak bytes) at the end")
	}
	return fs, c
}

// resolve checks the flag values and turns them into what the run uses.
// Every error names the flag.
func (c *config) resolve(cmd command, e env) error {
	if cmd.flags&fWork != 0 {
		if c.workers < 1 {
			return fmt.Errorf("-workers %d: want at least 1", c.workers)
		}
		mem, err := units.ParseSize(c.memFlag)
		if err != nil {
			return fmt.Errorf("-mem: %v", err)
		}
		if mem < 1 {
			return fmt.Errorf("-mem %s: want at least 1 byte", c.memFlag)
		}
		c.mem = mem
	}
	if cmd.flags&fEncode != 0 {
		chunk, err := units.ParseSize(c.chunkFlag)
		if err != nil {
			return fmt.Errorf("-chunk: %v", err)
		}
		if chunk < 1 || chunk > format.MaxChunkSize {
			return fmt.Errorf("-chunk %s: want 1 byte .. %s", c.chunkFlag, units.FormatSize(format.MaxChunkSize))
		}
		if c.level < 1 || c.level > 9 {
			return fmt.Errorf("-level %d: want 1..9", c.level)
		}
		c.chunk = int(chunk)
	}
	if cmd.flags&fDemo != 0 {
		size, err := units.ParseSize(c.sizeFlag)
		if err != nil {
			return fmt.Errorf("-size: %v", err)
		}
		if c.files < 0 {
			return fmt.Errorf("-files %d: want 0 or more", c.files)
		}
		c.size = size
	}
	if c.quiet {
		c.progress = false
	}
	return c.resolveKey(cmd, e)
}

// resolveKey reads the key or passphrase, if one is asked for. Pack
// encrypts only with -encrypt, and then needs exactly one key source;
// unpack and verify take a key source when the container is encrypted.
func (c *config) resolveKey(cmd command, e env) error {
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
		key, err := readKeyFile(c.keyFile)
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
// (surrounding white space, such as a final newline, is ignored).
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
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
	return nil, fmt.Errorf("%s: want %d raw bytes or %d hex digits, found %s", path, codec.KeyLen, 2*codec.KeyLen, describeKeyFile(b))
}

// describeKeyFile says what a bad key file holds, without printing it.
func describeKeyFile(b []byte) string {
	if len(b) > maxKeyFile {
		return fmt.Sprintf("more than %d bytes", maxKeyFile)
	}
	return fmt.Sprintf("%d bytes", len(b))
}

// options are the codec options the flags ask for.
func (c config) options() codec.Options {
	return codec.Options{ChunkSize: c.chunk, Level: c.level, Key: c.key, Passphrase: c.pass}
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
