package lockacrosssend

import "packcourse/antipatterns/internal/pipeline"

// WriteFixed counts the frame under the lock and reports it after
// releasing it: the lock guards the counter, never a wait on another
// goroutine. (Lesson 03's writer holds no lock at all: it owns its state.)
func (w *Writer) WriteFixed(f pipeline.Frame) {
	w.mu.Lock()
	w.written++
	w.mu.Unlock()
	if w.sending != nil {
		w.sending()
	}
	w.Events <- f.Index
}
