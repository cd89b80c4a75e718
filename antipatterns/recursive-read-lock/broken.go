// Package rwr shows the RWR deadlock, a read lock taken twice: a goroutine
// holding a read lock asks for a second one while a writer waits.
// sync.RWMutex makes a new reader wait behind a waiting writer (so writers
// are not starved), the writer waits for the first read lock, and the first
// read lock is never released.
//
// Modelled on kubernetes/kubernetes#58107: goroutines held
// rq.workerLock.RLock() while they waited, a periodic Lock() queued behind
// them, and the read locks taken after it blocked for ever.
package rwr

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// Index records where each frame is in the container. Its methods are
// safe for concurrent use.
type Index struct {
	mu      sync.RWMutex
	offsets []int64
	// held runs while Offset holds its read lock. nil in production; the
	// test uses it to let a writer queue up at exactly that moment.
	held func()
}

// Add records the next frame's offset (a write).
func (x *Index) Add(f pipeline.Frame, offset int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.offsets = append(x.offsets, offset)
}

// Len returns the number of frames recorded (a read).
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.offsets)
}

// OffsetBroken returns frame i's offset, or -1 if there is no frame i. It
// calls Len with the read lock already held.
func (x *Index) OffsetBroken(i int) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.held != nil {
		x.held()
	}
	if i >= x.Len() { // The mistake: a second RLock in the same goroutine.
		return -1
	}
	return x.offsets[i]
}
