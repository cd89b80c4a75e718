package condnever

// GetFixed waits for a free buffer or for the pool to close. The wait
// loop tests every condition that should end the wait, not just the happy
// one.
func (p *Pool) GetFixed() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.free) == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return nil, ErrClosed
	}
	b := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return b, nil
}

// CloseFixed marks the pool closed and wakes every waiter: a change that
// can end more than one wait is announced with Broadcast.
func (p *Pool) CloseFixed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.cond.Broadcast()
}
