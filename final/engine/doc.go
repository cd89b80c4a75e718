// Package engine is the course's finished pipeline: it packs and unpacks
// with every core, streams with bounded memory, writes frames in input
// order, shares CPU, I/O and memory with other files through a
// govern.Governor, and reports what it does to an obs.Metrics.
//
// A run (one Pack, Unpack or Verify) is three stages joined by channels:
//
//	src --> [ reader ] ---- order: FIFO of jobs, in input order ----> [ writer ] --> dst
//	          |    ^                                                    ^    |
//	        work  take                                        job.done  |   put
//	          |    |                                                    |    |
//	          |    +------------- pool: at most InFlight jobs <---------|----+
//	          v                                                         |
//	     [ worker ] x Workers -------------------------------------------+
//
//	reader: bytes for each new job (from the governor), an I/O token per read
//	worker: a CPU token per encode or decode
//	writer: an I/O token per write
//
// The reader takes a job (buffers for one chunk) from the run's pool, reads
// the next chunk or frame into it under an I/O token, then sends the job to
// the writer's FIFO (order) before handing it to a worker (work): the FIFO
// is filled in input order, so the writer emits frames in order whatever
// order the workers finish in. A worker encodes or decodes under a CPU
// token and signals the job's done channel, the job's future. The writer
// waits for the future at the head of the FIFO, writes under an I/O token,
// adds the chunk's checksum to the digest (in order, so the trailer does
// not depend on timing), and gives the job back to the pool.
//
// Memory is bounded by the pool: at most Config.InFlight jobs exist per
// run, and each is charged to the governor's byte budget (MinBytes of the
// chunk size) from its creation to the end of the run, or until the writer
// gives it back early because another file waits for bytes. The first job
// of a run waits for its bytes; later ones are taken only if the budget has
// room at once, so a running file never queues for memory while its own
// jobs are in flight. That, and the governor's acquisition order (bytes,
// then one token at a time), is why runs sharing a governor cannot
// deadlock, whatever the budget, as long as it holds one job.
//
// An input of one chunk (a small file) skips the pipeline: the calling
// goroutine reads, encodes and writes it, with the same tokens and budget.
//
// Every goroutine a run starts has ended when the run returns. The reader
// ends at the last chunk, on an error, or when the run's context is done,
// and closes both channels; workers end when work is closed or the context
// is done; the writer ends when the FIFO is closed and drained, or the
// context is done. The first error cancels the run's context (errgroup), so
// every stage stops at its next blocking point, and it is returned as an
// *Error naming the run, the stage and the frame. If the caller's context
// was cancelled, the run returns the context's error instead. A Read or
// Write that blocks forever cannot be interrupted by a context: close the
// file or pipe to end it.
//
// I/O tokens are held for the length of one Read or Write. They are meant
// for files; do not connect two runs sharing a governor through an
// in-process pipe, where a write waits for the other run's read and its
// I/O token.
package engine
