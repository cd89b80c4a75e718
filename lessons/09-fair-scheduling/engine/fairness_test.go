package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/lessons/00-the-job/pipetest"
	lesson08 "packcourse/lessons/08-io-queue-depth/engine"
	"packcourse/lessons/09-fair-scheduling/engine"
)

// chunkTime is the simulated cost of encoding one chunk: every test
// engine's EncodeHook sleeps it, under the CPU token, in virtual time.
const chunkTime = time.Millisecond

// A mixedBatch is one huge file and many small ones, as in the proof.
type mixedBatch struct {
	hugeChunks int           // the huge file's size, in chunks
	small      int           // how many small files, each one chunk or less
	slowWrite  time.Duration // how long each write of the huge file's output takes
}

// batchTimes is what one batch measured, in simulated time from when the
// small files were handed to PackFiles.
type batchTimes struct {
	lastSmall time.Duration // when the last small file's container was complete
	huge      time.Duration // when the huge file's was (from the same instant)
}

// stamped is a destination that remembers when it was last written to: a
// container is complete at its trailer, the last write.
type stamped struct {
	bytes.Buffer
	last  time.Time
	delay time.Duration
}

func (s *stamped) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	s.last = time.Now()
	return s.Buffer.Write(p)
}

// packMixed runs the batch with packFiles (lesson 08's PackFiles or this
// lesson's) in a synctest bubble: the huge file first, the small files
// two chunk-times later, once the huge file holds its share of the budget.
func packMixed(t *testing.T, b mixedBatch, packFiles func(ctx context.Context, src []io.Reader, dst []io.Writer) error) batchTimes {
	t.Helper()
	var times batchTimes
	synctest.Test(t, func(t *testing.T) {
		huge := &stamped{delay: b.slowWrite}
		hugeData := pipetest.Input(b.hugeChunks * pipetest.ChunkSize)
		var wg sync.WaitGroup
		var hugeErr error
		wg.Go(func() {
			hugeErr = packFiles(t.Context(), []io.Reader{bytes.NewReader(hugeData)}, []io.Writer{huge})
		})
		time.Sleep(2 * chunkTime)

		var srcs []io.Reader
		var dsts []io.Writer
		smalls := make([]*stamped, b.small)
		datas := make([][]byte, b.small)
		for i := range smalls {
			datas[i] = pipetest.Input(1 + i*(pipetest.ChunkSize-1)/max(b.small-1, 1))
			smalls[i] = new(stamped)
			srcs = append(srcs, bytes.NewReader(datas[i]))
			dsts = append(dsts, smalls[i])
		}
		start := time.Now()
		if err := packFiles(t.Context(), srcs, dsts); err != nil {
			t.Fatalf("small files: %v", err)
		}
		wg.Wait()
		if hugeErr != nil {
			t.Fatalf("huge file: %v", hugeErr)
		}
		for i, s := range smalls {
			times.lastSmall = max(times.lastSmall, s.last.Sub(start))
			if want := pipetest.OraclePack(t, datas[i], fast); !bytes.Equal(s.Bytes(), want) {
				t.Errorf("small file %d: output differs from the oracle's", i)
			}
		}
		times.huge = huge.last.Sub(start)
		if want := pipetest.OraclePack(t, hugeData, fast); !bytes.Equal(huge.Bytes(), want) {
			t.Errorf("huge file: output differs from the oracle's")
		}
	})
	return times
}

