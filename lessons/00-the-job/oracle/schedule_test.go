package oracle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"packcourse/core/codec"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

func packSchedule(t *testing.T, data []byte, o codec.Options, sizes []int) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	err := oracle.PackSchedule(context.Background(), &out, bytes.NewReader(data), o, sizes)
	return out.Bytes(), err
}

// A schedule of equal chunks is Pack's own: the same bytes.
func TestPackScheduleOfEqualChunksIsPack(t *testing.T) {
	const n = 7*pipetest.ChunkSize + 123
	var sizes []int
	for range 7 {
		sizes = append(sizes, pipetest.ChunkSize)
	}
	sizes = append(sizes, 123)
	for _, encrypted := range []bool{false, true} {
		got, err := packSchedule(t, pipetest.Input(n), pipetest.Options(encrypted), sizes)
		if err != nil {
			t.Fatal(err)
		}
		if want := pipetest.OraclePack(t, pipetest.Input(n), pipetest.Options(encrypted)); !bytes.Equal(got, want) {
			t.Fatalf("encrypted=%v: PackSchedule of Pack's own chunks wrote other bytes", encrypted)
		}
	}
}

// Chunks of any sizes under the header's cap make a container that
// unpacks to the input, with one frame per size, of that raw length.
func TestPackScheduleOfUnequalChunksRoundTrips(t *testing.T) {
	sizes := []int{1, pipetest.ChunkSize, 100, 2048, pipetest.ChunkSize - 1, 7}
	data := pipetest.Input(sum(sizes))
	for _, o := range []codec.Options{pipetest.Options(false), pipetest.Options(true), pipetest.ZstdOptions(true)} {
		container, err := packSchedule(t, data, o, sizes)
		if err != nil {
			t.Fatal(err)
		}
		got, err := unpack(container, o)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: unpacking the scheduled container: %v (restored %d of %d bytes)", o.Codec, err, len(got), len(data))
		}
		read, err := oracle.Schedule(bytes.NewReader(container))
		if err != nil || !slices.Equal(read, sizes) {
			t.Fatalf("%s: Schedule read %v, %v; want %v", o.Codec, read, err, sizes)
		}
	}
}

// A schedule that does not fit its input or its header is refused, and
// names what is wrong.
func TestPackScheduleRefusesASizeThatDoesNotFit(t *testing.T) {
	data := pipetest.Input(1000)
	cases := []struct {
		name  string
		sizes []int
	}{
		{"too short for the input", []int{500, 400}},
		{"too long for the input", []int{500, 400, 200}},
		{"a chunk past the input's end", []int{500, 500, 1}},
		{"a zero-byte chunk", []int{500, 0, 500}},
		{"a chunk over the header's chunk size", []int{pipetest.ChunkSize + 1}},
		{"empty, for an input that is not", nil},
	}
	for _, c := range cases {
		if _, err := packSchedule(t, data, pipetest.Options(false), c.sizes); !errors.Is(err, oracle.ErrSchedule) {
			t.Errorf("%s (%v): PackSchedule returned %v, want an error wrapping ErrSchedule", c.name, c.sizes, err)
		}
	}
	if _, err := packSchedule(t, nil, pipetest.Options(false), nil); err != nil {
		t.Errorf("an empty schedule for an empty input: %v", err)
	}
}

func sum(sizes []int) (n int) {
	for _, s := range sizes {
		n += s
	}
	return n
}

// cyclingSchedule packs with PackSchedule, cutting chunks of sizes that
// cycle below the cap, and reports them: the simplest engine that picks
// its own sizes, which RunSchedule must accept.
type cyclingSchedule struct{ sizes []int }

func (c *cyclingSchedule) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	data, err := io.ReadAll(src)
	if err != nil {
		return err
	}
	c.sizes = c.sizes[:0]
	for left, i := len(data), 0; left > 0; i++ {
		n := min(left, 1+(i*997)%o.ChunkSize)
		c.sizes = append(c.sizes, n)
		left -= n
	}
	return oracle.PackSchedule(ctx, dst, bytes.NewReader(data), o, c.sizes)
}

func (c *cyclingSchedule) Schedule() []int { return c.sizes }

func TestRunScheduleAcceptsTheOracleWithAnySchedule(t *testing.T) {
	pipetest.RunSchedule(t, func(int) pipetest.SchedulePacker { return &cyclingSchedule{} })
}
