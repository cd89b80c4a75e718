package peritem

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const chunkSize, workers = 256, 4

// goroutinesIn counts the goroutines whose stack runs a function literal
// of fn (PackBroken.func1, PackFixed.func1): the goroutines fn started.
func goroutinesIn(fn string) int {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "."+fn+".func") {
			count++
		}
	}
	return count
}

// peak packs chunks chunks in a synctest bubble, where every read takes a
// millisecond of fake time, and counts the pack's goroutines at the moment
// every goroutine in the bubble is blocked: all of them started, none
// finished. It also checks the output against the reference.
func peak(t *testing.T, chunks int, fn string, pack func(int, Reader) []pipeline.Frame) int {
	data := pipeline.Input(chunks*chunkSize, 51)
	parts := pipeline.Split(data, chunkSize)
	read := func(i int) []byte {
		time.Sleep(time.Millisecond)
		return parts[i].Data
	}
	var (
		count  int
		frames []pipeline.Frame
	)
	synctest.Test(t, func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			frames = pack(chunks, read)
		}()
		synctest.Wait()
		count = goroutinesIn(fn)
		<-done
	})
	var out []byte
	for _, f := range frames {
		out = append(out, f.Encode()...)
	}
	if !bytes.Equal(out, pipeline.Pack(data, chunkSize)) {
		t.Fatalf("%s: output differs from the sequential reference", fn)
	}
	return count
}

func broken(n int, r Reader) []pipeline.Frame { return PackBroken(n, r) }
func fixed(n int, r Reader) []pipeline.Frame  { return PackFixed(n, workers, r) }

var sizes = []int{16, 128} // chunks: an input eight times larger

func TestBrokenGrowsWithTheInput(t *testing.T) {
	for _, chunks := range sizes {
		if got := peak(t, chunks, "PackBroken", broken); got != chunks {
			t.Fatalf("%d chunks: %d goroutines at the peak, want %d (one per chunk)", chunks, got, chunks)
		}
	}
}

func TestFixedStaysBounded(t *testing.T) {
	for _, chunks := range sizes {
		if got := peak(t, chunks, "PackFixed", fixed); got != workers {
			t.Fatalf("%d chunks: %d goroutines at the peak, want %d (the pool)", chunks, got, workers)
		}
	}
}

func show(t *testing.T, fn string, pack func(int, Reader) []pipeline.Frame) {
	for _, chunks := range sizes {
		fmt.Printf("%4d chunks: %4d goroutines at the peak\n", chunks, peak(t, chunks, fn, pack))
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: a goroutine per chunk")
	show(t, "PackBroken", broken)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, fmt.Sprintf("fixed: a pool of %d workers", workers))
	show(t, "PackFixed", fixed)
}