// docs:region TestSmallFilesDoNotWaitForTheHugeFile
// The proof of the lesson. A huge file is packed to a destination where
// every write takes slowWrite (a stalled pipe, a slow network share):
// while it waits there it holds all the budget it can. Two chunk-times
// later 16 small files (1 byte to one chunk) are handed to PackFiles. The
// budget is the same for both lessons: 4 chunks' bytes (batchBudget), of
// which lesson 09 sets 2 apart as the small lane (laneChunks).
//
// Lesson 08: the small files' bytes can only come from the huge file, so
// the last of them finishes no sooner than the huge file's next write.
// Lesson 09: they queue on the lane, behind each other only, and the last
// finishes within 10 chunk-times of its start (16 encodes on 2 CPU tokens
// take 8; 2 more for the steps around them), whatever the huge file's
// size (64 or 256 chunks) and however slow its destination (50 or 200
// chunk-times a write). The outputs are the oracle's in both.
func TestSmallFilesDoNotWaitForTheHugeFile(t *testing.T) {
	const small, cpuTokens, laneChunks = 16, 2, 2
	bound := (small/cpuTokens + 2) * chunkTime
	for _, huge := range []int{64, 256} {
		for _, slowWrite := range []time.Duration{50 * chunkTime, 200 * chunkTime} {
			b := mixedBatch{hugeChunks: huge, small: small, slowWrite: slowWrite}
			t.Run(fmt.Sprintf("huge=%d/write=%v", huge, slowWrite), func(t *testing.T) {
				before := packMixed(t, b, lesson08PackFiles(t))
				after := packMixed(t, b, lesson09PackFiles(t, laneChunks))
				t.Logf("huge file %3d chunks, writes %v: lesson 08: last small file done after %5v (huge file: %v)", huge, slowWrite, before.lastSmall, before.huge)
				t.Logf("huge file %3d chunks, writes %v: lesson 09: last small file done after %5v (huge file: %v)", huge, slowWrite, after.lastSmall, after.huge)
				if before.lastSmall < slowWrite {
					t.Errorf("lesson 08: the last small file finished after %v, before the huge file's next write (%v): it should have had to wait for it", before.lastSmall, slowWrite)
				}
				if after.lastSmall > bound {
					t.Errorf("lesson 09: the last small file finished after %v, want within %v (%d chunk-times)", after.lastSmall, bound, bound/chunkTime)
				}
			})
		}
	}
}

// docs:endregion TestSmallFilesDoNotWaitForTheHugeFile

// batchBudget is the mixed batch's budget, in chunks' bytes: fewer than
// the 5 chunks the huge file's pipeline holds once its writer waits (4
// futures in line, one more read), so the huge file takes all it may.
const batchBudget = 4

// lesson08PackFiles and lesson09PackFiles are each lesson's PackFiles on
// one governed Engine, every encode costing chunkTime.
func lesson08PackFiles(t *testing.T) func(ctx context.Context, src []io.Reader, dst []io.Writer) error {
	g, err := lesson08.NewGovernor(lesson08.Limits{CPU: 2, IO: 4, Bytes: batchBudget * cost})
	if err != nil {
		t.Fatal(err)
	}
	e := &lesson08.Engine{Workers: 2, Queue: 4, Governor: g, EncodeHook: sleepChunkTime}
	return func(ctx context.Context, src []io.Reader, dst []io.Writer) error {
		files := make([]lesson08.File, len(src))
		for i := range src {
			files[i] = lesson08.File{Name: fmt.Sprint("file ", i), Src: src[i], Dst: dst[i]}
		}
		return e.PackFiles(ctx, files, fast)
	}
}

func lesson09PackFiles(t *testing.T, laneChunks int64) func(ctx context.Context, src []io.Reader, dst []io.Writer) error {
	g := newGovernor(t, engine.Limits{CPU: 2, IO: 4, Bytes: batchBudget * cost, SmallBytes: laneChunks * cost})
	e := &engine.Engine{Workers: 2, Queue: 4, Governor: g, EncodeHook: sleepChunkTime}
	return func(ctx context.Context, src []io.Reader, dst []io.Writer) error {
		files := make([]engine.File, len(src))
		for i := range src {
			files[i] = engine.File{Name: fmt.Sprint("file ", i), Src: src[i], Dst: dst[i]}
		}
		return e.PackFiles(ctx, files, fast)
	}
}

func sleepChunkTime(int) error { time.Sleep(chunkTime); return nil }
