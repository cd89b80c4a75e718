package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/core/workload"
	"packcourse/final/engine"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

// benchEngines are the engines the benchmarks put side by side: the
// sequential oracle; this engine with two workers, the machine the
// course's figures are measured on; and with one worker, the control that
// tells the pipeline's own cost apart from what running two cores at once
// costs each of them.
var benchEngines = []struct {
	name string
	e    pipetest.Engine
}{
	{"oracle", oracle.Engine{}},
	{"final", engine.New(engine.Config{Workers: 2})},
	{"final-1-worker", engine.New(engine.Config{Workers: 1})},
}

// BenchmarkPack packs the shared 64 MiB mixed workload with default 1 MiB
// chunks, at DEFLATE levels 6 and 1. Besides MB/s and peak RSS it reports
// the CPU time per run and the cores it kept busy on average: on a machine
// shared with other work, MB/s alone does not tell whether the engine or
// the machine was the limit.
func BenchmarkPack(b *testing.B) {
	for _, be := range benchEngines {
		for _, level := range []int{6, 1} {
			b.Run(fmt.Sprintf("engine=%s/level=%d", be.name, level), func(b *testing.B) {
				o := codec.Options{Level: level}
				pipetest.InputFile(b, workload.Mixed, pipetest.BenchSize) // made before the CPU clock starts
				withCPU(b, func() { pipetest.BenchPack(b, be.e, o) })
			})
		}
	}
}

// BenchmarkUnpack unpacks the oracle's container of the same workload.
func BenchmarkUnpack(b *testing.B) {
	for _, be := range benchEngines {
		for _, level := range []int{6, 1} {
			b.Run(fmt.Sprintf("engine=%s/level=%d", be.name, level), func(b *testing.B) {
				o := codec.Options{Level: level}
				pipetest.ContainerFile(b, workload.Mixed, pipetest.BenchSize, o) // made before the CPU clock starts
				withCPU(b, func() { pipetest.BenchUnpack(b, be.e, o) })
			})
		}
	}
}

// BenchmarkUnpackCost tells the codec's CPU time from the pipeline's. For
// the shared mixed workload packed with DEFLATE 6 and with zstd 3, it
// decodes every frame with the codec alone (engine=codec-alone: a
// format.Reader over the container in memory and one Decoder, on one
// goroutine, nothing written), then unpacks the container file with this
// engine, to a file and to io.Discard. Each reports the CPU time per chunk
// (cpu-ms/chunk): what an engine spends beyond the codec alone is the
// pipeline's own, reading the container included; out=file less
// out=discard is what writing the output costs.
//
//	go test -run='^$' -bench=UnpackCost -benchtime=3x ./final/engine/
func BenchmarkUnpackCost(b *testing.B) {
	chunks := float64(pipetest.BenchSize / format.DefaultChunkSize)
	for _, o := range []codec.Options{{Codec: codec.Deflate, Level: 6}, {Codec: codec.Zstd, Level: 3}} {
		name := fmt.Sprintf("codec=%s-%d", o.Codec, o.Level)
		path := pipetest.ContainerFile(b, workload.Mixed, pipetest.BenchSize, o)
		b.Run(name+"/engine=codec-alone", func(b *testing.B) {
			container, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(pipetest.BenchSize)
			cpu := withCPU(b, func() {
				for b.Loop() {
					if err := decodeAlone(container, o); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(cpu*1e3/chunks, "cpu-ms/chunk")
		})
		for _, workers := range []int{1, 2} {
			for _, toFile := range []bool{true, false} {
				dst := map[bool]string{true: "file", false: "discard"}[toFile]
				b.Run(fmt.Sprintf("%s/engine=final-%d-worker/out=%s", name, workers, dst), func(b *testing.B) {
					e := engine.New(engine.Config{Workers: workers})
					out := ""
					if toFile {
						out = filepath.Join(b.TempDir(), "out")
					}
					b.SetBytes(pipetest.BenchSize)
					cpu := withCPU(b, func() {
						for b.Loop() {
							if err := unpackFile(e, path, out, o); err != nil {
								b.Fatal(err)
							}
						}
					})
					b.ReportMetric(cpu*1e3/chunks, "cpu-ms/chunk")
				})
			}
		}
	}
}

// decodeAlone decodes and checks every frame of container on the calling
// goroutine, as the codec does inside any engine, and writes nothing.
func decodeAlone(container []byte, o codec.Options) error {
	r := format.NewReader(bytes.NewReader(container), 0)
	h, err := r.ReadHeader()
	if err != nil {
		return err
	}
	s, err := codec.NewUnpackSession(h, o)
	if err != nil {
		return err
	}
	d, digest := s.NewDecoder(), s.NewDigest()
	defer d.Release()
	var body, raw []byte
	for {
		f, err := r.Next(body)
		if errors.Is(err, io.EOF) {
			return digest.Check(r.Trailer())
		}
		if err != nil {
			return err
		}
		body = f.Body
		var sum [32]byte
		if raw, sum, err = d.Decode(raw, f); err != nil {
			return err
		}
		digest.Add(sum, len(raw))
	}
}

// unpackFile unpacks the container at src into a new file at dst, or
// into io.Discard if dst is "".
func unpackFile(e *engine.Engine, src, dst string, o codec.Options) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if dst == "" {
		return e.Unpack(context.Background(), io.Discard, in, o)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := e.Unpack(context.Background(), out, in, o); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// withCPU runs bench and reports the CPU time per operation (cpu-s/op) and
// the average number of cores busy while it ran (cores); it returns the
// CPU seconds per operation, or 0 if it cannot tell.
func withCPU(b *testing.B, bench func()) float64 {
	cpu0, ok := cpuTime()
	start := time.Now()
	bench()
	wall := time.Since(start)
	cpu1, _ := cpuTime()
	if !ok || b.N == 0 {
		return 0
	}
	cpu := (cpu1 - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(cpu, "cpu-s/op")
	b.ReportMetric((cpu1-cpu0).Seconds()/wall.Seconds(), "cores")
	return cpu
}
