// The broken test: each frame is checked in its own goroutine, and a
// failing check calls t.Fatal there. go vet's testinggoroutine check
// reports it (in a go statement; it does not look inside wg.Go); the test package around it would not build under go vet
// work, which is why it lives in a module of its own under testdata.
package frames

import (
	"sync"
	"testing"
)

func TestFrames(t *testing.T) {
	frames := [][]byte{[]byte("frame 0"), nil, []byte("frame 2")}
	var wg sync.WaitGroup
	for i, f := range frames {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if len(f) == 0 {
				// Fatal stops this goroutine, not the test.
				t.Fatalf("frame %d is empty", i)
			}
		}()
	}
	wg.Wait()
	t.Log("still running after t.Fatal: the test went on past the failure")
}
