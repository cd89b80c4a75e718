// Package loopvar shows loop-variable capture, a classic Go 1.22 retired:
// shown honestly, as stale. Before Go 1.22 a for loop had one variable for
// all its iterations, so closures created in the loop all saw its last
// value. Since Go 1.22 each iteration has its own variable, for modules
// whose go.mod says go 1.22 or later. The same program, built by the same
// Go in a go 1.21 module and in a go 1.22 module, shows both
// (testdata/go1.21, testdata/go1.22). A module that still says go 1.21
// still has the bug.
//
// Modelled on moby/moby#22941: a goroutine started in a loop read the
// loop variable while the loop went on writing it, which the race
// detector reported.
//
// What Go 1.22 did not fix is a closure that shares a variable declared
// outside the loop: see closure-shared-variable.
package loopvar
