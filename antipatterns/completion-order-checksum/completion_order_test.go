package completionorder

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"packcourse/antipatterns/internal/pipeline"
	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

// slowFirst compresses like production, but chunk i takes (n-i)
// milliseconds of the bubble's fake clock: early chunks finish last. Inside
// a synctest bubble the completion order is then the same on every run.
func slowFirst(n int) Compressor {
	return func(c pipeline.Chunk) pipeline.Frame {
		time.Sleep(time.Duration(n-c.Index) * time.Millisecond)
		return pipeline.Compress(c)
	}
}

type digester func([]pipeline.Chunk, int, Compressor) [32]byte

// digests returns the digest with 1 and with 4 workers, and the digest of
// the reference container.
func digests(t *testing.T, digest digester) (one, four, want [32]byte) {
	data := pipeline.Input(8*1024, 2)
	chunks := pipeline.Split(data, 1024)
	synctest.Test(t, func(t *testing.T) {
		one = digest(chunks, 1, slowFirst(len(chunks)))
		four = digest(chunks, 4, slowFirst(len(chunks)))
	})
	return one, four, sha256.Sum256(pipeline.Pack(data, 1024))
}

func TestBrokenDigestDependsOnWorkerCount(t *testing.T) {
	one, four, want := digests(t, DigestBroken)
	if one != want {
		t.Fatalf("one worker finishes in order, so its digest should match the file's")
	}
	if four == want {
		t.Fatal("with four workers finishing out of order the digest still matched; the bug did not show")
	}
}

func TestFixedDigestIsTheFilesDigest(t *testing.T) {
	one, four, want := digests(t, DigestFixed)
	if one != want || four != want {
		t.Fatalf("digests: 1 worker %x, 4 workers %x, want %x", one[:4], four[:4], want[:4])
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: frames hashed as workers finish")
	one, four, want := digests(t, DigestBroken)
	fmt.Printf("sha256 of the file:    %x\n1 worker  reports:     %x\n4 workers report:      %x\n", want, one, four)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: frames hashed in file order")
	one, four, want := digests(t, DigestFixed)
	fmt.Printf("sha256 of the file:    %x\n1 worker  reports:     %x\n4 workers report:      %x\n", want, one, four)
}
