package grade

import (
	"strings"
	"testing"

	"packcourse/tools/docs"
)

// TestADeadlockIsReportedWithItsFileAndLine grades a registered wrong
// answer of each exercise that deadlocks, in place of the reference
// answer, and checks the verdict names the operation and the file:line of
// the answer where its goroutines are stuck, whether the test ran in a
// synctest bubble (its deadlock report) or not (the grader's timeout and
// the goroutine dump it prints).
func TestADeadlockIsReportedWithItsFileAndLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four exercises with the race detector")
	}
	root, err := docs.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	race, _ := HostToolchain("go").RaceDetector()
	cases := []struct {
		exercise, wrong, test string
		want                  []string
	}{
		// A bubble's deadlock report.
		{"leak", "reader_plain_send.go", "TestLeavesNoGoroutineWhenAWriteFailsUnderBackpressure",
			[]string{"deadlock", "chan send at leak.go:", "(read)"}},
		// A test's own "blocked for ever" message, with where.
		{"workerpool", "workers_quit_feeder_blocks.go", "TestReturnsTheFirstError",
			[]string{"blocked for ever", "chan send at workerpool.go:"}},
		{"ordered", "unbuffered_futures.go", "TestStopsWhenCancelled",
			[]string{"never closed", "chan send at ordered.go:"}},
		// Outside a bubble: the grader's timeout.
		{"bufpool", "lock_held_while_waiting.go", "TestGetWaitsForAPut",
			[]string{"did not finish within", "sync.Mutex.Lock at bufpool.go:", "((*Pool).Put)"}},
	}
	for _, c := range cases {
		t.Run(c.exercise, func(t *testing.T) {
			hidden := "tools/testdata/grade/" + c.exercise
			res, err := Run(t.Context(), Options{
				Root: root, Dir: "solutions/" + c.exercise, Hidden: hidden, Race: race,
				Replace: map[string]string{"solutions/" + c.exercise + "/" + c.exercise + ".go": hidden + "/wrong/" + c.wrong},
				Only:    []string{c.test},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Tests) != 1 || res.Tests[0].Outcome != Failed {
				t.Fatalf("%s with %s: got %+v, want one failed test", c.test, c.wrong, res.Tests)
			}
			for _, w := range c.want {
				if !strings.Contains(res.Tests[0].Reason, w) {
					t.Errorf("%s with %s: reason %q does not contain %q", c.test, c.wrong, res.Tests[0].Reason, w)
				}
			}
		})
	}
}
