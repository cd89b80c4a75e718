// The fixed test: the goroutines report what they find, and the test
// goroutine decides, with t.Fatal where it belongs.
package frames

import (
	"fmt"
	"sync"
	"testing"
)

func TestFrames(t *testing.T) {
	frames := [][]byte{[]byte("frame 0"), nil, []byte("frame 2")}
	errs := make([]error, len(frames))
	var wg sync.WaitGroup
	for i, f := range frames {
		wg.Go(func() {
			if len(f) == 0 {
				errs[i] = fmt.Errorf("frame %d is empty", i)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Log("not reached: t.Fatal stopped the test")
}
