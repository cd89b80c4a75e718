package rwr

import (
	"runtime"
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// use looks up a frame's offset while a writer arrives, in the order that
// deadlocks the broken lookup: the reader holds its read lock, then the
// writer queues, then the reader goes on. TryRLock fails exactly when a
// writer is waiting, which is how the reader knows the writer is queued.
func use(offset func(*Index, int) int64) {
	x := &Index{}
	x.Add(pipeline.Frame{}, 0)
	holding := make(chan struct{})
	x.held = func() {
		close(holding)
		for x.mu.TryRLock() { // no writer waiting yet
			x.mu.RUnlock()
			runtime.Gosched()
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		offset(x, 0)
	}()
	<-holding
	x.Add(pipeline.Frame{}, 100) // the writer: waits for the reader's lock
	<-done
}

// The helpers run in a child: goroutines stuck on a mutex cannot be
// recovered, but the runtime reports when all of them are.
func TestHelperBroken(t *testing.T) { proof.Child(t); use((*Index).OffsetBroken) }
func TestHelperFixed(t *testing.T)  { proof.Child(t); use((*Index).OffsetFixed) }

func TestBrokenDeadlocks(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperBroken")
	proof.Contains(t, out, "fatal error: all goroutines are asleep - deadlock!", "sync.RWMutex.RLock", "sync.RWMutex.Lock")
}

func TestFixedCompletes(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperFixed")
	proof.Contains(t, out, "--- PASS: TestHelperFixed")
	proof.Lacks(t, out, "deadlock")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: a second read lock while a writer waits")
	proof.Print(proof.RunPlain(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: one read lock per lookup")
	proof.Print(proof.RunPlain(t, "TestHelperFixed"))
}
