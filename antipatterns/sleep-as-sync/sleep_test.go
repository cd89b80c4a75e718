package sleepassync

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunks, chunkSize = 4, 1024

var data = pipeline.Input(chunks*chunkSize, 61)

// slowDisk takes perWrite of the bubble's fake clock for every write.
type slowDisk struct {
	perWrite time.Duration
	mu       sync.Mutex
	buf      bytes.Buffer
}

func (d *slowDisk) Write(frame []byte) {
	time.Sleep(d.perWrite)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.buf.Write(frame)
}

func (d *slowDisk) Bytes() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return bytes.Clone(d.buf.Bytes())
}

// frames packs in a synctest bubble onto a disk whose writes take
// perWrite, and returns how many whole frames the returned container holds.
// The clock is fake, so "the disk is slower than the sleep" holds on every
// run and on every machine, however loaded.
func frames(t *testing.T, pack func([]pipeline.Chunk, Disk) []byte, perWrite time.Duration) int {
	var out []byte
	synctest.Test(t, func(t *testing.T) {
		out = pack(pipeline.Split(data, chunkSize), &slowDisk{perWrite: perWrite})
		// A writer the pack did not wait for is still writing: let it
		// finish, so that the bubble ends clean.
		time.Sleep(chunks * perWrite)
		synctest.Wait()
	})
	want := pipeline.Pack(data, chunkSize)
	if !bytes.HasPrefix(want, out) {
		t.Fatal("container is not a prefix of the reference")
	}
	got, err := pipeline.Unpack(out)
	if err != nil {
		t.Fatal(err)
	}
	return len(pipeline.Split(got, chunkSize))
}

const (
	fastDisk = time.Millisecond     // four writes take 4ms: within the sleep
	loaded   = 4 * time.Millisecond // writes end at 4, 8, 12, 16ms: two before the sleep does
)

// TestBrokenPassesOnAFastDisk is why the sleep ships.
func TestBrokenPassesOnAFastDisk(t *testing.T) {
	if got := frames(t, PackBroken, fastDisk); got != chunks {
		t.Fatalf("%d of %d frames", got, chunks)
	}
}

func TestBrokenIsShortOnASlowDisk(t *testing.T) {
	if got := frames(t, PackBroken, loaded); got != 2 {
		t.Fatalf("%d of %d frames, want 2: the sleep ends at 10ms, between the second and third writes", got, chunks)
	}
}

func TestFixedWaitsForTheWriter(t *testing.T) {
	for _, perWrite := range []time.Duration{fastDisk, loaded, time.Hour} {
		if got := frames(t, PackFixed, perWrite); got != chunks {
			t.Fatalf("%v per write: %d of %d frames", perWrite, got, chunks)
		}
	}
}

func show(t *testing.T, pack func([]pipeline.Chunk, Disk) []byte) {
	for _, perWrite := range []time.Duration{fastDisk, loaded} {
		fmt.Printf("%v per write: %d of %d frames in the container\n", perWrite, frames(t, pack, perWrite), chunks)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, fmt.Sprintf("broken: time.Sleep(%v) before reading the container", settle))
	show(t, PackBroken)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: wait for the writer to close its done channel")
	show(t, PackFixed)
}
