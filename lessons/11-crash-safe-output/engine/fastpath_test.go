package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"

	"packcourse/lessons/00-the-job/pipetest"
	lesson08 "packcourse/lessons/08-io-queue-depth/engine"
	"packcourse/lessons/11-crash-safe-output/engine"
)

// The conformance suite with a small lane: the inputs of one chunk or
// less (empty, one byte, ChunkSize-1, ChunkSize) take the fast path, the
// others the pipeline, all under one CPU token, one I/O token and a
// budget of one chunk's bytes shared plus one in the lane.
func TestConformanceWithASmallLane(t *testing.T) {
	pipetest.Run(t, func(workers int) pipetest.Engine {
		return &engine.Engine{Workers: workers, Governor: newGovernor(t, engine.Limits{CPU: 1, IO: 1, Bytes: 2 * cost, SmallBytes: cost})}
	})
}

// countingWriter remembers the most goroutines the process had running
// at any of its writes.
type countingWriter struct {
	bytes.Buffer
	peak int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.peak = max(w.peak, runtime.NumGoroutine())
	return w.Buffer.Write(p)
}

// docs:region TestTheFastPathStartsNoGoroutine
// An input of one chunk or less is packed on the calling goroutine: the
// engine starts no stage (Stats.PeakGoroutines, counted at each start), and
// the process has no more goroutines at any write than before Pack was
// called. Lesson 08 starts its reader, workers and writer for the same
// inputs. One byte more than a chunk takes the pipeline. Every output is
// the oracle's.
func TestTheFastPathStartsNoGoroutine(t *testing.T) {
	for _, n := range []int{0, 1, pipetest.ChunkSize - 1, pipetest.ChunkSize, pipetest.ChunkSize + 1} {
		t.Run(fmt.Sprintf("bytes=%d", n), func(t *testing.T) {
			data := pipetest.Input(n)
			want := pipetest.OraclePack(t, data, fast)
			fastPath := n <= pipetest.ChunkSize

			e := &engine.Engine{Workers: 4}
			before := runtime.NumGoroutine()
			dst := new(countingWriter)
			if err := e.Pack(context.Background(), dst, bytes.NewReader(data), fast); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dst.Bytes(), want) {
				t.Fatal("output differs from the oracle's")
			}
			started := e.Stats().PeakGoroutines
			switch {
			case fastPath && (started != 0 || dst.peak > before):
				t.Errorf("fast path: the engine started %d goroutines, and the process had %d at a write against %d before Pack: want none started", started, dst.peak, before)
			case !fastPath && started != 4+2:
				t.Errorf("pipeline: the engine started %d goroutines, want 4 workers + reader + writer", started)
			}

			old := &lesson08.Engine{Workers: 4}
			if err := old.Pack(context.Background(), io.Discard, bytes.NewReader(data), fast); err != nil {
				t.Fatal(err)
			}
			if got := old.Stats().PeakGoroutines; got != 4+2 {
				t.Errorf("lesson 08 started %d goroutines, want 4 workers + reader + writer", got)
			}
		})
	}
}

// docs:endregion TestTheFastPathStartsNoGoroutine

// docs:region TestTheFastPathKeepsTheGovernorsRules
// The fast path under a Governor keeps its rules, checked at each step
// from inside it: during the encode it holds its chunk's bytes (for its
// 100 bytes, not a whole chunk), one CPU token and no I/O token; during every write, one I/O token and no
// CPU token. Everything is given back at the end.
func TestTheFastPathKeepsTheGovernorsRules(t *testing.T) {
	g := newGovernor(t, engine.Limits{CPU: 2, IO: 2, Bytes: 3 * cost, SmallBytes: cost})
	var problems []string
	check := func(at string, want engine.GovernorStats) {
		got := g.Stats()
		got.PeakCPU, got.PeakIO, got.PeakBytes = 0, 0, 0
		if got != want {
			problems = append(problems, fmt.Sprintf("%s: holding %+v, want %+v", at, got, want))
		}
	}
	held := engine.ChunkCost(100) // buffers for 100 bytes, not a whole chunk's
	e := &engine.Engine{Governor: g, EncodeHook: func(int) error {
		check("encode", engine.GovernorStats{CPU: 1, Bytes: held})
		return nil
	}}
	dst := writeFunc(func(p []byte) (int, error) {
		check("write", engine.GovernorStats{IO: 1, Bytes: held})
		return len(p), nil
	})
	if err := e.Pack(context.Background(), dst, bytes.NewReader(pipetest.Input(100)), fast); err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if s := g.Stats(); s.CPU != 0 || s.IO != 0 || s.Bytes != 0 {
		t.Errorf("after Pack the Governor still lends %+v", s)
	}
}

// docs:endregion TestTheFastPathKeepsTheGovernorsRules

type writeFunc func([]byte) (int, error)

func (f writeFunc) Write(p []byte) (int, error) { return f(p) }

// A read or encode that fails on the fast path leaves the destination
// untouched, and gives every byte and token back.
func TestAFailedFastPathWritesNothing(t *testing.T) {
	g := newGovernor(t, engine.Limits{CPU: 1, IO: 1, Bytes: 2 * cost, SmallBytes: cost})
	injected := errors.New("injected")
	e := &engine.Engine{Governor: g, EncodeHook: func(int) error { return injected }}
	var dst bytes.Buffer
	err := e.Pack(context.Background(), &dst, bytes.NewReader(pipetest.Input(10)), fast)
	if !errors.Is(err, injected) {
		t.Fatalf("Pack returned %v, want the injected error", err)
	}
	if dst.Len() != 0 {
		t.Errorf("%d bytes were written", dst.Len())
	}
	if s := g.Stats(); s.CPU != 0 || s.IO != 0 || s.Bytes != 0 {
		t.Errorf("after Pack the Governor still lends %+v", s)
	}
}

// A lane must leave the large files some budget.
func TestTheSmallLaneIsPartOfTheBudget(t *testing.T) {
	for _, small := range []int64{-1, 10, 11} {
		if _, err := engine.NewGovernor(engine.Limits{CPU: 1, IO: 1, Bytes: 10, SmallBytes: small}); err == nil {
			t.Errorf("SmallBytes %d of a budget of 10 was accepted", small)
		}
	}
}
