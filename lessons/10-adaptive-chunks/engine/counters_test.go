package engine_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Five ways for workers to count events together, from the one that is
// wrong to the one that scales. Each worker calls add with its own number;
// total is called once every worker has returned, so reading the count
// needs no synchronisation of its own: wg.Wait happens after every add.

// docs:region counter-kinds
// A counter is one way to count what workers do: worker w calls add(w);
// total runs after every worker has returned.
type counter interface {
	add(worker int)
	total() int64
}

// plainCounter is one int64 shared by every worker, with no
// synchronisation: n++ is a load, an add and a store, and two workers can
// interleave them and lose an add. It is a data race.
type plainCounter struct{ n int64 }

func (c *plainCounter) add(int)      { c.n++ }
func (c *plainCounter) total() int64 { return c.n }

// mutexCounter takes a lock around every add: correct, and every add
// waits for the lock when another worker holds it.
type mutexCounter struct {
	mu sync.Mutex
	n  int64
}

func (c *mutexCounter) add(int) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}
func (c *mutexCounter) total() int64 { return c.n }

// atomicCounter is one atomic.Int64: correct, no lock, readable at any
// time; but every add from every core writes the same cache line, which
// has to travel from core to core.
type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) add(int)      { c.n.Add(1) }
func (c *atomicCounter) total() int64 { return c.n.Load() }

// perWorkerCounter gives each worker an int64 of its own, summed at the
// end. No two workers touch the same variable, so there is no race and no
// atomic; but the int64s sit side by side, eight to a cache line, and the
// line still travels between cores on every add: false sharing.
type perWorkerCounter struct{ n []int64 }

func (c *perWorkerCounter) add(w int) { c.n[w]++ }
func (c *perWorkerCounter) total() (sum int64) {
	for _, n := range c.n {
		sum += n
	}
	return sum
}

// cacheLine is the size of the block of memory a core owns at a time: 64
// bytes on amd64 and most arm64 cores.
const cacheLine = 64

// paddedCounter is perWorkerCounter with each worker's int64 on a cache
// line of its own: each core keeps its line, and an add costs what it
// costs on one core.
type paddedCounter struct{ n []paddedInt64 }

type paddedInt64 struct {
	n int64
	_ [cacheLine - 8]byte
}

func (c *paddedCounter) add(w int) { c.n[w].n++ }
func (c *paddedCounter) total() (sum int64) {
	for i := range c.n {
		sum += c.n[i].n
	}
	return sum
}

// docs:endregion counter-kinds

// paddedAtomicCounter is paddedCounter with atomic adds, so that another
// goroutine may read the total while the workers count: the sharded
// counter of this lesson's exercise. An uncontended atomic add costs a
// few nanoseconds; the contention is what costs.
type paddedAtomicCounter struct{ n []paddedAtomic }

type paddedAtomic struct {
	n atomic.Int64
	_ [cacheLine - 8]byte
}

func (c *paddedAtomicCounter) add(w int) { c.n[w].n.Add(1) }
func (c *paddedAtomicCounter) total() (sum int64) {
	for i := range c.n {
		sum += c.n[i].n.Load()
	}
	return sum
}

// counterKinds are the counters BenchmarkCounters compares, by name, each
// made for a number of workers.
var counterKinds = []struct {
	name string
	new  func(workers int) counter
}{
	{"plain", func(int) counter { return &plainCounter{} }},
	{"mutex", func(int) counter { return &mutexCounter{} }},
	{"atomic", func(int) counter { return &atomicCounter{} }},
	{"per-worker", func(w int) counter { return &perWorkerCounter{make([]int64, w)} }},
	{"padded", func(w int) counter { return &paddedCounter{make([]paddedInt64, w)} }},
	{"padded-atomic", func(w int) counter { return &paddedAtomicCounter{make([]paddedAtomic, w)} }},
}

// docs:region count
// count has workers goroutines add to c, n adds in all, and returns the
// total once they have all returned.
func count(c counter, workers, n int) int64 {
	var wg sync.WaitGroup
	for w := range workers {
		adds := n / workers
		if w < n%workers {
			adds++
		}
		wg.Go(func() {
			for range adds {
				c.add(w)
			}
		})
	}
	wg.Wait() // every add happens before this returns, so total reads plain memory safely
	return c.total()
}

