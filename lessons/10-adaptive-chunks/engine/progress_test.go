package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"

	"packcourse/lessons/00-the-job/pipetest"
	lesson04 "packcourse/lessons/04-streaming-io/engine"
	"packcourse/lessons/10-adaptive-chunks/engine"
)

// After a run that succeeded, every stage has counted every chunk and
// every byte, exactly: the frames in the container and the bytes of the
// input, for Pack and for Unpack, at every size the conformance suite
// uses and every worker count.
func TestProgressAgreesWithTheWorkAfterTheRun(t *testing.T) {
	for _, size := range pipetest.Sizes {
		data := pipetest.Input(size)
		container := pipetest.OraclePack(t, data, fast)
		frames, _ := pipetest.Layout(container)
		want := engine.Tally{Chunks: int64(len(frames)), Bytes: int64(size)}
		for _, workers := range pipetest.WorkerCounts {
			e := &engine.Engine{Workers: workers}
			packMustMatchOracle(t, e, data, container)
			checkTotals(t, fmt.Sprintf("Pack of %d bytes, %d workers", size, workers), e, want)

			unpackMustRestore(t, e, container, data)
			checkTotals(t, fmt.Sprintf("Unpack of %d bytes, %d workers", size, workers), e, want)
		}
	}
}

// checkTotals fails the test unless all three of e's tallies are want,
// and Stats agrees on the chunks written.
func checkTotals(t *testing.T, run string, e *engine.Engine, want engine.Tally) {
	t.Helper()
	p := e.Progress()
	if p.Read != want || p.Encoded != want || p.Written != want {
		t.Errorf("%s: progress %+v, want %+v in every stage", run, p, want)
	}
	if got := int64(e.Stats().Chunks); got != want.Chunks {
		t.Errorf("%s: Stats().Chunks = %d, want %d", run, got, want.Chunks)
	}
}

// Hold chunk H in its worker until every goroutine is blocked. The
// pipeline then stands still at a point we can work out: the writer has
// written chunks 0..H-1 and waits for H; its FIFO is full with the
// futures of chunks H+1..H+Queue, all encoded by the other workers; the
// reader has read chunk H+Queue+1 and waits for room in the FIFO. Progress,
// read from the test's goroutine, must say exactly that, and lesson 04,
// held the same way, has nothing to say until the run is over.
func TestProgressMidRunIsExact(t *testing.T) {
	const workers, queue, chunks = 3, 5, 64
	data := pipetest.Input(chunks * pipetest.ChunkSize)
	for _, held := range []int{0, 10, 40} {
		t.Run(fmt.Sprintf("chunk %d held", held), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				e := &engine.Engine{Workers: workers, Queue: queue, EncodeHook: holdChunk(held, release)}
				p := packHeld(t, e, data, release)

				tally := func(n int) engine.Tally { return engine.Tally{Chunks: int64(n), Bytes: int64(n * pipetest.ChunkSize)} }
				want := engine.Progress{Read: tally(held + queue + 2), Encoded: tally(held + queue), Written: tally(held)}
				if p != want {
					t.Errorf("progress with chunk %d held: %+v, want %+v", held, p, want)
				}
				if inFlight := p.Read.Chunks - p.Written.Chunks; inFlight != queue+2 {
					t.Errorf("Read - Written = %d chunks in flight, want the bound Queue+2 = %d", inFlight, queue+2)
				}
				t.Logf("chunk %d held: read %d, encoded %d, written %d chunks; %d in flight (Queue+2 = %d)",
					held, p.Read.Chunks, p.Encoded.Chunks, p.Written.Chunks, p.Read.Chunks-p.Written.Chunks, queue+2)
			})
		})
	}
}

// Lesson 04, held in the same place, offers only Stats, and Stats
// describes the last run to finish: while this one runs it is empty,
// though the writer has written 10 chunks.
func TestLesson04ShowsNoProgressMidRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const held = 10
		release := make(chan struct{})
		e := &lesson04.Engine{Workers: 3, Queue: 5, EncodeHook: holdChunk(held, release)}
		data := pipetest.Input(64 * pipetest.ChunkSize)
		done := make(chan error, 1)
		go func() { done <- e.Pack(context.Background(), &bytes.Buffer{}, bytes.NewReader(data), fast) }()
		synctest.Wait()
		mid := e.Stats()
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("Pack: %v", err)
		}
		if mid != (lesson04.Stats{}) {
			t.Errorf("lesson 04's Stats mid-run = %+v, want the zero Stats (no run had finished)", mid)
		}
		if e.Stats().Chunks != 64 {
			t.Errorf("lesson 04's Stats after the run: %d chunks, want 64", e.Stats().Chunks)
		}
		t.Logf("lesson 04, chunk %d held: Stats().Chunks = %d during the run, %d after it", held, mid.Chunks, e.Stats().Chunks)
	})
}

