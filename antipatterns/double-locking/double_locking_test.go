package doublelocking

import (
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// use asks for the pending bytes of an empty writer, then adds a frame.
func use(pending func(*Writer) int) {
	var w Writer
	pending(&w)
	w.Add(pipeline.Frame{Index: 0, Body: []byte("frame")})
}

// The helpers run in a child process: a goroutine stuck on a mutex is not
// something a test can recover from, but when every goroutine is stuck the
// runtime says so and exits.
func TestHelperBroken(t *testing.T) { proof.Child(t); use((*Writer).PendingBroken) }
func TestHelperFixed(t *testing.T)  { proof.Child(t); use((*Writer).PendingFixed) }

func TestBrokenDeadlocks(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperBroken")
	proof.Contains(t, out, "fatal error: all goroutines are asleep - deadlock!", "(*Writer).Add")
}

func TestFixedCompletes(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperFixed")
	proof.Contains(t, out, "--- PASS: TestHelperFixed")
	proof.Lacks(t, out, "deadlock")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: an early return keeps the lock")
	proof.Print(proof.RunPlain(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: the Unlock is deferred")
	proof.Print(proof.RunPlain(t, "TestHelperFixed"))
}
