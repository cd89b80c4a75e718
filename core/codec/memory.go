package codec

import "packcourse/core/format"

// The memory a codec's state holds, so that a program running one Encoder
// or Decoder per goroutine can charge each to a memory budget. The figures
// are upper bounds measured on klauspost/compress (TestCodecMemoryIsAnUpperBound
// allocates encoders and decoders of every level and checks them); they
// leave out the frame and chunk buffers, which the caller allocates.

// zstdBlockSize is the most klauspost's zstd encoder compresses as one
// block.
const zstdBlockSize = 128 << 10

// EncoderMemory returns the most bytes one Encoder for o holds between
// calls: its compressor's tables and, for zstd, its window. Zero fields of
// o mean their defaults.
func EncoderMemory(o Options) int64 {
	o = o.defaultsOnly()
	if o.Codec == Zstd {
		return zstdEncoderMemory(o.Level, o.ChunkSize)
	}
	return deflateEncoderMemory(o.Level)
}

// DecoderMemory returns the most bytes one Decoder holds between calls for
// a container of codec c (the header's), whatever its chunk size.
func DecoderMemory(c Codec) int64 {
	if c == Zstd {
		// Its block buffers and tables: DecodeAll of a single-segment
		// frame decodes into the caller's chunk buffer, so no history is kept.
		return 256 << 10
	}
	return 64 << 10 // the inflater's window and tables
}

// deflateEncoderMemory is klauspost/compress/flate's compressor for level,
// rounded up: each level picks its own match finder, whose hash tables
// (and, for 7 to 9, hash chains) are a fixed size.
func deflateEncoderMemory(level int) int64 {
	kib := [...]int64{1: 816, 2: 1200, 3: 1200, 4: 944, 5: 1072, 6: 1072, 7: 1008, 8: 1008, 9: 1408}
	if level < 1 || level >= len(kib) {
		level = DefaultLevel
	}
	return kib[level] << 10
}

// zstdEncoderMemory is klauspost/compress/zstd's encoder, by strategy
// (levels 1-2, 3-5, 6-9, 10-22): its match tables, plus about two and a
// half bytes per byte of its window (sized to the chunk, see
// newZstdCompressor), plus the block history the two fastest strategies
// allocate once a chunk fills a block (1-2) or passes one (3-5).
func zstdEncoderMemory(level, chunkSize int) int64 {
	var tables int64 // KiB
	history := false
	switch {
	case level <= 2:
		tables, history = 768, chunkSize >= zstdBlockSize
	case level <= 5:
		tables, history = 1920, chunkSize > zstdBlockSize
	case level <= 9:
		tables = 5888
	default:
		tables = 36352
	}
	n := tables<<10 + int64(zstdWindow(chunkSize))*5/2
	if history {
		n += 1 << 20
	}
	return n
}

// defaultsOnly fills in the fields EncoderMemory reads, without
// validating anything else.
func (o Options) defaultsOnly() Options {
	if o.ChunkSize == 0 {
		o.ChunkSize = format.DefaultChunkSize
	}
	if o.Codec == 0 {
		o.Codec = Deflate
	}
	if o.Level == 0 {
		o.Level = o.Codec.DefaultLevel()
	}
	return o
}
