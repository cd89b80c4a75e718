package engine

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/trace"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/final/govern"
	"packcourse/final/obs"
)

// Config configures an Engine. The zero value works: GOMAXPROCS workers,
// a private governor, no metrics.
type Config struct {
	Workers  int              // worker goroutines per run; 0 = GOMAXPROCS
	Governor *govern.Governor // shared by every run of every engine using it; nil = a private one
	Metrics  *obs.Metrics     // nil = none

	// InFlight is the most chunks one run holds at once (being read,
	// waiting, being encoded or decoded, waiting to be written, being
	// written), and so its buffers; 0 = 2*Workers + 2.
	InFlight int

	// Adaptive, if set, has Pack pick each chunk's size toward a target
	// CPU time per chunk, under the options' ChunkSize (see Adaptive).
	// Nil = every chunk is ChunkSize, and Pack writes oracle.Pack's bytes.
	Adaptive *Adaptive
}

// Engine packs and unpacks with the stages described in the package
// documentation. It is safe for concurrent use; concurrent runs share its
// governor.
type Engine struct {
	cfg  Config
	size int64 // size of the input, if known, for the governor's lanes; -1 = unknown
}

// New returns an Engine with cfg, zero fields filled in. A private governor
// has Workers CPU tokens and a byte budget large enough for a run with any
// valid options; pass a shared Governor to bound memory across engines.
func New(cfg Config) *Engine {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 2*cfg.Workers + 2
	}
	if cfg.Governor == nil {
		largest := codec.Options{Codec: codec.Zstd, Level: 22, ChunkSize: format.MaxChunkSize}
		cfg.Governor = govern.New(govern.Limits{CPU: cfg.Workers, Bytes: 2 * MinBytes(Pack, largest)})
	}
	cfg.Metrics.WatchResources(resourcesOf(cfg.Governor))
	cfg.Metrics.DeclareWork(Pack.work(), Unpack.work())
	return &Engine{cfg: cfg, size: -1}
}

// Config returns the engine's configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// ForFile returns an engine like e for inputs of size bytes (a file whose
// size is known): its runs take bytes from the governor lane that size
// belongs to (see govern.Governor.File). A negative size means unknown.
func (e *Engine) ForFile(size int64) *Engine {
	f := *e
	f.size = size
	return &f
}

// MinBytes is the byte budget a run of op with options o needs at the
// least: the buffers of one chunk and its frame, and one worker's
// compressor (Pack) or decompressor (Unpack, Verify). For Unpack and
// Verify, o's Codec and ChunkSize stand for the container's. A passphrase's
// key derivation is charged before those, not with them. A governor budget
// smaller than MinBytes makes runs fail at once with govern.ErrOverBudget.
func MinBytes(op Op, o codec.Options) int64 {
	size := o.ChunkSize
	if size <= 0 {
		size = format.DefaultChunkSize
	}
	return max(jobBytes(size)+coderBytes(op, o), o.KDFBytes())
}

// jobBytes is what one job is charged: the buffers of a chunk of
// chunkSize bytes and of its frame.
func jobBytes(chunkSize int) int64 {
	return int64(chunkSize + format.FrameHeaderLen + format.MaxBodyLen(chunkSize))
}

// coderBytes is what one worker's Encoder (Pack) or Decoder holds.
func coderBytes(op Op, o codec.Options) int64 {
	if op == Pack {
		return codec.EncoderMemory(o)
	}
	return codec.DecoderMemory(o.Codec)
}

// Pack reads src to its end and writes it to dst as a container, exactly
// the bytes oracle.Pack writes for the same input and options.
func (e *Engine) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	return e.Run(ctx, Pack, dst, src, o)
}

// Unpack reads a container from src and writes the original bytes to dst.
// Each chunk is verified before it is written and the whole-file digest at
// the end, so on error dst may hold a verified prefix of the original.
func (e *Engine) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	return e.Run(ctx, Unpack, dst, src, o)
}

// Verify reads a container from src and checks all of it, exactly as
// Unpack does, without writing the result anywhere.
func (e *Engine) Verify(ctx context.Context, src io.Reader, o codec.Options) error {
	return e.Run(ctx, Verify, nil, src, o)
}

// Run runs op from src to dst: Pack, Unpack, or Verify (which writes
// nothing and ignores dst). Every run goes through here: it is one
// runtime/trace task and one run in the metrics, and it owns one FileGov.
func (e *Engine) Run(ctx context.Context, op Op, dst io.Writer, src io.Reader, o codec.Options) (err error) {
	ctx, task := trace.NewTask(ctx, op.String())
	defer task.End()
	m := e.cfg.Metrics
	m.RunStarted()
	defer func() { m.RunDone(err) }()
	if err := ctx.Err(); err != nil {
		return err
	}
	s, err := newSteps(op, dst, src, o, e.cfg.Adaptive)
	if err != nil {
		return err
	}
	r := newRun(e, op, s, o)
	defer r.close()
	return cancelled(ctx, r.execute(ctx))
}

// newSteps returns what op does at each step of a run; a Pack's chunk
// sizes adapt when a is set.
func newSteps(op Op, dst io.Writer, src io.Reader, o codec.Options, a *Adaptive) (steps, error) {
	o, err := o.WithDefaults()
	if err != nil {
		return nil, err
	}
	switch op {
	case Pack:
		p := newPackSteps(dst, src, o)
		p.adaptive = a
		return p, nil
	case Unpack:
		return newUnpackSteps(src, dst, o), nil
	case Verify:
		return newUnpackSteps(src, nil, o), nil
	}
	return nil, fmt.Errorf("engine: unknown %v", op)
}

// resourcesOf reports g's figures the way obs receives them.
func resourcesOf(g *govern.Governor) func() obs.Resources {
	return func() obs.Resources {
		s, l := g.Stats(), g.Limits()
		return obs.Resources{
			CPU:   obs.Resource{InUse: int64(s.CPUInUse), Peak: int64(s.PeakCPU), Limit: int64(l.CPU), Waits: s.CPUWaits},
			IO:    obs.Resource{InUse: int64(s.IOInUse), Peak: int64(s.PeakIO), Limit: int64(l.IO), Waits: s.IOWaits},
			Bytes: obs.Resource{InUse: s.BytesInUse, Peak: s.PeakBytes, Limit: l.Bytes, Waits: s.BytesWaits},
		}
	}
}

// cancelled returns ctx's error in place of err once ctx is done: a run
// the caller cancelled reports that, not what the cancellation broke.
func cancelled(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Error is a run's failure, located.
type Error struct {
	Op    Op     // Pack, Unpack or Verify
	Stage string // "read", "encode", "decode" or "write"
	Frame int    // index of the chunk or frame; -1 for the header and trailer
	Err   error
}

func (e *Error) Error() string {
	if e.Frame < 0 {
		return fmt.Sprintf("%s: %s: %v", e.Op, e.Stage, e.Err)
	}
	return fmt.Sprintf("%s: %s frame %d: %v", e.Op, e.Stage, e.Frame, e.Err)
}

// Unwrap returns the underlying error, so errors.Is sees format.Err*,
// io.ErrShortWrite and the reader's or writer's own errors.
func (e *Error) Unwrap() error { return e.Err }

// The stages that name themselves in errors and trace regions.
const (
	stageRead   = "read"
	stageEncode = "encode"
	stageDecode = "decode"
	stageWrite  = "write"
)
