package engine_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"packcourse/lessons/00-the-job/pipetest"
	"packcourse/lessons/11-crash-safe-output/engine"

	// prev is the previous lesson's engine, which writes straight into
	// the output: the "before" of this lesson's tests, benchmarks and demo.
	prev "packcourse/lessons/10-adaptive-chunks/engine"
)

// docs:region TestWritingStraightToTheOutputLeavesAPartialFile
// The previous lesson's way to pack into a file: os.Create, then Pack.
// The input fails halfway through, and the output is left behind,
// partial: a header and the first frames, no trailer, and it does not
// unpack. This test passes because it finds that file. PackFile, failing
// at the same point of its input, leaves no output at all.
func TestWritingStraightToTheOutputLeavesAPartialFile(t *testing.T) {
	ctx := context.Background()
	c := newPackCase(t, false)
	out, err := os.Create(c.dst)
	if err != nil {
		t.Fatal(err)
	}
	half := &pipetest.FailingReader{R: bytes.NewReader(c.data), Limit: int64(len(c.data) / 2)}
	err = (&prev.Engine{Workers: 2}).Pack(ctx, out, half, fast)
	out.Close()
	if !errors.Is(err, pipetest.ErrInjected) {
		t.Fatalf("lesson 10's Pack returned %v, want the injected fault", err)
	}
	got := c.outputIs()
	if !strings.HasPrefix(got, "partial") {
		t.Fatalf("lesson 10 left an output that is %s: the partial file this test looks for is not there", got)
	}
	partial, _ := os.ReadFile(c.dst)
	unpackErr := (&prev.Engine{Workers: 2}).Unpack(ctx, io.Discard, bytes.NewReader(partial), fast)
	if unpackErr == nil {
		t.Fatal("the partial output unpacks without error")
	}
	t.Logf("lesson 10: Pack failed, and %s is left: %d of %d bytes; unpacking it: %v", "input.pack", len(partial), len(c.want), unpackErr)

	c = newPackCase(t, false)
	in, err := os.Open(c.src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	fsys := &openAs{faultFS: &faultFS{}, src: &pipetest.FailingReader{R: in, Limit: int64(len(c.data) / 2)}}
	err = (&engine.Engine{Workers: 2}).PackFile(ctx, c.dst, c.src, fast, engine.Output{FS: fsys})
	if !errors.Is(err, pipetest.ErrInjected) {
		t.Fatalf("lesson 11's PackFile returned %v, want the injected fault", err)
	}
	if got := c.outputIs(); got != "old" {
		t.Fatalf("lesson 11 left an output that is %s, want none", got)
	}
	if temps := c.temps(t); len(temps) > 0 {
		t.Fatalf("lesson 11 left temporary files: %v", temps)
	}
	t.Logf("lesson 11: PackFile failed at the same point, and no input.pack and no temporary file are left")
}

// docs:endregion TestWritingStraightToTheOutputLeavesAPartialFile

// openAs is a faultFS whose Open returns src, whatever the name.
type openAs struct {
	*faultFS
	src io.Reader
}

func (o *openAs) Open(string) (io.ReadCloser, error) { return io.NopCloser(o.src), nil }
