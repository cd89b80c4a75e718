// Wrong: workers take jobs from the queues under a mutex, and run the job
// before unlocking it: one job runs at a time whatever the slots, and
// every other worker waits on the lock (a wait synctest cannot see
// through, so the test hangs until its timeout).
// Caught by: TestSmallJobsFinishWhileHugeJobsRun
// Package lanes runs jobs of known sizes in two lanes, so that a stream of
// large jobs cannot hold up the small ones: lesson 09's size-classed
// scheduler, cut down to its skeleton.
package lanes

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	if cfg.SmallSlots < 1 || cfg.LargeSlots < 1 {
		return fmt.Errorf("%w: %d small and %d large slots, want at least 1 of each", ErrConfig, cfg.SmallSlots, cfg.LargeSlots)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := &queues{}
	q.more = sync.NewCond(&q.mu)
	var wg sync.WaitGroup
	for range cfg.SmallSlots {
		wg.Go(func() { q.work(ctx, cancel, true) })
	}
	for range cfg.LargeSlots {
		wg.Go(func() { q.work(ctx, cancel, false) })
	}
	for j := range jobs {
		q.mu.Lock()
		if j.Size <= cfg.Threshold {
			q.small = append(q.small, j)
		} else {
			q.large = append(q.large, j)
		}
		q.mu.Unlock()
		q.more.Broadcast()
	}
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.more.Broadcast()
	wg.Wait()
	if q.err != nil {
		return q.err
	}
	return ctx.Err()
}

// queues is the state the workers share, under mu.
type queues struct {
	mu           sync.Mutex
	more         *sync.Cond
	small, large []Job
	closed       bool
	err          error
}

// work takes jobs until the queues are empty and closed: a small worker
// from the small queue only, a large worker from the large queue first.
func (q *queues) work(ctx context.Context, cancel func(), smallOnly bool) {
	for {
		q.mu.Lock()
		for len(q.small) == 0 && (smallOnly || len(q.large) == 0) && !q.closed {
			q.more.Wait()
		}
		var j Job
		switch {
		case !smallOnly && len(q.large) > 0:
			j, q.large = q.large[0], q.large[1:]
		case len(q.small) > 0:
			j, q.small = q.small[0], q.small[1:]
		default:
			q.mu.Unlock()
			return
		}
		if err := j.Run(ctx); err != nil && q.err == nil {
			q.err = err
			cancel()
		}
		q.mu.Unlock()
	}
}
