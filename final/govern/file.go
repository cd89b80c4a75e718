package govern

import "context"

// FileGov is a Governor as one file sees it: the same tokens, and bytes
// from the lane the file's size puts it in. Use one FileGov per file (per
// Pack, Unpack or Verify run), for everything that file does; it is safe
// for concurrent use by that run's goroutines.
type FileGov struct {
	g     *Governor
	small bool
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
func (f *FileGov) AcquireBytes(ctx context.Context, n int64) (Grant, error) {
	if err := ctx.Err(); err != nil {
		return Grant{}, err // checked first, as pool.acquire does: a cancelled ctx never acquires
	}
	if g, ok := f.TryAcquireBytes(n); ok {
		return g, nil
	}
	p := f.queueFor(n)
	if err := p.acquire(ctx, n); err != nil {
		return Grant{}, err
	}
	return Grant{p: p, n: n}, nil
}

// TryAcquireBytes takes n bytes if they are free now without waiting, and
// reports whether it did. It never queues, so it never delays anyone.
func (f *FileGov) TryAcquireBytes(n int64) (Grant, bool) {
	for _, p := range []*pool{f.g.shared, f.smallLane()} {
		if p != nil && p.tryAcquire(n) {
			return Grant{p: p, n: n}, true
		}
	}
	return Grant{}, false
}

// docs:endregion small-lane

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

// A Grant is bytes taken from the budget, and the lane they came from.
// Whoever holds the memory holds the grant, and releases it once, when the
// memory is no longer in use. The zero Grant holds nothing.
type Grant struct {
	p *pool
	n int64
}

// Size returns the number of bytes g holds.
func (g Grant) Size() int64 { return g.n }

// Release gives g's bytes back to the lane they came from. Call it once.
func (g Grant) Release() {
	if g.p != nil {
		g.p.release(g.n)
	}
}

// Split divides g into its first n bytes and the rest, from the same
// lane, to be released each on its own. n must be 0..g.Size().
func (g Grant) Split(n int64) (first, rest Grant) {
	if n < 0 || n > g.n {
		panic("govern: Split beyond the grant")
	}
	return Grant{p: g.p, n: n}, Grant{p: g.p, n: g.n - n}
}

// Wanted reports whether another request waits for the lane g came from:
// a holder that can do without these bytes should then release them rather
// than keep them until it ends.
func (g Grant) Wanted() bool { return g.p != nil && g.p.waiting.Load() > 0 }
