package rwr

// OffsetFixed returns frame i's offset, or -1 if there is no frame i. It
// takes the read lock once: code that runs under the lock reads the fields
// directly (or calls helpers documented to need the lock held) instead of
// calling methods that lock again.
func (x *Index) OffsetFixed(i int) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.held != nil {
		x.held()
	}
	if i >= len(x.offsets) {
		return -1
	}
	return x.offsets[i]
}
