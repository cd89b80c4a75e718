// Package ababa shows an AB-BA deadlock on the CPU and I/O tokens: two
// goroutines take the same two resources in opposite orders, and each ends
// up holding the one the other waits for. Here the resources are the
// governor's CPU and I/O tokens (x/sync semaphores, as in lesson 06).
//
// Modelled on cockroachdb/cockroach#10214: one path locked coalescedMu and
// then raftMu, another raftMu and then coalescedMu. The fix there, as here,
// was one order for everyone.
package ababa

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Governor holds the tokens every stage must take: one CPU token to
// compress, one I/O token to read or write.
type Governor struct {
	CPU, IO *semaphore.Weighted
	// between runs after a stage takes its first token and before its
	// second. nil in production; the test uses it to hold both stages at
	// that point, the schedule production hits now and then.
	between func()
}

// NewGovernor returns a governor with one token of each kind.
func NewGovernor() *Governor {
	return &Governor{CPU: semaphore.NewWeighted(1), IO: semaphore.NewWeighted(1)}
}

// take acquires first and then second, calling between in the middle. It
// returns a function that releases both, or ctx's error.
func (g *Governor) take(ctx context.Context, first, second *semaphore.Weighted) (func(), error) {
	if err := first.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	if g.between != nil {
		g.between()
	}
	if err := second.Acquire(ctx, 1); err != nil {
		first.Release(1)
		return nil, err
	}
	return func() { second.Release(1); first.Release(1) }, nil
}

// CompressAndWriteBroken holds a CPU token to compress a chunk and then an
// I/O token to write its frame.
func (g *Governor) CompressAndWriteBroken(ctx context.Context) error {
	release, err := g.take(ctx, g.CPU, g.IO)
	if err != nil {
		return err
	}
	release()
	return nil
}

// ReadAndCompressBroken holds an I/O token to read a chunk and then a CPU
// token to compress it: the opposite order.
func (g *Governor) ReadAndCompressBroken(ctx context.Context) error {
	release, err := g.take(ctx, g.IO, g.CPU) // The mistake: I/O first here.
	if err != nil {
		return err
	}
	release()
	return nil
}
