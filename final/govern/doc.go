// Package govern shares a machine between many files packed at once: a
// Governor hands out CPU tokens (chunk encodes and decodes running), I/O
// tokens (reads and writes in progress) and a byte budget (chunk and frame
// buffers held), so that eight files in flight use the cores, the disk and
// the memory of one well-sized run, not eight times that.
//
// # Order of acquisition
//
// Every goroutine that uses the Governor acquires in one fixed order, and
// that order is what makes deadlock impossible:
//
//  1. bytes, for the buffers a chunk will live in, a worker's compressor
//     or decompressor, or the memory a passphrase's key derivation holds;
//  2. then one token, CPU or I/O, for one step of work on those buffers.
//
// A token is held only for one bounded step (one encode, one read, one
// write) and is released before anything else is waited for. Nobody waits
// for bytes while holding a token, nobody holds two tokens, and a file
// waits for bytes only while it holds none (later it takes only bytes that
// are free at once, see the engine), so no cycle of waiters can form. A file's own limit (its worker count) is structural:
// the engine starts that many worker goroutines, and each asks the global
// Governor for a token only when it has a chunk to work on. Waiting for a
// global token therefore never pins a per-file resource another file needs.
//
// # Strict FIFO, and requests that can never be granted
//
// The budgets are golang.org/x/sync/semaphore.Weighted, which serve waiters
// strictly in arrival order: a large request at the head of the queue holds
// back smaller ones behind it, even when they would fit. That is what keeps
// large requests from starving. A request larger than the whole budget is
// different: it can never be satisfied, so queued it would only wait until
// its context is cancelled (the semaphore does not let it block the others
// meanwhile), and the file would hang without saying why. Such a request
// fails at once with an error wrapping ErrOverBudget that names both sizes.
//
// # Fairness between files: the small lane
//
// Strict FIFO is fair between requests but not between files: a huge file
// keeps the byte budget busy with its chunks, and a small file's request
// queues behind the huge file's next (possibly larger) one. So a part of the
// byte budget, Limits.SmallBytes, is reserved for small files. Call
// Governor.File with a file's size to get its FileGov: a small file takes
// bytes from the shared budget when they are free at once, and otherwise
// from its reserved lane, where it only ever queues behind other small
// files. A huge file cannot touch the lane, so however busy it keeps the
// shared budget, a small file's bytes never wait for one of its releases.
//
// CPU and I/O tokens have no lanes: each worker asks for one token at a
// time, so under FIFO a file waits for at most the tokens already held plus
// one per goroutine queued before it, a bound set by the other files'
// worker counts, not by their sizes.
//
// # Bytes are held as grants
//
// FileGov.AcquireBytes returns a Grant: the bytes, and the lane they came
// from. Whoever holds the memory holds the grant and releases it once, so
// the only count of bytes in use is the Governor's own (Stats.BytesInUse),
// and nothing has to remember which lane to give bytes back to. A grant
// also tells its holder when another file waits for the lane it came from
// (Grant.Wanted), so that a running file gives buffers back instead of
// keeping the most it ever needed.
package govern
