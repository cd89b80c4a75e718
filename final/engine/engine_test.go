package engine_test

import (
	"testing"

	"go.uber.org/goleak"

	"packcourse/final/engine"
	"packcourse/final/govern"
	"packcourse/lessons/00-the-job/pipetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The course's conformance suite: output byte-identical to the oracle,
// round trips, damage rejected with the right error, failing and short
// readers and writers, cancellation, no goroutine left behind.
func TestConformance(t *testing.T) {
	pipetest.Run(t, func(workers int) pipetest.Engine {
		return engine.New(engine.Config{Workers: workers})
	})
}

// The same suite with every engine sharing one governor whose budget is
// the least a run can work with: one chunk in flight, one token of each.
func TestConformanceMinimalSharedGovernor(t *testing.T) {
	g := govern.New(govern.Limits{CPU: 1, IO: 1, Bytes: engine.MinBytes(engine.Pack, pipetest.ZstdOptions(false)), SmallBytes: -1})
	pipetest.Run(t, func(workers int) pipetest.Engine {
		return engine.New(engine.Config{Workers: workers, Governor: g})
	})
}
