package hollowbenchmark

import (
	"bytes"
	"fmt"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunkSize = 1024

type packer func([]byte, int) []byte

// benchmarkPack times pack on the test input, as a BenchmarkPack does.
func benchmarkPack(b *testing.B, pack packer) {
	data := pipeline.Input(64*chunkSize, 5)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		pack(data, chunkSize)
	}
}

func BenchmarkPackBroken(b *testing.B) { benchmarkPack(b, PackBroken) }
func BenchmarkPackFixed(b *testing.B)  { benchmarkPack(b, PackFixed) }

// timesThePipeline reports whether what a benchmark times produces the
// reference container: the check the origin program's benchmark lacked.
func timesThePipeline(pack packer) bool {
	data := pipeline.Input(64*chunkSize, 5)
	return bytes.Equal(pack(data, chunkSize), pipeline.Pack(data, chunkSize))
}

func TestBrokenBenchmarkTimesSomethingElse(t *testing.T) {
	if timesThePipeline(PackBroken) {
		t.Fatal("the broken benchmark's work produced a real container")
	}
	data := pipeline.Input(64*chunkSize, 5)
	if _, err := pipeline.Unpack(PackBroken(data, chunkSize)); err == nil {
		t.Fatal("the broken benchmark's output unpacked")
	}
}

func TestFixedBenchmarkTimesThePipeline(t *testing.T) {
	if !timesThePipeline(PackFixed) {
		t.Fatal("the fixed benchmark's work differs from the reference pack")
	}
}

// show runs the benchmark once and prints its throughput. The figures are
// for reading, not asserting: they vary from machine to machine and run to
// run.
func show(pack packer) {
	r := testing.Benchmark(func(b *testing.B) { benchmarkPack(b, pack) })
	data := pipeline.Input(64*chunkSize, 5)
	_, err := pipeline.Unpack(pack(data, chunkSize))
	fmt.Printf("benchmark: %s\nits output is the real container: %v (unpack: %v)\n", r, timesThePipeline(pack), err)
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the benchmark times a copy")
	show(PackBroken)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: the benchmark times the pipeline")
	show(PackFixed)
}
