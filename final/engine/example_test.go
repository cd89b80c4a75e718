package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"packcourse/core/codec"
	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/final/obs"
)

// Several files share one governor and one set of metrics; each run asks
// for the lane its input's size belongs to.
func Example() {
	g := govern.New(govern.Limits{CPU: 2, Bytes: 16 << 20})
	m := obs.New()
	e := engine.New(engine.Config{Workers: 2, Governor: g, Metrics: m})

	input := strings.Repeat("all work and no play makes Jack a dull boy\n", 100_000)
	o := codec.Options{ChunkSize: 256 << 10}
	var packed, unpacked bytes.Buffer
	ctx := context.Background()
	if err := e.ForFile(int64(len(input))).Pack(ctx, &packed, strings.NewReader(input), o); err != nil {
		fmt.Println(err)
		return
	}
	if err := e.Unpack(ctx, &unpacked, &packed, o); err != nil {
		fmt.Println(err)
		return
	}
	s := m.Snapshot()
	fmt.Println("round trip:", unpacked.String() == input)
	fmt.Println("chunks encoded:", s.WorkOf("encode").Chunks, "decoded:", s.WorkOf("decode").Chunks)
	fmt.Println("bytes held now:", g.Stats().BytesInUse)
	// Output:
	// round trip: true
	// chunks encoded: 17 decoded: 17
	// bytes held now: 0
}
