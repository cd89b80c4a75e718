package govern

import (
	"context"
	"sync"
)

// FileGov is a Governor as one file sees it: the same tokens, and bytes
// from the lane the file's size puts it in. Use one FileGov per file (per
// Pack or Unpack run); it is safe for concurrent use by that run's
// goroutines.
type FileGov struct {
	g     *Governor
	small bool

	mu        sync.Mutex
	held      int64 // bytes this file holds, from either pool
	fromSmall int64 // of held, bytes taken from the small lane
}

// File returns the FileGov for a file of size bytes. Files of at most
// Limits().SmallFile bytes use the small lane, if there is one; a negative
// size means "unknown" and is treated as large.
func (g *Governor) File(size int64) *FileGov {
	return &FileGov{g: g, small: g.small != nil && size >= 0 && size <= g.limits.SmallFile}
}

// Governor returns the Governor f draws from.
func (f *FileGov) Governor() *Governor { return f.g }

// Small reports whether f draws on the small lane.
func (f *FileGov) Small() bool { return f.small }

// AcquireCPU waits for a CPU token, or until ctx is done.
func (f *FileGov) AcquireCPU(ctx context.Context) error { return f.g.AcquireCPU(ctx) }

// ReleaseCPU returns a CPU token.
func (f *FileGov) ReleaseCPU() { f.g.ReleaseCPU() }

// AcquireIO waits for an I/O token, or until ctx is done.
func (f *FileGov) AcquireIO(ctx context.Context) error { return f.g.AcquireIO(ctx) }

// ReleaseIO returns an I/O token.
func (f *FileGov) ReleaseIO() { f.g.ReleaseIO() }

// docs:region small-lane

// AcquireBytes waits for n bytes, or until ctx is done. A large file queues
// on the shared budget. A small file takes shared bytes only if they are
// free at once, and otherwise queues on the small lane, behind small files
// only. A request that no pool it may use could ever grant fails at once
// with an error wrapping ErrOverBudget.
func (f *FileGov) AcquireBytes(ctx context.Context, n int64) error {
	if err := ctx.Err(); err != nil {
		return err // checked first, as pool.acquire does: a cancelled ctx never acquires
	}
	if f.TryAcquireBytes(n) {
		return nil
	}
	p := f.queueFor(n)
	if err := p.acquire(ctx, n); err != nil {
		return err
	}
	f.charge(p, n)
	return nil
}

// TryAcquireBytes takes n bytes if they are free now without waiting, and
// reports whether it did. It never queues, so it never delays anyone.
func (f *FileGov) TryAcquireBytes(n int64) bool {
	for _, p := range []*pool{f.g.shared, f.smallLane()} {
		if p != nil && p.tryAcquire(n) {
			f.charge(p, n)
			return true
		}
	}
	return false
}

// docs:endregion small-lane

// ReleaseBytes returns n of the bytes f holds. Small-lane bytes go back
// first, since only small files can use them.
func (f *FileGov) ReleaseBytes(n int64) {
	f.mu.Lock()
	fromSmall := min(n, f.fromSmall)
	f.fromSmall -= fromSmall
	f.held -= n
	f.mu.Unlock()
	f.g.bytes.Add(-n)
	if fromSmall > 0 {
		f.g.small.release(fromSmall)
	}
	if n > fromSmall {
		f.g.shared.release(n - fromSmall)
	}
}

// BytesInUse returns how many bytes f holds now.
func (f *FileGov) BytesInUse() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held
}

// Contended reports whether another file is waiting for bytes that f could
// give back: a running file should then return buffers it can do without
// rather than keep them until it ends.
func (f *FileGov) Contended() bool {
	if f.g.shared.waiting.Load() > 0 {
		return true
	}
	return f.fromSmallNow() > 0 && f.g.small.waiting.Load() > 0
}

// smallLane is the lane f may queue on besides the shared budget, or nil.
func (f *FileGov) smallLane() *pool {
	if f.small {
		return f.g.small
	}
	return nil
}

// queueFor picks the pool to wait on: the small lane for a small file whose
// request fits it, the shared budget otherwise.
func (f *FileGov) queueFor(n int64) *pool {
	if lane := f.smallLane(); lane != nil && n <= lane.size {
		return lane
	}
	return f.g.shared
}

func (f *FileGov) charge(p *pool, n int64) {
	f.mu.Lock()
	f.held += n
	if p == f.g.small {
		f.fromSmall += n
	}
	f.mu.Unlock()
	f.g.bytes.Add(n)
}

func (f *FileGov) fromSmallNow() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fromSmall
}
