package pipetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/core/workload"
	"packcourse/lessons/00-the-job/oracle"
)

// A SchedulePacker is an engine that picks its own chunk sizes, each at
// most the options' ChunkSize (the cap the header declares). Schedule
// returns the raw length of every chunk its last Pack wrote, in order.
type SchedulePacker interface {
	Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error
	Schedule() []int
}

// ScheduleSize is the input size RunSchedule packs for each workload:
// dozens of chunks at the suite's ChunkSize, and many more than that for
// an engine that picks smaller ones.
const ScheduleSize = 48*ChunkSize + 321

// docs:region RunSchedule
// RunSchedule is the conformance check for an engine that picks its own
// chunk sizes, with one engine for each of WorkerCounts. For every kind
// of workload, and for DEFLATE, zstd and encrypted options, the engine
// packs; then the schedule it reports must be chunks of 1..ChunkSize
// bytes adding up to the input, the frames it wrote must have exactly
// those raw lengths, and its bytes must be exactly the oracle's for that
// schedule (oracle.PackSchedule). The sizes an engine picks may change
// from run to run; the bytes for a given schedule may not.
func RunSchedule(t *testing.T, newEngine func(workers int) SchedulePacker) {
	for _, workers := range WorkerCounts {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			e := newEngine(workers)
			for _, kind := range workload.Kinds() {
				for _, o := range scheduleOptions() {
					t.Run(fmt.Sprintf("%s/%s", kind, o.name), func(t *testing.T) {
						defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
						data := workload.Bytes(kind, ScheduleSize, 3)
						checkSchedule(t, e, data, o.options)
					})
				}
			}
		})
	}
}

// docs:endregion RunSchedule

type namedOptions struct {
	name    string
	options func() codec.Options // a function: encrypted options hold a Rand, used up by each Pack
}

func scheduleOptions() []namedOptions {
	return []namedOptions{
		{"deflate", func() codec.Options { return Options(false) }},
		{"zstd", func() codec.Options { return ZstdOptions(false) }},
		{"deflate-encrypted", func() codec.Options { return Options(true) }},
	}
}

// checkSchedule packs data with e and checks its output is the oracle's
// for the schedule e reports, each packing with options of its own.
func checkSchedule(t *testing.T, e SchedulePacker, data []byte, options func() codec.Options) {
	t.Helper()
	var got bytes.Buffer
	o := options()
	if err := e.Pack(context.Background(), &got, bytes.NewReader(data), o); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	sizes := e.Schedule()
	total := 0
	for i, n := range sizes {
		if n < 1 || n > o.ChunkSize {
			t.Fatalf("chunk %d of the schedule is %d bytes, not 1..%d (the header's chunk size)", i, n, o.ChunkSize)
		}
		total += n
	}
	if total != len(data) {
		t.Fatalf("the schedule's %d chunks hold %d bytes; the input has %d", len(sizes), total, len(data))
	}
	written, err := oracle.Schedule(bytes.NewReader(got.Bytes()))
	if err != nil {
		t.Fatalf("reading the frames Pack wrote: %v", err)
	}
	if len(written) != len(sizes) {
		t.Fatalf("Pack wrote %d frames but reports a schedule of %d chunks", len(written), len(sizes))
	}
	for i := range written {
		if written[i] != sizes[i] {
			t.Fatalf("frame %d holds %d bytes but the schedule says %d", i, written[i], sizes[i])
		}
	}
	var want bytes.Buffer
	if err := oracle.PackSchedule(context.Background(), &want, bytes.NewReader(data), options(), sizes); err != nil {
		t.Fatalf("oracle.PackSchedule: %v", err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("Pack wrote %d bytes that differ from the oracle's %d for the same schedule of %d chunks (first difference at byte %d)",
			got.Len(), want.Len(), len(sizes), firstDifference(got.Bytes(), want.Bytes()))
	}
}
