package doublelocking

// PendingFixed returns the bytes queued. The Unlock is deferred right after
// the Lock, so every return path, including ones added later, releases it.
func (w *Writer) PendingFixed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, f := range w.frames {
		n += len(f.Body)
	}
	return n
}
