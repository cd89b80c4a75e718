package waitgroupreuse

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// A server is what the client and Shutdown see of either version.
type server interface {
	Pack([]byte) ([]byte, error)
	Shutdown()
}

const files = 3

// outcome is what one run of the scenario saw.
type outcome struct {
	packed, refused int
	inFlight        int64 // packs started and not finished when Shutdown returned
}

// shutdownWhileBusy runs, in a synctest bubble, a client that packs files
// one after another (each pack reads for a millisecond of fake time) and
// calls Shutdown half-way through the first pack. The fake clock makes the
// order the same every run: Shutdown waits with one pack in flight; that
// pack ends; the client's next Pack starts at once, in the same goroutine
// that has just woken Shutdown's Wait.
func shutdownWhileBusy(t *testing.T, newServer func(Packer) server) outcome {
	data := pipeline.Input(4*1024, 21)
	want := pipeline.Pack(data, 1024)
	var started, finished atomic.Int64
	pack := func(data []byte) []byte {
		started.Add(1)
		defer finished.Add(1)
		time.Sleep(time.Millisecond) // reading the file
		return pipeline.Pack(data, 1024)
	}
	var out outcome
	synctest.Test(t, func(t *testing.T) {
		srv := newServer(pack)
		errs := make(chan error, files)
		go func() {
			for range files {
				container, err := srv.Pack(data)
				// Only cheap work between one Pack and the next: nothing
				// here may let the scheduler run the woken Wait first.
				if err == nil && !bytes.Equal(container, want) {
					err = errors.New("container differs from the reference")
				}
				errs <- err
			}
		}()
		time.Sleep(time.Millisecond / 2) // the first pack is in flight
		srv.Shutdown()
		out.inFlight = started.Load() - finished.Load()
		for range files {
			switch err := <-errs; {
			case err == nil:
				out.packed++
			case errors.Is(err, ErrClosed):
				out.refused++
			default:
				t.Error(err)
			}
		}
	})
	return out
}

func broken(p Packer) server { return NewServerBroken(p) }
func fixed(p Packer) server  { return NewServerFixed(p) }

// TestHelperBroken runs in a child with one P and without the race
// detector (whose bookkeeping inside WaitGroup can let the woken Wait run
// first): the goroutine whose Done wakes Wait goes on running and Adds
// before the woken Wait looks at the counter, on every run. With more Ps
// the other order is possible too, which is why the bug is rare in
// production and certain here. Certain but for one thing: on a loaded
// machine the OS may stop the thread inside that short window long enough
// for the runtime to preempt the goroutine, and then Wait runs first. So
// the child repeats the scenario until it panics; one round is enough on
// any idle machine.
func TestHelperBroken(t *testing.T) {
	proof.Child(t)
	const rounds = 100
	for range rounds {
		shutdownWhileBusy(t, broken)
	}
	fmt.Printf("no panic in %d rounds\n", rounds)
}

func TestBrokenPanics(t *testing.T) {
	out := proof.RunPlain(t, "TestHelperBroken", "GOMAXPROCS=1")
	proof.Contains(t, out, "panic: sync: WaitGroup is reused before previous Wait has returned", "(*ServerBroken).Shutdown")
}

// The race detector models WaitGroup's contract: an Add from zero must
// happen before Wait. It reports this Add, racing with Shutdown's Wait,
// whichever order they ran in, with any number of Ps.
func TestHelperFixed(t *testing.T) { proof.Child(t); shutdownWhileBusy(t, fixed) }

func TestRaceDetectorReportsBroken(t *testing.T) {
	out := proof.RunRace(t, "TestHelperBroken")
	// The report names no WaitGroup frame (Pack and Shutdown are inlined,
	// and WaitGroup reports through runtime.racewrite): the fixed twin,
	// which differs only in when Add may happen, is reported clean.
	proof.Contains(t, out, "WARNING: DATA RACE", "shutdownWhileBusy")
}

func TestRaceDetectorPassesFixed(t *testing.T) {
	out := proof.RunRace(t, "TestHelperFixed")
	proof.Contains(t, out, "--- PASS: TestHelperFixed")
	proof.Lacks(t, out, "DATA RACE")
}

func TestFixedRefusesThenWaits(t *testing.T) {
	out := shutdownWhileBusy(t, fixed)
	if out.packed != 1 || out.refused != files-1 || out.inFlight != 0 {
		t.Fatalf("packed %d, refused %d, %d in flight when Shutdown returned; want 1, %d, 0",
			out.packed, out.refused, out.inFlight, files-1)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: Pack Adds to the WaitGroup Shutdown is waiting on")
	proof.Print(proof.RunPlain(t, "TestHelperBroken", "GOMAXPROCS=1"))
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: Shutdown closes the door under a mutex, then waits")
	out := shutdownWhileBusy(t, fixed)
	fmt.Printf("packed %d, refused %d (ErrClosed), %d in flight when Shutdown returned; no panic\n",
		out.packed, out.refused, out.inFlight)
}
