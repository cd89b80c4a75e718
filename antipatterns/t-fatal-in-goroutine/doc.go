// Package tfatal shows testing-library misuse, t.Fatal from a goroutine:
// t.Fatal (and FailNow, SkipNow) called from a goroutine the test started.
// FailNow stops only the goroutine that calls it, so the test runs on past
// its own failure; and a goroutine that outlives its test and uses t makes
// the test binary panic. The broken and fixed tests are modules of their
// own under testdata, because go vet rejects the broken one, as it should.
//
// Modelled on knative/serving#4908: a logger writing through t.Logf from
// goroutines that could outlive the test, which the race detector
// reported inside the testing package.
package tfatal
