package copiedmutex

import "sync"

// Stats counts the frames written and their bytes. It is safe for
// concurrent use. A struct that holds a mutex is used through a pointer
// only: every method has a pointer receiver, and it is never passed,
// returned or assigned by value (go vet's copylocks check reports each
// of those).
type Stats struct {
	mu     sync.Mutex
	frames int
	bytes  int
}

// Record adds one frame of n bytes.
func (s *Stats) Record(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames++
	s.bytes += n
}

// Totals returns what has been recorded.
func (s *Stats) Totals() (frames, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames, s.bytes
}

// RecordAll records one frame of each size in sizes, one goroutine each:
// what the broken program under testdata does, with the fixed Stats.
func RecordAll(sizes []int) *Stats {
	var (
		stats Stats
		wg    sync.WaitGroup
	)
	for _, n := range sizes {
		wg.Go(func() { stats.Record(n) })
	}
	wg.Wait()
	return &stats
}
