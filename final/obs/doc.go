// Package obs is the pipeline's observability: what the engine did
// (counters), what it is doing (gauges), how long its steps take (HDR
// histograms with p50, p95 and p99), all served to Prometheus from one
// Metrics, plus a one-screen Summary for people.
//
// The engine feeds a *Metrics through the methods in hooks.go. They are
// safe for concurrent use, and every one of them is a no-op on a nil
// *Metrics, so an engine without metrics pays one nil check per call and
// never reads the clock.
//
// Counters and gauges are atomics: they are touched once per chunk, and
// each is a single word. The histograms (hdrhistogram-go) are not safe for
// concurrent use, and each is guarded by its own mutex. The alternative,
// one histogram per worker merged at scrape time, avoids the lock but
// needs a registry of workers and a merge; with one record per chunk
// (about a thousand a second per core at 1 MiB chunks) the mutex is never
// contended enough to measure, so the simpler design wins.
//
// The Prometheus side is a custom prometheus.Collector: nothing is copied
// into client_golang's metric types as the engine runs; at scrape time the
// collector reads the atomics, the histograms and the resources function
// given to WatchResources. obs knows no governor, and no engine: the engine
// gives it a function reporting its governor's figures, and the labels of
// its work ("encode", "decode"), so obs, govern and engine stay apart.
// Durations are exported in seconds, as Prometheus expects, from
// histograms recorded in microseconds.
//
// The stages also mark themselves for the execution tracer: each run is a
// runtime/trace task and each step a region (see the engine). Both cost a
// check of a flag when tracing is off.
//
// Time comes from a clock given to New (WithClock), so tests can drive it.
package obs
