// Package lanes runs jobs of known sizes in two lanes, so that a stream of
// large jobs cannot hold up the small ones: lesson 09's size-classed
// scheduler, cut down to its skeleton. See README.md for the task.
package lanes

import (
	"context"
	"errors"
)

// A Job is one piece of work whose size is known before it runs: a file
// to pack, say, and its length in bytes.
type Job struct {
	Size int64
	Run  func(ctx context.Context) error
}

// A Config sets the lanes. A job of Size at most Threshold is small; any
// larger job is large.
//
// SmallSlots jobs may run in the small lane's slots, and only small jobs
// take them: they are the small jobs' reserve, which no large job can
// take. LargeSlots jobs may run in the large lane's slots: a large job
// takes one whenever one is free, and a small job may borrow a free one
// only when its own lane's slots are all taken and no large job is
// waiting.
type Config struct {
	Threshold  int64
	SmallSlots int
	LargeSlots int
}

// ErrConfig is wrapped by the error Run returns for a Config with fewer
// than one slot in a lane.
var ErrConfig = errors.New("lanes: bad config")

// Run receives jobs until the channel is closed and runs each in a slot of
// its lane, as Config says, and returns once every job has run.
//
// Jobs of a lane start in the order they were received. Run wastes no
// slot: when a slot is free and a job that may take it is waiting, the job
// starts at once. It runs each job on a goroutine of its own and starts
// no goroutine for a job that has no slot yet.
//
// The first job to return an error stops the run: Run stops receiving and
// starting jobs, cancels the context the running jobs were given, and
// returns that first error once they have returned. If ctx is done first,
// Run stops the same way and returns ctx's error. Either way no goroutine
// of Run outlives it. A Config with a lane of no slots is an error
// wrapping ErrConfig, and Run receives nothing.
func Run(ctx context.Context, cfg Config, jobs <-chan Job) error {
	// This is lesson 00's shape: one job at a time, in the order they
	// come, so there is one slot for everything and a huge job holds up
	// every job behind it.
	//
	// TODO: refuse a lane with no slots (wrap ErrConfig).
	// TODO: keep a FIFO queue per lane, and count the free slots of each
	//       kind; run each job on a goroutine of its own, started when it
	//       has a slot, which reports back when the job returns.
	// TODO: in one loop, wait for whichever comes first: a job on the
	//       channel, a job's report, or ctx done; after each, start every
	//       waiting job that has a slot (small jobs in small slots, large
	//       jobs in large slots, then small jobs in the large slots left).
	// TODO: at the first error, or when ctx is done: start nothing more,
	//       cancel the running jobs' context, wait for them, and return
	//       that first error.
	for j := range jobs {
		if err := j.Run(ctx); err != nil {
			return err
		}
	}
	return nil
}
