package govern

import (
	"context"
	"runtime"

	"packcourse/final/internal/highwater"
)

// Default sizes, used for zero fields of Limits.
const (
	DefaultIO        = 4
	DefaultBytes     = 64 << 20
	DefaultSmallFile = 1 << 20
)

// Limits are a Governor's sizes. Zero fields get defaults.
type Limits struct {
	CPU   int   // chunk encodes and decodes running at once; 0 = runtime.GOMAXPROCS(0)
	IO    int   // reads and writes in progress at once; 0 = DefaultIO
	Bytes int64 // chunk and frame buffer bytes held at once, by all files together; 0 = DefaultBytes

	// SmallFile is the size, in bytes, up to which a file is small and may
	// use the small lane; 0 = DefaultSmallFile.
	SmallFile int64
	// SmallBytes is the part of Bytes reserved for small files; 0 = Bytes/8,
	// negative = no small lane. It is capped at half of Bytes.
	SmallBytes int64
}

// withDefaults fills in zero fields and normalises the rest.
func (l Limits) withDefaults() Limits {
	if l.CPU <= 0 {
		l.CPU = runtime.GOMAXPROCS(0)
	}
	if l.IO <= 0 {
		l.IO = DefaultIO
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultBytes
	}
	if l.SmallFile <= 0 {
		l.SmallFile = DefaultSmallFile
	}
	switch {
	case l.SmallBytes < 0:
		l.SmallBytes = -1
	case l.SmallBytes == 0:
		l.SmallBytes = l.Bytes / 8
	}
	l.SmallBytes = min(l.SmallBytes, l.Bytes/2)
	if l.SmallBytes == 0 { // a budget of one byte has no room for a lane
		l.SmallBytes = -1
	}
	return l
}

// A Governor hands out CPU tokens, I/O tokens and bytes to every file of a
// process. It is safe for concurrent use; see the package documentation
// for the order in which to acquire. Bytes are taken through a FileGov.
type Governor struct {
	limits Limits
	cpu    *pool
	io     *pool
	shared *pool           // Bytes less the small lane: every file may draw from it
	small  *pool           // the small lane, nil when there is none
	bytes  highwater.Gauge // bytes held from both lanes: the one count of them
}

// New returns a Governor with the given limits; zero fields get defaults.
func New(l Limits) *Governor {
	l = l.withDefaults()
	g := &Governor{limits: l}
	g.cpu = newPool("CPU tokens", int64(l.CPU), new(highwater.Gauge))
	g.io = newPool("I/O tokens", int64(l.IO), new(highwater.Gauge))
	shared := l.Bytes
	if l.SmallBytes > 0 {
		shared -= l.SmallBytes
		g.small = newPool("small-file lane of the byte budget", l.SmallBytes, &g.bytes)
	}
	g.shared = newPool("byte budget", shared, &g.bytes)
	return g
}

// Limits returns the Governor's limits with defaults filled in. A missing
// small lane is reported as SmallBytes -1, so New(g.Limits()) makes an
// equal Governor.
func (g *Governor) Limits() Limits { return g.limits }

// AcquireCPU waits for a CPU token, or until ctx is done.
func (g *Governor) AcquireCPU(ctx context.Context) error { return g.cpu.acquire(ctx, 1) }

// ReleaseCPU returns a CPU token.
func (g *Governor) ReleaseCPU() { g.cpu.release(1) }

// AcquireIO waits for an I/O token, or until ctx is done.
func (g *Governor) AcquireIO(ctx context.Context) error { return g.io.acquire(ctx, 1) }

// ReleaseIO returns an I/O token.
func (g *Governor) ReleaseIO() { g.io.release(1) }

// Stats is a snapshot of a Governor's use.
type Stats struct {
	CPUInUse   int   // CPU tokens held now
	IOInUse    int   // I/O tokens held now
	BytesInUse int64 // bytes held now, small lane included

	PeakCPU   int   // most CPU tokens ever held at once
	PeakIO    int   // most I/O tokens ever held at once
	PeakBytes int64 // most bytes ever held at once

	CPUWaits   int64 // CPU acquisitions that had to wait
	IOWaits    int64 // I/O acquisitions that had to wait
	BytesWaits int64 // byte acquisitions that had to wait
}

// Stats returns the Governor's use so far. Each field is read atomically,
// but the fields are not one atomic snapshot.
func (g *Governor) Stats() Stats {
	s := Stats{
		CPUInUse:   int(g.cpu.held.Load()),
		IOInUse:    int(g.io.held.Load()),
		BytesInUse: g.bytes.Load(),
		PeakCPU:    int(g.cpu.held.Peak()),
		PeakIO:     int(g.io.held.Peak()),
		PeakBytes:  g.bytes.Peak(),
		CPUWaits:   g.cpu.waits.Load(),
		IOWaits:    g.io.waits.Load(),
		BytesWaits: g.shared.waits.Load(),
	}
	if g.small != nil {
		s.BytesWaits += g.small.waits.Load()
	}
	return s
}
