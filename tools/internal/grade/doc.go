// Package grade runs an exercise's hidden tests against a package and
// turns go test's JSON output into a short verdict per behaviour.
//
// The hidden tests live outside the package, in tools/testdata/grade/NAME,
// so learners solve the problem rather than the tests. At grading time they
// are laid into the package with go test's -overlay flag: the files on disk
// are never touched. Each test runs with the race detector when there is a
// C compiler for it, and with goleak.
//
// A test binary that crashes (a panic in a goroutine, a synctest deadlock,
// a timeout) takes the tests after it down with it, so [Run] runs the tests
// that got no verdict again, in a new binary, until every test has one.
package grade
