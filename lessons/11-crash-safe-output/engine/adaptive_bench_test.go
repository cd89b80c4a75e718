package engine_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/pipetest"
	prev "packcourse/lessons/09-fair-scheduling/engine" // lesson 09's engine: fixed chunks
	"packcourse/lessons/11-crash-safe-output/engine"
)

// adaptiveBenchSize is the size of each workload file BenchmarkAdaptive
// packs: big enough for dozens of chunks at the slowest setting, small
// enough that DEFLATE level 9 on text takes a second or so on two cores.
const adaptiveBenchSize = 8 << 20

// adaptiveCap is the header's chunk size lesson 10 runs with in the
// benchmark: room for fast settings to grow chunks past lesson 09's 1 MiB.
const adaptiveCap = 4 << 20

// docs:region BenchmarkAdaptive
// BenchmarkAdaptive packs each of the course's workloads (8 MiB files of
// text, logs, random bytes and the mixed kind) at a fast, the default and
// a slow setting, with lesson 09's fixed 1 MiB chunks and with lesson 10's
// adaptive chunks (a 4 MiB cap, the default 2ms target and 32 KiB floor),
// one worker per core, ungoverned. Besides MB/s it reports the chunks
// written, their mean size, the process's CPU time per chunk (all of the
// work: the figure the controller steers), and the output's size as a
// percentage of the input (smaller chunks compress a little worse).
func BenchmarkAdaptive(b *testing.B) {
	settings := []struct {
		name string
		o    codec.Options
	}{
		{"zstd-1", codec.Options{Codec: codec.Zstd, Level: 1}},
		{"deflate-6", codec.Options{Level: 6}},
		{"deflate-9", codec.Options{Level: 9}},
	}
	kinds := []workload.Kind{workload.Text, workload.Logs, workload.Random, workload.Mixed}
	for _, s := range settings {
		for _, kind := range kinds {
			path := pipetest.InputFile(b, kind, adaptiveBenchSize)
			b.Run(fmt.Sprintf("%s/%s/lesson=09", s.name, kind), func(b *testing.B) {
				e := &prev.Engine{}
				o := s.o
				o.ChunkSize = 1 << 20
				benchChunks(b, path, e, o, func() (int, int64) { st := e.Stats(); return st.Chunks, adaptiveBenchSize })
			})
			b.Run(fmt.Sprintf("%s/%s/lesson=10", s.name, kind), func(b *testing.B) {
				e := &engine.Engine{Adaptive: &engine.Adaptive{}}
				o := s.o
				o.ChunkSize = adaptiveCap
				benchChunks(b, path, e, o, func() (int, int64) { return len(e.Stats().Schedule), adaptiveBenchSize })
			})
		}
	}
}

// docs:endregion BenchmarkAdaptive

// benchChunks packs the file at path with e and reports MB/s, the chunks
// of the last run and their mean size in KiB, the CPU time per chunk in
// ms, and the output as a percentage of the input. chunks says how many
// chunks the last run wrote, and of how many bytes.
func benchChunks(b *testing.B, path string, e pipetest.Engine, o codec.Options, chunks func() (int, int64)) {
	b.SetBytes(adaptiveBenchSize)
	var out byteCounter
	cpu0, ok0 := cpuTime()
	for b.Loop() {
		out = 0
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
	cpu1, ok1 := cpuTime()
	n, size := chunks()
	b.ReportMetric(float64(n), "chunks")
	b.ReportMetric(float64(size)/float64(n)/1024, "chunk-KiB")
	if ok0 && ok1 && b.N > 0 {
		b.ReportMetric(float64((cpu1-cpu0)/time.Duration(b.N*n))/1e6, "cpu-ms/chunk")
	}
	b.ReportMetric(100*float64(out)/float64(size), "size-%")
}

// byteCounter counts the bytes written to it and keeps none.
type byteCounter int64

func (w *byteCounter) Write(p []byte) (int, error) {
	*w += byteCounter(len(p))
	return len(p), nil
}

var _ io.Writer = (*byteCounter)(nil)
