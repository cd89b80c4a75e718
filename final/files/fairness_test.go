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
	"packcourse/final/engine"
	"packcourse/final/govern"
)

// slot is what one engine job (one chunk and its frame) is charged, and
// what one small file on the fast path holds.
var slot = engine.MinBytes(chunk)

// TestSmallFilesPassAHugeFileHoldingTheBudget holds a huge file at a gate
// (its first write blocks) after it has taken every job the shared budget
// allows, then starts the small files. With the small lane every small
// file finishes while the huge one is still held; without it, none can:
// they all wait for bytes only the huge file can give back. The test
// counts, in a synctest bubble where synctest.Wait returns once every
// goroutine is blocked, so no timing is involved.
func TestSmallFilesPassAHugeFileHoldingTheBudget(t *testing.T) {
	for _, lane := range []bool{true, false} {
		t.Run(fmt.Sprintf("lane=%v", lane), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { smallFilesPassHugeFile(t, lane) })
		})
	}
}

func smallFilesPassHugeFile(t *testing.T, lane bool) {
	src, want := corpus(t, 9, 16)
	out := t.TempDir()
	p, err := MakePlan(Pack, []string{src}, out)
	require.NoError(t, err)
	var huge, small []Job
	for _, j := range p.Jobs {
		if filepath.Base(j.Src) == "huge.bin" {
			huge = append(huge, j)
		} else {
			small = append(small, j)
		}
	}
	require.Len(t, small, 16)

	// Four jobs' worth of shared budget, and a lane for one small file.
	limits := govern.Limits{CPU: 2, Bytes: 5 * slot, SmallBytes: slot, SmallFile: 2 * chunk}
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
	synctest.Wait() // the huge file is blocked at the gate, its reader out of budget
	held := r.Governor.Stats().BytesInUse
	require.Greater(t, held, 5*slot-slot-1, "the huge file holds all the shared budget it can")

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
		require.Positive(t, r.Governor.Stats().BytesWaits)
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

func (g *gateFS) CreateTemp(dir, pattern string, perm fs.FileMode) (File, error) {
	f, err := g.OS.CreateTemp(dir, pattern, perm)
	if err != nil || !strings.Contains(pattern, g.match) {
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
	s := r.Governor.Stats()
	assert.LessOrEqual(t, s.PeakBytes, r.Governor.Limits().Bytes, "the budget is never exceeded")
	assert.Positive(t, s.BytesWaits, "the budget was tight enough to make files wait")
	assert.Zero(t, s.BytesInUse)
}
