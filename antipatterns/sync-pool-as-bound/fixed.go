package poolasbound

// PoolFixed holds exactly size buffers in a buffered channel. Get takes
// one, waiting while all are out; Put gives it back. The channel's
// capacity is the bound: no code path makes a buffer after NewPoolFixed.
// (Lesson 04's bounded pool is this, with a context on Get.)
type PoolFixed struct {
	free chan []byte
	size int
}

// NewPoolFixed returns a pool of size buffers of bufSize bytes.
func NewPoolFixed(size, bufSize int) *PoolFixed {
	p := &PoolFixed{free: make(chan []byte, size), size: size}
	for range size {
		p.free <- make([]byte, bufSize)
	}
	return p
}

// Get returns a buffer, waiting while all of them are in use.
func (p *PoolFixed) Get() []byte { return <-p.free }

// Put gives a buffer back. Putting more buffers than Get handed out
// blocks: a mistake the bound makes visible instead of hiding.
func (p *PoolFixed) Put(buf []byte) { p.free <- buf }

// Allocated reports how many buffers the pool made: size, always.
func (p *PoolFixed) Allocated() int { return p.size }
