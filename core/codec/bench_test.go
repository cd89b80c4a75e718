package codec

import (
	stdflate "compress/flate"
	"fmt"
	"slices"
	"testing"

	"packcourse/core/workload"
)

// benchInput is what each compressor benchmark packs: 16 MiB of one
// workload kind, cut into the default 1 MiB chunks.
const (
	benchInput = 16 << 20
	benchChunk = 1 << 20
)

// A candidate is one compressor the course could use for its frames.
type candidate struct {
	name string
	make func() compressor
}

// stdDeflate is the standard library's DEFLATE, the course's codec before
// klauspost/compress: kept here only to measure against.
type stdDeflate struct {
	zw  *stdflate.Writer
	out appendWriter
}

func newStdDeflate(level int) compressor {
	c := &stdDeflate{}
	c.zw, _ = stdflate.NewWriter(&c.out, level)
	return c
}

func (c *stdDeflate) appendCompressed(dst, raw []byte) ([]byte, error) {
	c.out.buf = dst
	c.zw.Reset(&c.out)
	c.zw.Write(raw)
	err := c.zw.Close()
	dst, c.out.buf = c.out.buf, nil
	return dst, err
}

func candidates() []candidate {
	var cs []candidate
	for _, level := range []int{1, 6, 9} {
		cs = append(cs, candidate{fmt.Sprintf("stdlib-deflate-%d", level), func() compressor { return newStdDeflate(level) }})
	}
	for _, level := range []int{1, 6, 9} {
		cs = append(cs, candidate{fmt.Sprintf("klauspost-deflate-%d", level), func() compressor { return newDeflateCompressor(level) }})
	}
	// klauspost's zstd has four strategies; these levels pick one each.
	for _, level := range []int{1, 3, 6, 10} {
		cs = append(cs, candidate{fmt.Sprintf("zstd-%d", level), func() compressor { return newZstdCompressor(level, benchChunk) }})
	}
	return cs
}

// BenchmarkCompress measures each candidate compressor on one core, chunk
// by chunk as every engine calls it, on each workload kind: MB/s of raw
// input (of wall time, and of CPU time: see reportCPU), and the
// compression ratio (raw bytes / compressed bytes).
//
//	go test -run='^$' -bench=Compress -benchtime=3x ./core/codec/
func BenchmarkCompress(b *testing.B) {
	for _, kind := range workload.Kinds() {
		data := workload.Bytes(kind, benchInput, 1)
		for _, c := range candidates() {
			b.Run(fmt.Sprintf("kind=%s/codec=%s", kind, c.name), func(b *testing.B) {
				comp, buf := c.make(), make([]byte, 0, 2*benchChunk)
				var packed int
				b.SetBytes(int64(len(data)))
				reportCPU(b, len(data), func() {
					for b.Loop() {
						packed = 0
						for chunk := range slices.Chunk(data, benchChunk) {
							out, err := comp.appendCompressed(buf[:0], chunk)
							if err != nil {
								b.Fatal(err)
							}
							packed += len(out)
						}
					}
				})
				b.ReportMetric(float64(len(data))/float64(packed), "ratio")
			})
		}
	}
}

// BenchmarkDecompress measures each codec's decompressor on one core on
// the output of its default level.
//
//	go test -run='^$' -bench=Decompress -benchtime=3x ./core/codec/
func BenchmarkDecompress(b *testing.B) {
	for _, kind := range workload.Kinds() {
		data := workload.Bytes(kind, benchInput, 1)
		for _, codec := range []Codec{Deflate, Zstd} {
			b.Run(fmt.Sprintf("kind=%s/codec=%s", kind, codec), func(b *testing.B) {
				comp := newCompressor(codec, codec.DefaultLevel(), benchChunk)
				var frames [][]byte
				for chunk := range slices.Chunk(data, benchChunk) {
					out, _ := comp.appendCompressed(nil, chunk)
					frames = append(frames, out)
				}
				dec, raw := newDecompressor(codec, benchChunk), make([]byte, 0, benchChunk)
				b.SetBytes(int64(len(data)))
				reportCPU(b, len(data), func() {
					for b.Loop() {
						for i, f := range frames {
							n := min(benchChunk, len(data)-i*benchChunk)
							if _, problem := dec.decompress(raw, f, n); problem != "" {
								b.Fatal(problem)
							}
						}
					}
				})
			})
		}
	}
}

// reportCPU runs loop and reports the megabytes of input handled per
// second of the process's CPU time (cpu-MB/s). On a busy machine the MB/s
// of wall time falls when the benchmark waits for a core; CPU time counts
// only the time it ran, so cpu-MB/s is the figure to compare codecs by.
func reportCPU(b *testing.B, n int, loop func()) {
	cpu0, ok := cpuTime()
	loop()
	cpu1, _ := cpuTime()
	if !ok || b.N == 0 || cpu1 <= cpu0 {
		return
	}
	b.ReportMetric(float64(n)*float64(b.N)/1e6/(cpu1-cpu0).Seconds(), "cpu-MB/s")
}
