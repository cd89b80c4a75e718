package engine_test

import (
	"fmt"
	"testing"
	"time"

	"packcourse/core/codec"
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

// withCPU runs bench and reports the CPU time per operation (cpu-s/op) and
// the average number of cores busy while it ran (cores).
func withCPU(b *testing.B, bench func()) {
	cpu0, ok := cpuTime()
	start := time.Now()
	bench()
	wall := time.Since(start)
	cpu1, _ := cpuTime()
	if !ok || b.N == 0 {
		return
	}
	cpu := cpu1 - cpu0
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores")
}
