// Package doublelocking shows double locking, a lock never released: a
// method returns on one path with its mutex still locked, and the next Lock
// on that mutex, from any goroutine, waits for ever.
//
// Modelled on moby/moby#17176: devicemapper's nrDeletedDevices took
// devices.Lock() and did not drop it when there were no deleted devices,
// blocking every later device operation.
package doublelocking

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// Writer collects frames until they are flushed. Its methods are safe for
// concurrent use.
type Writer struct {
	mu     sync.Mutex
	frames []pipeline.Frame
}

// Add queues a frame.
func (w *Writer) Add(f pipeline.Frame) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames = append(w.frames, f)
}

// PendingBroken returns the bytes queued. With nothing queued it returns
// without unlocking.
func (w *Writer) PendingBroken() int {
	w.mu.Lock()
	if len(w.frames) == 0 {
		return 0 // The mistake: this path keeps the lock.
	}
	n := 0
	for _, f := range w.frames {
		n += len(f.Body)
	}
	w.mu.Unlock()
	return n
}
