package condnever

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"

	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// fail has two workers share a one-buffer pool: the first takes the
// buffer, the second waits for it, and the first then fails and closes the
// pool instead of returning the buffer (the error path). The waiter must
// give up. In a bubble sync.Cond.Wait is a durable block, so if it never
// gives up synctest reports the deadlock.
func fail(t *testing.T, get func(*Pool) ([]byte, error), closePool func(*Pool)) error {
	var err error
	synctest.Test(t, func(t *testing.T) {
		p := NewPool(1, 1024)
		if _, err := get(p); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err = get(p)
		}()
		synctest.Wait() // the second worker is waiting
		closePool(p)
		<-done
	})
	return err
}

// TestHelperBroken runs in a child: a deadlocked bubble panics.
func TestHelperBroken(t *testing.T) {
	proof.Child(t)
	fail(t, (*Pool).GetBroken, (*Pool).CloseBroken)
}

func TestBrokenWaitsForEver(t *testing.T) {
	out := proof.Run(t, "TestHelperBroken")
	proof.Contains(t, out, "deadlock: all goroutines in bubble are blocked", "sync.Cond.Wait", "(*Pool).GetBroken")
}

func TestFixedGivesUp(t *testing.T) {
	if err := fail(t, (*Pool).GetFixed, (*Pool).CloseFixed); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close = %v, want ErrClosed", err)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: Close wakes nobody, and Get would not look")
	proof.Print(proof.Run(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: Close broadcasts, Get checks closed")
	fmt.Printf("the waiting Get returned: %v\n", fail(t, (*Pool).GetFixed, (*Pool).CloseFixed))
}
