// Wrong: a job's error that is, or wraps, context.Canceled is taken for a
// cancellation Run caused and ignored, even while ctx is live and Run has
// cancelled nothing, so a job that fails with its own cancellation does not
// stop the run; breaks "the first job to return an error stops the run".
// Caught by: TestAJobsOwnCanceledErrorStopsTheRun, TestKeepsTheFirstErrorWhateverTheStoppedJobsReturn
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
	s := &scheduler{
		cfg:      cfg,
		free:     [2]int{small: cfg.SmallSlots, large: cfg.LargeSlots},
		finished: make(chan finish, cfg.SmallSlots+cfg.LargeSlots),
	}
	defer s.jobs.Wait() // no job outlives Run, whatever ends it
	// docs:region event-loop
	for {
		if err := ctx.Err(); err != nil {
			s.stop(err) // keeps the first error, if a job's came before
		}
		if s.stopped {
			jobs = nil // receive no more
		}
		s.dispatch(ctx)
		if jobs == nil && s.running == 0 {
			return s.err
		}
		var done <-chan struct{}
		if !s.stopped {
			done = ctx.Done()
		}
		select {
		case j, ok := <-jobs:
			if !ok {
				jobs = nil
				continue
			}
			s.queued[laneOf(j, cfg)] = append(s.queued[laneOf(j, cfg)], j)
		case f := <-s.finished:
			s.free[f.slot]++
			s.running--
			// context.Canceled is our own cancel coming back: not a failure.
			if f.err != nil && !errors.Is(f.err, context.Canceled) {
				s.stop(f.err)
				cancel() // the running jobs stop early; their errors are not the first
			}
		case <-done:
			// The top of the loop stops the run.
		}
	}
	// docs:endregion event-loop
}

// A lane is a class of jobs, and a kind of slot.
type lane int

const (
	small lane = iota
	large
)

// laneOf says which lane j belongs to: a job exactly at the threshold is
// small.
func laneOf(j Job, cfg Config) lane {
	if j.Size <= cfg.Threshold {
		return small
	}
	return large
}

// A scheduler is Run's state. Only Run's goroutine touches it, so it needs
// no lock: the jobs' goroutines report through finished.
type scheduler struct {
	cfg      Config
	queued   [2][]Job // waiting jobs, per lane, in the order received
	free     [2]int   // free slots, per kind
	running  int
	finished chan finish // room for every slot, so a job never waits to report
	jobs     sync.WaitGroup
	stopped  bool
	err      error // the first error
}

// A finish is what a job's goroutine reports: the kind of slot it frees
// and the job's error.
type finish struct {
	slot lane
	err  error
}

// docs:region dispatch
// dispatch starts every waiting job that has a slot: small jobs in their
// own slots first, then large jobs in the large slots, and only then small
// jobs in the large slots that are left, so a small job never takes a slot
// a large job is waiting for.
func (s *scheduler) dispatch(ctx context.Context) {
	for s.free[small] > 0 && len(s.queued[small]) > 0 {
		s.start(ctx, small, small)
	}
	for s.free[large] > 0 && len(s.queued[large]) > 0 {
		s.start(ctx, large, large)
	}
	for s.free[large] > 0 && len(s.queued[small]) > 0 {
		s.start(ctx, small, large) // borrowed: no large job waits
	}
}

// docs:endregion dispatch

// start runs the head of lane from's queue in a slot of kind slot.
func (s *scheduler) start(ctx context.Context, from, slot lane) {
	j := s.queued[from][0]
	s.queued[from] = s.queued[from][1:]
	s.free[slot]--
	s.running++
	s.jobs.Go(func() {
		s.finished <- finish{slot, j.Run(ctx)}
	})
}

// stop ends the run: nothing more starts, and err is kept if it is the
// first.
func (s *scheduler) stop(err error) {
	if s.err == nil {
		s.err = err
	}
	s.stopped = true
	s.queued = [2][]Job{}
}
