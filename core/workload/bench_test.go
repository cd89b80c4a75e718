package workload_test

import (
	"io"
	"testing"

	"packcourse/core/workload"
)

// BenchmarkGenerate measures how fast each kind is generated, reading
// 64 KiB at a time from a stream too long to run out. Run it with
//
//	go test -run '^$' -bench Generate ./workload/
func BenchmarkGenerate(b *testing.B) {
	for _, kind := range workload.Kinds() {
		b.Run("kind="+string(kind), func(b *testing.B) {
			r := workload.New(kind, 1<<62, 1)
			buf := make([]byte, 64<<10)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := io.ReadFull(r, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
