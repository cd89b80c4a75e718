package engine

// docs:region levels
// levels says how full one run's places to wait are now. The writer's
// FIFO and the pools are channels, and a channel knows how many values it
// holds: len is safe to call from any goroutine, and nothing in the
// pipeline pays for it. Busy workers are the one level counted as it
// changes, in the meter.
func (m *meter) levels() Levels {
	lv := Levels{Busy: m.busy.Load()}
	if f := m.places.Load(); f != nil {
		(*f)(&lv)
	}
	return lv
}

// watch makes levels report the run's FIFO and pools.
func (m *meter) watch(places func(*Levels)) { m.places.Store(&places) }

func (p *packRun) levels(lv *Levels) {
	lv.WriteQueue, lv.WriteQueueCap = int64(len(p.queue)), int64(cap(p.queue))
	lv.Workers = int64(p.workers)
	lv.InputBuffers, lv.InputSlots = p.inputs.out(), int64(cap(p.inputs.free))
	lv.OutputBuffers, lv.OutputSlots = p.frames.out(), int64(cap(p.frames.free))
}

// docs:endregion levels

func (u *unpackRun) levels(lv *Levels) {
	lv.WriteQueue, lv.WriteQueueCap = int64(len(u.queue)), int64(cap(u.queue))
	lv.Workers = int64(u.workers)
	lv.InputBuffers, lv.InputSlots = u.bodies.out(), int64(cap(u.bodies.free))
	lv.OutputBuffers, lv.OutputSlots = u.chunks.out(), int64(cap(u.chunks.free))
}

// out is how many of the pool's buffers are out now.
func (p *pool) out() int64 { return int64(cap(p.free) - len(p.free)) }
