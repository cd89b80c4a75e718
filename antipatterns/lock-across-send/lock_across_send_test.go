package lockacrosssend

import (
	"testing"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// use writes one frame while a progress reader, which asks for the stats
// before each event, starts just as the event is being sent.
func use(write func(*Writer, pipeline.Frame)) {
	w := NewWriter()
	sending := make(chan struct{})
	w.sending = func() { close(sending) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		write(w, pipeline.Frame{Index: 0})
	}()
	<-sending
	_ = w.Stats() // the reader: stats first, then the event
	<-w.Events
	<-done
}

// The helpers run in a child: goroutines stuck on a mutex cannot be
// recovered, but the runtime reports when all of them are.
func TestHelperBroken(t *testing.T) { proof.Child(t); use((*Writer).WriteBroken) }
func TestHelperFixed(t *testing.T)  { proof.Child(t); use((*Writer).WriteFixed) }

func TestBrokenDeadlocks(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperBroken")
	proof.Contains(t, out, "fatal error: all goroutines are asleep - deadlock!", "[chan send]", "(*Writer).Stats")
}

func TestFixedCompletes(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperFixed")
	proof.Contains(t, out, "--- PASS: TestHelperFixed")
	proof.Lacks(t, out, "deadlock")
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: the event is sent with the lock held")
	proof.Print(proof.RunPlain(t, "TestHelperBroken"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: unlock, then send")
	proof.Print(proof.RunPlain(t, "TestHelperFixed"))
}
