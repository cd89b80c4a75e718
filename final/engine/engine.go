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
}

// Engine packs and unpacks with the stages described in the package
// documentation. It is safe for concurrent use; concurrent runs share its
// governor.
type Engine struct {
	cfg  Config
	size int64 // size of the input, if known, for the governor's lanes; -1 = unknown
}

// New returns an Engine with cfg, zero fields filled in. A private governor
// has Workers CPU tokens and a byte budget large enough for any valid chunk
// size; pass a shared Governor to bound memory across engines.
func New(cfg Config) *Engine {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 2*cfg.Workers + 2
	}
	if cfg.Governor == nil {
		cfg.Governor = govern.New(govern.Limits{CPU: cfg.Workers, Bytes: 2 * MinBytes(format.MaxChunkSize)})
	}
	cfg.Metrics.WatchGovernor(cfg.Governor)
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

// MinBytes is the byte budget one run needs at the least: the buffers of
// one chunk of chunkSize bytes and of its frame, which is what each chunk
// in flight is charged. A governor budget smaller than that makes runs
// fail at once with govern.ErrOverBudget.
func MinBytes(chunkSize int) int64 {
	return int64(chunkSize + format.FrameHeaderLen + format.MaxBodyLen(chunkSize))
}

// startRun begins one run of op: its runtime/trace task and its metrics.
// The caller must call end with the run's result.
func (e *Engine) startRun(ctx context.Context, op Op) (_ context.Context, end func(error)) {
	ctx, task := trace.NewTask(ctx, op.String())
	m := e.cfg.Metrics
	m.RunStarted()
	return ctx, func(err error) {
		m.RunDone(err)
		task.End()
	}
}

// Pack reads src to its end and writes it to dst as a container, exactly
// the bytes oracle.Pack writes for the same input and options.
func (e *Engine) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) (err error) {
	ctx, end := e.startRun(ctx, Pack)
	defer func() { end(err) }()
	if err := ctx.Err(); err != nil {
		return err
	}
	var s *codec.Session
	err = e.deriveKeys(ctx, o, func() (err error) {
		s, err = codec.NewPackSession(o)
		return err
	})
	if err != nil {
		return cancelled(ctx, err)
	}
	p := newPackSteps(s, dst, src)
	// The header comes first, before the run: a cancelled or failing
	// destination is found before any chunk is read.
	if err := e.container(ctx, Pack, stageWrite, p.start); err != nil {
		return cancelled(ctx, err)
	}
	return e.execute(ctx, Pack, p, MinBytes(s.Header().ChunkSize))
}

// Unpack reads a container from src and writes the original bytes to dst.
// Each chunk is verified before it is written and the whole-file digest at
// the end, so on error dst may hold a verified prefix of the original.
func (e *Engine) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	return e.unpack(ctx, Unpack, dst, src, o)
}

// Verify reads a container from src and checks all of it, exactly as
// Unpack does, without writing the result anywhere.
func (e *Engine) Verify(ctx context.Context, src io.Reader, o codec.Options) error {
	return e.unpack(ctx, Verify, nil, src, o)
}

// Run runs op from src to dst: Pack, Unpack, or Verify (which ignores
// dst). It is for callers that hold an Op, such as a runner of many files.
func (e *Engine) Run(ctx context.Context, op Op, dst io.Writer, src io.Reader, o codec.Options) error {
	switch op {
	case Pack:
		return e.Pack(ctx, dst, src, o)
	case Unpack:
		return e.Unpack(ctx, dst, src, o)
	case Verify:
		return e.Verify(ctx, src, o)
	}
	return fmt.Errorf("engine: unknown %v", op)
}

func (e *Engine) unpack(ctx context.Context, op Op, dst io.Writer, src io.Reader, o codec.Options) (err error) {
	ctx, end := e.startRun(ctx, op)
	defer func() { end(err) }()
	if err := ctx.Err(); err != nil {
		return err
	}
	o, err = o.WithDefaults()
	if err != nil {
		return err
	}
	u := newUnpackSteps(src, dst, o)
	// The header comes first, before the run: the chunk size it declares
	// sizes the run's jobs.
	if err := e.container(ctx, op, stageRead, u.start); err != nil {
		return cancelled(ctx, err)
	}
	err = e.deriveKeys(ctx, o, func() error {
		if err := u.newSession(); err != nil {
			return &Error{Op: op, Stage: stageRead, Frame: -1, Err: err}
		}
		return nil
	})
	if err != nil {
		return cancelled(ctx, err)
	}
	return e.execute(ctx, op, u, MinBytes(u.session.Header().ChunkSize))
}

// deriveKeys runs newSession, which derives the container's keys. With a
// passphrase that is Argon2id: tens of milliseconds of one core and
// codec.KDFMemory bytes, on purpose. So it is governed like a chunk: it
// takes those bytes first, then a CPU token, and gives both back before
// the run starts taking its own. A thousand small files opened at once
// then derive a few keys at a time, within the budget, not a thousand.
func (e *Engine) deriveKeys(ctx context.Context, o codec.Options, newSession func() error) error {
	need := o.KDFBytes()
	if need == 0 {
		return newSession() // a key file: HKDF only, nothing to govern
	}
	fg := e.cfg.Governor.File(e.size)
	if err := fg.AcquireBytes(ctx, need); err != nil {
		return fmt.Errorf("deriving the key from the passphrase: %w", err)
	}
	defer fg.ReleaseBytes(need)
	if err := fg.AcquireCPU(ctx); err != nil {
		return err
	}
	defer fg.ReleaseCPU()
	return newSession()
}

// container reads or writes the container's header or trailer with f,
// under an I/O token, and counts the bytes f says it wrote.
func (e *Engine) container(ctx context.Context, op Op, stage string, f func() (int, error)) error {
	g, m := e.cfg.Governor, e.cfg.Metrics
	if err := g.AcquireIO(ctx); err != nil {
		return err
	}
	defer g.ReleaseIO()
	start := m.Now()
	n, err := f()
	if n > 0 {
		m.Wrote(n, m.Since(start))
	}
	if err != nil {
		return &Error{Op: op, Stage: stage, Frame: -1, Err: err}
	}
	return nil
}

// execute runs s with jobs of slot bytes and returns the run's error.
func (e *Engine) execute(ctx context.Context, op Op, s steps, slot int64) error {
	r := newRun(e, op, s, slot)
	err := r.execute(ctx)
	r.close()
	return cancelled(ctx, err)
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
