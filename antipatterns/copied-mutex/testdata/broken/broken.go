// Command broken records the frames eight workers write in a Stats whose
// Record method has a value receiver, and prints the totals.
package main

import (
	"fmt"
	"sync"
)

// Stats counts the frames written and their bytes. It is safe for
// concurrent use, or meant to be.
type Stats struct {
	mu     sync.Mutex
	frames int
	bytes  int
}

// Record adds one frame of n bytes.
func (s Stats) Record(n int) { // The mistake: a value receiver; s is a copy, lock and all.
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

func main() {
	const workers = 8
	var (
		stats Stats
		wg    sync.WaitGroup
	)
	for i := range workers {
		wg.Go(func() { stats.Record(1000 + i) })
	}
	wg.Wait()
	frames, bytes := stats.Totals()
	fmt.Printf("recorded %d of %d frames, %d bytes\n", frames, workers, bytes)
}
