package waitgroupreuse

import "sync"

// ServerFixed packs files for clients; Shutdown refuses new packs and then
// waits for the ones in flight.
//
// The mutex orders every Add against Shutdown: an Add happens under it
// while closed is false, and Shutdown sets closed under it before it
// waits. So every Add comes before the Wait, none during it, as the
// WaitGroup's contract requires.
type ServerFixed struct {
	pack     Packer
	mu       sync.Mutex
	closed   bool // guarded by mu
	inflight sync.WaitGroup
}

// NewServerFixed returns a server that packs with pack.
func NewServerFixed(pack Packer) *ServerFixed { return &ServerFixed{pack: pack} }

// Pack packs one file, or returns ErrClosed once Shutdown has begun.
func (s *ServerFixed) Pack(data []byte) ([]byte, error) {
	if !s.admit() {
		return nil, ErrClosed
	}
	defer s.inflight.Done()
	return s.pack(data), nil
}

// admit counts one more pack in flight, unless the server is closed.
func (s *ServerFixed) admit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.inflight.Add(1)
	return true
}

// Shutdown refuses new packs, then returns once no pack is in flight.
func (s *ServerFixed) Shutdown() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.inflight.Wait()
}
