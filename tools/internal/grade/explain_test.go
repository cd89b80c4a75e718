package grade

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The outputs below are cut from real go test runs of wrong answers.

const raceOutput = `=== RUN   TestIsSafeForConcurrentUse
==================
WARNING: DATA RACE
Read at 0x00c00008c710 by goroutine 16:
  packcourse/exercises/bufpool.(*Pool).Get()
      /work/main/exercises/bufpool/bufpool.go:45 +0x1d5
  packcourse/exercises/bufpool.TestIsSafeForConcurrentUse.func1()
      /work/main/exercises/bufpool/zz_hidden_test.go:271 +0xae

Previous write at 0x00c00008c710 by goroutine 9:
  packcourse/exercises/bufpool.(*Pool).Put()
      /work/main/exercises/bufpool/bufpool.go:69 +0x1ea
  packcourse/exercises/bufpool.TestIsSafeForConcurrentUse.func1()
      /work/main/exercises/bufpool/zz_hidden_test.go:278 +0x125

Goroutine 16 (running) created at:
  sync.(*WaitGroup).Go()
      /usr/local/go/src/sync/waitgroup.go:238 +0x72
==================
    zz_hidden_test.go:288: Out() = 1 after every buffer was given back by 8 goroutines, want 0
    testing.go:1617: race detected during execution of test
--- FAIL: TestIsSafeForConcurrentUse (0.02s)`

const deadlockOutput = `=== RUN   TestReturnsTheFirstError
--- FAIL: TestReturnsTheFirstError (0.00s)
panic: deadlock: main bubble goroutine has exited but blocked goroutines remain [recovered, repanicked]

goroutine 20 [running]:
testing.tRunner.func1.2({0x639b80, 0xc0000a6348})
	/usr/local/go/src/testing/testing.go:1974 +0x419
internal/synctest.Run(0xc000062180)
	/usr/local/go/src/runtime/synctest.go:251 +0x2f4

goroutine 27 [chan send (durable), synctest bubble 1]:
packcourse/exercises/workerpool.Run.func1()
	/work/main/exercises/workerpool/workerpool.go:31 +0x107
created by packcourse/exercises/workerpool.Run in goroutine 23
	/work/main/exercises/workerpool/workerpool.go:28 +0xde

goroutine 28 [chan send (durable), synctest bubble 1]:
packcourse/exercises/workerpool.Run.func1()
	/work/main/exercises/workerpool/workerpool.go:31 +0x107
created by packcourse/exercises/workerpool.Run in goroutine 23
	/work/main/exercises/workerpool/workerpool.go:28 +0xde
FAIL	packcourse/exercises/workerpool	0.124s`

const panicOutput = `=== RUN   TestKeepsOrderUnderRandomDelays
panic: send on closed channel

goroutine 31 [running]:
packcourse/exercises/ordered.Map.func2()
	/work/main/exercises/ordered/ordered.go:40 +0x9c
created by packcourse/exercises/ordered.Map in goroutine 30
	/work/main/exercises/ordered/ordered.go:35 +0x1a5`

const timeoutOutput = `=== RUN   TestGetWaitsForAPut
panic: test timed out after 2m0s
	running tests:
		TestGetWaitsForAPut (2m0s)

goroutine 41 [running]:
testing.(*M).startAlarm.func1()
	/usr/local/go/src/testing/testing.go:2682 +0x345

goroutine 7 [chan receive]:
testing.(*T).Run(0xc000003340, {0x5f2b7e?, 0x4?}, 0x60c0c8)
	/usr/local/go/src/testing/testing.go:2005 +0x485

goroutine 35 [chan receive, 1 minutes]:
packcourse/exercises/bufpool.(*Pool).Get(0xc0000a2000, {0x6a0f10, 0xc0000b4000})
	/work/main/exercises/bufpool/bufpool.go:52 +0x5a
packcourse/exercises/bufpool.TestGetWaitsForAPut(0xc000003500)
	/work/main/exercises/bufpool/zz_hidden_test.go:120 +0x9c`

