// Package lockacrosssend shows a mixed deadlock of a lock and a channel: a
// goroutine sends on a channel while holding a mutex, and the goroutine
// that would receive must take that mutex first.
//
// Modelled on moby/moby#28462: StateChanged held the container's lock and
// sent on the health monitor's stop channel, while the monitor goroutine
// was trying to take the same lock before it would receive.
package lockacrosssend

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// Writer writes frames and reports each one on Events. Stats is safe to
// call at any time, from any goroutine.
type Writer struct {
	mu      sync.Mutex
	written int
	Events  chan int // the index of each frame written; unbuffered
	// sending runs just before a frame's event is sent. nil in
	// production; the test uses it to start the reader at that moment.
	sending func()
}

// NewWriter returns a writer whose events someone must receive.
func NewWriter() *Writer { return &Writer{Events: make(chan int)} }

// Stats returns the number of frames written.
func (w *Writer) Stats() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written
}

// WriteBroken counts the frame and reports it, all under the lock.
func (w *Writer) WriteBroken(f pipeline.Frame) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written++
	if w.sending != nil {
		w.sending()
	}
	w.Events <- f.Index // The mistake: a blocking send with the lock held.
}
