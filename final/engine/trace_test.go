package engine_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	rtrace "runtime/trace"
	"testing"

	"golang.org/x/exp/trace"

	"packcourse/core/workload"
	"packcourse/final/engine"
)

// traced runs f with the execution tracer on and returns, per task type,
// how many tasks began, and per region type, how many regions began inside
// a task of each type ("pack/encode"). It fails the test if a region ends
// that did not begin, or begins and never ends.
func traced(t *testing.T, f func()) (tasks, regions map[string]int) {
	t.Helper()
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		t.Skipf("cannot start the tracer (is go test -trace on?): %v", err)
	}
	f()
	rtrace.Stop()

	r, err := trace.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tasks, regions = map[string]int{}, map[string]int{}
	taskType := map[trace.TaskID]string{}
	open := map[trace.GoID]int{} // regions begun and not yet ended, per goroutine
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch ev.Kind() {
		case trace.EventTaskBegin:
			tk := ev.Task()
			taskType[tk.ID] = tk.Type
			tasks[tk.Type]++
		case trace.EventRegionBegin:
			rg := ev.Region()
			regions[taskType[rg.Task]+"/"+rg.Type]++
			open[ev.Goroutine()]++
		case trace.EventRegionEnd:
			if open[ev.Goroutine()]--; open[ev.Goroutine()] < 0 {
				t.Errorf("region %q ended on goroutine %d without beginning there", ev.Region().Type, ev.Goroutine())
			}
		}
	}
	for g, n := range open {
		if n != 0 {
			t.Errorf("goroutine %d left %d regions open", g, n)
		}
	}
	return tasks, regions
}

// TestTraceRegions checks what `pipeline -trace FILE` promises: each run is
// a task named for its operation, and each chunk's read, encode or decode,
// and write is a region of that task, so `go tool trace` can show where
// each stage's time went.
func TestTraceRegions(t *testing.T) {
	const chunks = 5
	input := workload.Bytes(workload.Text, chunks*chunk-100, 1) // an odd tail
	e := engine.New(engine.Config{Workers: 2})
	var packed, unpacked bytes.Buffer

	tasks, regions := traced(t, func() {
		if err := e.Pack(context.Background(), &packed, bytes.NewReader(input), opts); err != nil {
			t.Fatal(err)
		}
		if err := e.Unpack(context.Background(), &unpacked, bytes.NewReader(packed.Bytes()), opts); err != nil {
			t.Fatal(err)
		}
		if err := e.Verify(context.Background(), bytes.NewReader(packed.Bytes()), opts); err != nil {
			t.Fatal(err)
		}
	})
	if !bytes.Equal(unpacked.Bytes(), input) {
		t.Fatal("round trip under the tracer changed the bytes")
	}

	for _, op := range []string{"pack", "unpack", "verify"} {
		if tasks[op] != 1 {
			t.Errorf("%d %q tasks, want 1 (all tasks: %v)", tasks[op], op, tasks)
		}
	}
	// One region per chunk and stage. (The reader knows which chunk is the
	// last as it reads it, so no read region is spent finding the end.)
	want := map[string]int{
		"pack/read": chunks, "pack/encode": chunks, "pack/write": chunks,
		"unpack/read": chunks, "unpack/decode": chunks, "unpack/write": chunks,
		"verify/read": chunks, "verify/decode": chunks, "verify/write": chunks,
	}
	for region, n := range want {
		if regions[region] != n {
			t.Errorf("%d %q regions, want %d", regions[region], region, n)
		}
	}
	if t.Failed() {
		t.Logf("regions by task/type: %v", regions)
	}
}
