package files

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/final/engine"
	"packcourse/final/govern"
)

// slot is the least one packing run of the tests' options holds: one
// chunk, its frame and one worker's compressor.
var slot = engine.MinBytes(engine.Pack, testOptions(codec.Options{}))

// TestSmallFilesPassAHugeFileHoldingTheBudget holds a huge file at a gate
// (its first frame's write blocks) after it has taken all the shared
// budget it can, then starts the small files. The budget is the most the
// huge file's run can hold (hugeFileDemand), so it fills the budget. With
// the small lane every small file finishes while the huge one is still
// held; without it, none can: they all wait for bytes only the huge file
// can give back. The test counts, in a synctest bubble where synctest.Wait
// returns once every goroutine is blocked, so no timing is involved.
func TestSmallFilesPassAHugeFileHoldingTheBudget(t *testing.T) {
	demand := hugeFileDemand()
	require.Greater(t, demand, 2*slot, "the huge file's run wants more than two slots")
	for _, lane := range []bool{true, false} {
		t.Run(fmt.Sprintf("lane=%v", lane), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { smallFilesPassHugeFile(t, lane, demand) })
		})
	}
}

// splitHuge returns the plan's jobs for huge.bin and for the other files.
func splitHuge(t *testing.T, p Plan) (huge, small []Job) {
	t.Helper()
	for _, j := range p.Jobs {
		if filepath.Base(j.Src) == "huge.bin" {
			huge = append(huge, j)
		} else {
			small = append(small, j)
		}
	}
	require.Len(t, huge, 1)
	return huge, small
}

// hugeFileDemand is the most bytes the huge file's run can hold: a job
// (a chunk and its frame) for every chunk it may have in flight, and a
// compressor for each of its two workers. It is computed, not measured:
// held at the gate, the run has taken every job it may (none comes back
// before its frame is written), but whether the second worker has made
// its compressor by then depends on how the goroutines were scheduled.
// Either way, what it leaves of the budget is less than a small file's
// slot.
func hugeFileDemand() int64 {
	r := newRunner(codec.Options{})
	cfg, o := r.Engine.Config(), r.Options
	job := int64(o.ChunkSize + format.FrameHeaderLen + format.MaxBodyLen(o.ChunkSize))
	return int64(cfg.InFlight)*job + int64(cfg.Workers)*codec.EncoderMemory(o)
}

func smallFilesPassHugeFile(t *testing.T, lane bool, demand int64) {
	src, want := corpus(t, 9, 16)
	out := t.TempDir()
	p, err := MakePlan(Pack, []string{src}, out)
	require.NoError(t, err)
	huge, small := splitHuge(t, p)
	require.Len(t, small, 16)

	// A budget the huge file alone can fill, with or without a lane for
	// one small file carved out of it.
	limits := govern.Limits{CPU: 2, Bytes: demand, SmallBytes: slot, SmallFile: 2 * chunk}
	if !lane {
		limits.SmallBytes = -1 // the same bytes, all shared
	}
	r := newRunnerWith(limits, codec.Options{})
	gate := make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	defer open() // a failed check must not leave goroutines blocked in the bubble
	r.FS = &gateFS{gate: gate, match: "huge.bin"}
	var finished atomic.Int64
	r.Done = func(Result) { finished.Add(1) }

	hugeDone := make(chan []Result, 1)
	go func() { hugeDone <- r.Run(t.Context(), Pack, huge) }()
	synctest.Wait() // the huge file is blocked at the gate, or waiting for bytes
	shared := demand
	if lane {
		shared -= slot
	}
	held := r.governor().Stats().BytesInUse
	require.Greater(t, held, shared-slot, "the huge file holds all the shared budget it can")

	smallDone := make(chan []Result, 1)
	go func() { smallDone <- r.Run(t.Context(), Pack, small) }()
	synctest.Wait() // everything that can finish has finished

	if lane {
		require.Equal(t, int64(16), finished.Load(), "every small file finished while the huge file is held")
		for _, res := range <-smallDone {
			require.NoError(t, res.Err)
		}
	} else {
		require.Zero(t, finished.Load(), "without the lane, small files wait for the huge file")
		require.Positive(t, r.governor().Stats().BytesWaits)
	}
	open()
	for _, res := range <-hugeDone {
		require.NoError(t, res.Err)
	}
	if !lane {
		for _, res := range <-smallDone {
			require.NoError(t, res.Err)
		}
	}
	for _, j := range p.Jobs {
		got, err := os.ReadFile(j.Dst)
		require.NoError(t, err)
		require.Equal(t, oraclePack(t, want[rel(t, src, j.Src)], r.Options), got, j.Name())
	}
}

// gateFS makes every write but the first (the container's header) to an
// output whose name contains match wait until gate is closed.
type gateFS struct {
	OS
	gate  chan struct{}
	match string
}

func (g *gateFS) Create(name string, perm fs.FileMode) (File, error) {
	f, err := g.OS.Create(name, perm)
	if err != nil || !strings.Contains(filepath.Base(name), g.match) {
		return f, err
	}
	return &gateFile{File: f, gate: g.gate}, nil
}

type gateFile struct {
	File
	gate   chan struct{}
	writes int
}

func (g *gateFile) Write(p []byte) (int, error) {
	if g.writes++; g.writes > 1 {
		<-g.gate
	}
	return g.File.Write(p)
}

// TestManyFilesTinyBudget runs a tree of many files, big and small, under
// a budget of three chunks' buffers (two shared, one in the small lane),
// eight files at a time, packing then unpacking. Everything finishes
// (no deadlock), the budget is never exceeded, and the tree comes back
// byte for byte.
func TestManyFilesTinyBudget(t *testing.T) {
	src, want := corpus(t, 10, 40)
	more := map[string]int{"medium-1.bin": 5*chunk + 1, "medium-2.bin": 3 * chunk}
	for name, size := range more {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * i >> 5)
		}
		require.NoError(t, os.WriteFile(filepath.Join(src, name), data, 0o644))
		want[name] = data
	}
	out := t.TempDir()
	packed, restored := filepath.Join(out, "packed"), filepath.Join(out, "restored")
	r := newRunnerWith(govern.Limits{CPU: 2, Bytes: 3 * slot, SmallBytes: slot, SmallFile: 2 * chunk}, codec.Options{})
	r.Files = 8

	requireNoErrors(t, run(t, r, Pack, src, packed))
	requireNoErrors(t, run(t, r, Unpack, packed, restored))

	assert.Equal(t, want, readTree(t, restored))
	s := r.governor().Stats()
	assert.LessOrEqual(t, s.PeakBytes, r.governor().Limits().Bytes, "the budget is never exceeded")
	assert.Positive(t, s.BytesWaits, "the budget was tight enough to make files wait")
	assert.Zero(t, s.BytesInUse)
}