// packHeld packs data with e, whose EncodeHook holds a chunk until
// release is closed, and returns the progress once every goroutine of the
// run is blocked. It fails the test unless Pack then finishes with the
// oracle's bytes.
func packHeld(t *testing.T, e *engine.Engine, data []byte, release chan struct{}) engine.Progress {
	t.Helper()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- e.Pack(context.Background(), &out, bytes.NewReader(data), fast) }()
	synctest.Wait() // every goroutine of the run is blocked: the pipeline stands still
	p := e.Progress()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if !bytes.Equal(out.Bytes(), pipetest.OraclePack(t, data, fast)) {
		t.Fatal("Pack's output differs from the oracle's")
	}
	return p
}

// holdChunk is an EncodeHook that holds chunk index until release is
// closed.
func holdChunk(index int, release chan struct{}) func(int) error {
	return func(i int) error {
		if i == index {
			<-release
		}
		return nil
	}
}

// Read from another goroutine while a 256-chunk Pack runs on real
// threads, every snapshot is ordered, Written <= Encoded <= Read in chunks
// and in bytes, and no count ever goes back. The engine loads the last
// stage's counters first to make that so: a chunk is counted by each
// stage before the next stage sees it. (Read - Written is not bounded in
// a snapshot like these: the stages move on between its loads. Held
// still, as above, it is exact.)
func TestProgressSnapshotsAreOrderedWhileRunning(t *testing.T) {
	data := pipetest.Input(256 * pipetest.ChunkSize)
	for _, workers := range []int{1, 2, 8} {
		e := &engine.Engine{Workers: workers}
		done := make(chan error, 1)
		go func() { done <- e.Pack(context.Background(), &bytes.Buffer{}, bytes.NewReader(data), fast) }()
		var prev engine.Progress
		snapshots := 0
		for running := true; running; {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Pack: %v", err)
				}
				running = false
			default:
			}
			p := e.Progress()
			snapshots++
			if err := checkOrdered(prev, p); err != nil {
				t.Fatalf("workers=%d, snapshot %d: %v", workers, snapshots, err)
			}
			prev = p
		}
		if want := (engine.Tally{Chunks: 256, Bytes: int64(len(data))}); prev.Written != want {
			t.Errorf("workers=%d: last snapshot %+v, want everything written: %+v", workers, prev, want)
		}
		t.Logf("workers=%d: %d snapshots during the run, every one ordered", workers, snapshots)
	}
}

// checkOrdered says what is wrong with snapshot p, taken after prev: a
// stage ahead of the one before it, or a count that went back.
func checkOrdered(prev, p engine.Progress) error {
	stages := []struct {
		name      string
		now, then engine.Tally
	}{{"read", p.Read, prev.Read}, {"encoded", p.Encoded, prev.Encoded}, {"written", p.Written, prev.Written}}
	for i, s := range stages {
		if s.now.Chunks < s.then.Chunks || s.now.Bytes < s.then.Bytes {
			return fmt.Errorf("%s went back from %+v to %+v", s.name, s.then, s.now)
		}
		if i > 0 {
			before := stages[i-1]
			if s.now.Chunks > before.now.Chunks || s.now.Bytes > before.now.Bytes {
				return fmt.Errorf("%s %+v is ahead of %s %+v", s.name, s.now, before.name, before.now)
			}
		}
	}
	return nil
}

// A run that fails still reports exactly what reached dst: chunk 7 fails,
// so the writer wrote chunks 0..6 and no more, whatever the workers had
// got to when the run stopped.
func TestProgressOfAFailedRunCountsWhatWasWritten(t *testing.T) {
	data := pipetest.Input(40 * pipetest.ChunkSize)
	errChunk := errors.New("chunk 7 is bad")
	for _, workers := range pipetest.WorkerCounts {
		e := &engine.Engine{Workers: workers, EncodeHook: func(i int) error {
			if i == 7 {
				return errChunk
			}
			return nil
		}}
		err := e.Pack(context.Background(), &bytes.Buffer{}, bytes.NewReader(data), fast)
		if !errors.Is(err, errChunk) {
			t.Fatalf("workers=%d: Pack returned %v, want chunk 7's error", workers, err)
		}
		p := e.Progress()
		if want := (engine.Tally{Chunks: 7, Bytes: 7 * pipetest.ChunkSize}); p.Written != want {
			t.Errorf("workers=%d: written %+v, want exactly chunks 0..6: %+v", workers, p.Written, want)
		}
		if err := checkOrdered(engine.Progress{}, p); err != nil {
			t.Errorf("workers=%d: %v", workers, err)
		}
	}
}