// What goleak's VerifyTestMain prints when a test that passed left a
// goroutine behind.
const goleakOutput = `PASS
goleak: Errors on successful test run: found unexpected goroutines:
[Goroutine 9 in state chan send, with packcourse/exercises/leak.hash on top of the stack:
packcourse/exercises/leak.hash(0xc000020120, 0xc000020180)
	/work/main/exercises/leak/leak.go:92 +0xc5
packcourse/exercises/leak.Sums.func2()
	/work/main/exercises/leak/leak.go:34 +0x25
created by sync.(*WaitGroup).Go in goroutine 8
	/usr/local/go/src/sync/waitgroup.go:237 +0x73
]
FAIL	packcourse/exercises/leak	0.466s`

const fatalOutput = `=== RUN   TestIsSafeForConcurrentUse
fatal error: concurrent map writes

goroutine 12 [running]:
internal/runtime/maps.fatal({0x5e4b2a?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1181 +0x18
packcourse/exercises/bufpool.(*Pool).Put(0xc000012345, {0xc000100000, 0x8, 0x8})
	/work/main/exercises/bufpool/bufpool.go:61 +0x7a`

func TestExplain(t *testing.T) {
	tests := []struct {
		name, out, dir string
		want           []string // substrings of the one-line reason
	}{
		{"a race beats the test's message", raceOutput, "exercises/bufpool",
			[]string{"data race: read at bufpool.go:45 ((*Pool).Get) and previous write at bufpool.go:69 ((*Pool).Put)"}},
		{"the test's first message", "=== RUN   TestX\n    zz_hidden_test.go:42: result 1 was chunk 2\n    zz_hidden_test.go:50: second\n--- FAIL: TestX (0.00s)", "exercises/ordered",
			[]string{"result 1 was chunk 2"}},
		{"a message beats the deadlock after it", "    zz_hidden_test.go:139: 1 goroutine(s) of Map were still blocked\n" + deadlockOutput, "exercises/workerpool",
			[]string{"1 goroutine(s) of Map were still blocked"}},
		{"a synctest deadlock names where your goroutines are stuck", deadlockOutput, "exercises/workerpool",
			[]string{"left blocked for ever", "2 goroutine(s)", "yours are in chan send at workerpool.go:31 (Run.func1)"}},
		{"a panic in your goroutine", panicOutput, "exercises/ordered",
			[]string{"panicked: send on closed channel at ordered.go:40 (Map.func2)", "a send came after the close"}},
		{"a second close is named as the second", strings.Replace(panicOutput, "send on closed channel", "close of closed channel", 1), "exercises/ordered",
			[]string{"panicked: close of closed channel at ordered.go:40", "closed twice, and this is the second close"}},
		{"a timeout", timeoutOutput, "exercises/bufpool",
			[]string{"did not finish within 2m0s, so it is stuck", "yours are in chan receive at bufpool.go:52 ((*Pool).Get)"}},
		{"a leak goleak found after the test passed", goleakOutput, "exercises/leak",
			[]string{"left goroutines running after the test ended", "1 goroutine(s); yours are in chan send at leak.go:92 (hash)"}},
		{"a fatal error", fatalOutput, "exercises/bufpool",
			[]string{"crashed: concurrent map writes at bufpool.go:61 ((*Pool).Put)"}},
		{"nothing to go on", "=== RUN   TestX\n--- FAIL: TestX (0.00s)", "exercises/x",
			[]string{"failed without saying why"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explain(strings.Split(tt.out, "\n"), tt.dir)
			if strings.Contains(got, "\n") {
				t.Errorf("explain returned several lines: %q", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("explain = %q, want it to contain %q", got, w)
				}
			}
		})
	}
}

func TestFuncName(t *testing.T) {
	for call, want := range map[string]string{
		"packcourse/exercises/bufpool.(*Pool).Put(0xc000012345, {0xc000100000, 0x8, 0x8})": "packcourse/exercises/bufpool.(*Pool).Put",
		"packcourse/exercises/ordered.Map.func2()":                                         "packcourse/exercises/ordered.Map.func2",
		"panic({0x639b80?, 0xc0000a6348?})":                                                "panic",
		"main.main":                                                                        "main.main",
	} {
		if got := funcName(call); got != want {
			t.Errorf("funcName(%q) = %q, want %q", call, got, want)
		}
	}
}
