package ababa

import "context"

// The fix is one order for everyone: every stage that needs both tokens
// takes the I/O token first. A goroutine holding a CPU token then never
// waits for an I/O token, so no cycle can form.

// CompressAndWriteFixed takes the I/O token, then the CPU token.
func (g *Governor) CompressAndWriteFixed(ctx context.Context) error {
	release, err := g.take(ctx, g.IO, g.CPU)
	if err != nil {
		return err
	}
	release()
	return nil
}

// ReadAndCompressFixed takes the I/O token, then the CPU token.
func (g *Governor) ReadAndCompressFixed(ctx context.Context) error {
	return g.CompressAndWriteFixed(ctx)
}
