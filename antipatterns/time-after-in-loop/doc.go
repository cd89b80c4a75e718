// Package timeafter shows time.After in a loop, a leak Go 1.23 retired:
// shown honestly, as stale. Before Go 1.23 a timer stayed reachable from
// the runtime until it fired, so a select with time.After(time.Hour)
// inside a busy loop kept one timer and its channel per iteration for an
// hour. Since Go 1.23 an unreferenced timer is garbage at once, in
// programs whose go.mod says go 1.23 or later (the asynctimerchan GODEBUG
// setting follows the go line). The same program built in a go 1.22
// module and a go 1.23 module shows both (testdata/go1.22,
// testdata/go1.23). A timeout for a whole loop is still better made once,
// with time.NewTimer or a context, outside it.
package timeafter
