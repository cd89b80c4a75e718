package codec

import "sync"

// Building a compressor allocates and clears its match tables (about 1 to
// 2 MiB at the levels the course uses, see EncoderMemory), which for a
// file of a few kilobytes costs more CPU than compressing it. So the
// compressor of an Encoder given back with Release waits here for the
// next Encoder of the same codec, level and chunk size, and likewise a
// Decoder's decompressor. Each kind has its own sync.Pool: the garbage
// collector drops what is not taken again within two collections, so idle
// state does not pile up, and reuse cannot change a single output byte
// (every chunk is compressed as its own stream, with nothing carried over).

// coderKey says which compressors (or decompressors) are interchangeable.
type coderKey struct {
	codec Codec
	level int // compressors only
	size  int // the chunk size a compressor is sized for, or a decompressor's largest chunk
}

var compressors, decompressors sync.Map // coderKey -> *sync.Pool

func poolFor(pools *sync.Map, k coderKey) *sync.Pool {
	if p, ok := pools.Load(k); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(k, new(sync.Pool))
	return p.(*sync.Pool)
}

// takeCompressor returns a compressor given back earlier for the same
// codec, level and chunk size, or a new one.
func takeCompressor(c Codec, level, chunkSize int) (compressor, coderKey) {
	k := compressorKey(c, level, chunkSize)
	if v := poolFor(&compressors, k).Get(); v != nil {
		return v.(compressor), k
	}
	return newCompressor(c, level, chunkSize), k
}

// compressorKey leaves out what does not change a compressor: DEFLATE's
// state does not depend on the chunk size, zstd's window only on the power
// of two that holds a chunk.
func compressorKey(c Codec, level, chunkSize int) coderKey {
	if c == Zstd {
		return coderKey{c, level, zstdWindow(chunkSize)}
	}
	return coderKey{c, level, 0}
}

// takeDecompressor returns a decompressor given back earlier for the same
// codec and largest chunk, or a new one.
func takeDecompressor(c Codec, maxChunk int) (decompressor, coderKey) {
	k := coderKey{codec: c, size: maxChunk}
	if v := poolFor(&decompressors, k).Get(); v != nil {
		return v.(decompressor), k
	}
	return newDecompressor(c, maxChunk), k
}
