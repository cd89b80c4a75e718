package engine_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"testing"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/final/engine"
	"packcourse/lessons/00-the-job/pipetest"
)

// BenchmarkAdaptive packs 8 MiB files of each of the course's workloads
// at zstd level 3 (the command's default), DEFLATE level 6 and DEFLATE
// level 9, two workers, with fixed 1 MiB chunks and with -chunk-target
// 2ms under the same 1 MiB cap, and under a 4 MiB cap. Besides MB/s it
// reports the chunks written, the CPU time per run and per chunk, and the
// output as a percentage of the input.
func BenchmarkAdaptive(b *testing.B) {
	const size = 8 << 20
	settings := []struct {
		name string
		o    codec.Options
	}{
		{"zstd-3", codec.Options{Codec: codec.Zstd, Level: 3}},
		{"deflate-6", codec.Options{Level: 6}},
		{"deflate-9", codec.Options{Level: 9}},
	}
	chunkings := []struct {
		name     string
		cap      int
		adaptive bool
	}{
		{"fixed-1MiB", 1 << 20, false},
		{"adaptive-1MiB", 1 << 20, true},
		{"adaptive-4MiB", 4 << 20, true},
	}
	for _, s := range settings {
		for _, kind := range []workload.Kind{workload.Text, workload.Logs, workload.Random, workload.Mixed} {
			path := pipetest.InputFile(b, kind, size)
			for _, c := range chunkings {
				b.Run(fmt.Sprintf("%s/%s/%s", s.name, kind, c.name), func(b *testing.B) {
					var chunks atomic.Int64
					cfg := engine.Config{Workers: 2}
					if c.adaptive {
						cfg.Adaptive = &engine.Adaptive{Schedule: func(sizes []int) { chunks.Store(int64(len(sizes))) }}
					}
					e := engine.New(cfg)
					o := s.o
					o.ChunkSize = c.cap
					var out counter
					b.SetBytes(size)
					withCPU(b, func() {
						for b.Loop() {
							out.Store(0)
							f, err := os.Open(path)
							if err != nil {
								b.Fatal(err)
							}
							err = e.Pack(context.Background(), &out, f, o)
							f.Close()
							if err != nil {
								b.Fatal(err)
							}
						}
					})
					n := chunks.Load()
					if !c.adaptive {
						n = int64((size + c.cap - 1) / c.cap)
					}
					b.ReportMetric(float64(n), "chunks")
					b.ReportMetric(100*float64(out.Load())/size, "size-%")
				})
			}
		}
	}
}

// counter counts the bytes written to it and keeps none.
type counter struct{ atomic.Int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.Add(int64(len(p)))
	return len(p), nil
}

var _ io.Writer = (*counter)(nil)