// docs:endregion count

// BenchmarkCounters puts the counters side by side, one worker per core,
// each op one add. The plain counter is left out under -race: it is the
// data race TestPlainCounterRaces proves, and it is measured only to show
// what a wrong answer costs (and loses).
func BenchmarkCounters(b *testing.B) {
	workers := runtime.GOMAXPROCS(0)
	for _, k := range counterKinds {
		b.Run("kind="+k.name, func(b *testing.B) {
			if k.name == "plain" && raceEnabled {
				b.Skip("a data race: not run under -race (TestPlainCounterRaces shows the report)")
			}
			c := k.new(workers)
			got := count(c, workers, b.N)
			if lost := int64(b.N) - got; k.name == "plain" {
				b.ReportMetric(100*float64(lost)/float64(b.N), "lost-%")
			} else if lost != 0 {
				b.Fatalf("counted %d of %d adds", got, b.N)
			}
		})
	}
}

// Every counter but the plain one counts every add exactly, with any
// number of workers, and (under -race, as CI runs it) without a race.
func TestCountersCountEveryAdd(t *testing.T) {
	const n = 100_000
	for _, k := range counterKinds {
		if k.name == "plain" {
			continue // TestPlainCounterRaces
		}
		for _, workers := range []int{1, 2, 3, 8} {
			if got := count(k.new(workers), workers, n); got != n {
				t.Errorf("kind=%s, %d workers: counted %d of %d adds", k.name, workers, got, n)
			}
		}
	}
}

// childEnv names the helper test a re-executed test binary must run.
const childEnv = "LESSON05_CHILD"

// TestHelperPlainCounter is the racy counter at work. It runs only in a
// child process that TestPlainCounterRaces starts with the race detector
// compiled in, never in the test run itself.
func TestHelperPlainCounter(t *testing.T) {
	if os.Getenv(childEnv) != t.Name() {
		t.Skip("helper: runs only in a child process started by TestPlainCounterRaces")
	}
	if got := count(&plainCounter{}, 2, 20_000); got != 20_000 {
		t.Logf("lost %d of 20000 adds", 20_000-got)
	}
}

// The plain counter races, and the race detector says so on every run:
// it reports two accesses to one variable that no happens-before edge
// orders, whichever order they ran in, so the report does not depend on
// the workers ever actually colliding. The racy code runs in a child
// process, and this test passes when the child's report is there.
func TestPlainCounterRaces(t *testing.T) {
	out := runRaceChild(t, "TestHelperPlainCounter")
	for _, want := range []string{"WARNING: DATA RACE", "(*plainCounter).add", "race detected during execution of test"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the child's output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("the child's race report, trimmed:\n%s", trimRaceReport(out))
}

// runRaceChild runs the helper test named helper in a child process built
// with the race detector, and returns what it printed. The child is this
// very binary when it was built with -race (as CI builds it); otherwise a
// copy built with go test -race -c. Without a race detector (no cgo) the
// test is skipped, saying why.
func runRaceChild(t *testing.T, helper string) string {
	t.Helper()
	bin := os.Args[0]
	if !raceEnabled {
		bin = filepath.Join(t.TempDir(), "race.test")
		if out, err := exec.Command("go", "test", "-race", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Skipf("cannot build the tests with -race here (%v: %s): run go test -race, as CI does", err, firstLine(string(out)))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard only: the child takes milliseconds
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^"+helper+"$", "-test.count=1", "-test.v")
	// Two threads, so the workers really run at once; no pause at exit
	// (a race-enabled binary otherwise waits a second for late reports).
	cmd.Env = append(os.Environ(), childEnv+"="+helper, "GOMAXPROCS=2", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("child %s: %v", helper, err)
	}
	return string(out)
}

// trimRaceReport keeps the first race report's two accesses, without
// the stacks of where the goroutines were created, and the line the
// testing package adds: what the chapter shows.
func trimRaceReport(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Goroutine ") {
			break // the first report's two accesses are done
		}
		if len(keep) > 0 || strings.HasPrefix(l, "WARNING: DATA RACE") {
			keep = append(keep, l)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "race detected during execution of test") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	return strings.Join(keep, "\n")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
