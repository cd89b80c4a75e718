package orderviolation

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

// slowContainer takes a millisecond of the bubble's fake clock per write,
// like a slow disk. Its mutex makes each call safe, so the race detector
// stays quiet and what is left is the order: which happens first, the last
// write or the read.
type slowContainer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *slowContainer) Write(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *slowContainer) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Bytes()
}

type packer func([]pipeline.Chunk, Container) []byte

// sizes packs 8 chunks into a slow container in a synctest bubble and
// returns the size returned and the reference size. The fake clock moves
// only when every goroutine waits, so the broken read always comes before
// the copier's last write: the same short container on every run.
func sizes(t *testing.T, pack packer) (got, want int) {
	data := pipeline.Input(8*1024, 10)
	synctest.Test(t, func(t *testing.T) {
		got = len(pack(pipeline.Split(data, 1024), &slowContainer{}))
	})
	return got, len(pipeline.Pack(data, 1024))
}

func TestBrokenReadsTooEarly(t *testing.T) {
	if got, want := sizes(t, PackBroken); got >= want {
		t.Fatalf("container of %d bytes, want it short of %d: the read came too late to show the bug", got, want)
	}
}

func TestFixedReadsEverything(t *testing.T) {
	if got, want := sizes(t, PackFixed); got != want {
		t.Fatalf("container of %d bytes, want %d", got, want)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the container is read before the copier is done")
	got, want := sizes(t, PackBroken)
	fmt.Printf("container returned: %d bytes of %d\n", got, want)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: wait for the copier, then read")
	got, want := sizes(t, PackFixed)
	fmt.Printf("container returned: %d bytes of %d\n", got, want)
}
