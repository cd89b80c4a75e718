package workload

import (
	"encoding/binary"
	"math/rand/v2"
)

// randomGenerator produces incompressible bytes: the PCG's output, eight
// bytes per call, written little-endian so every machine sees the same bytes.
type randomGenerator struct {
	rng rand.PCG
}

func (g *randomGenerator) appendBlock(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, blockSize)...) // grows without allocating when dst has room
	for out := dst[start:]; len(out) >= 8; out = out[8:] {
		binary.LittleEndian.PutUint64(out, g.rng.Uint64())
	}
	return dst
}

// zerosGenerator produces zero bytes: the best case for a compressor, and
// what sparse regions of a disk image look like.
type zerosGenerator struct{}

func (zerosGenerator) appendBlock(dst []byte) []byte {
	return append(dst, make([]byte, blockSize)...) // the compiler turns this into a memclr
}
