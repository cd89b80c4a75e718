package oracle_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"strconv"
	"testing"

	"go.uber.org/goleak"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The oracle passes its own suite: it is the reference the suite compares
// against, so this checks round trips, faults and cancellation.
func TestConformance(t *testing.T) {
	pipetest.Run(t, func(int) pipetest.Engine { return oracle.Engine{} })
}

// smallContainer is three frames (two full, one short) of 1 KiB chunks.
func smallContainer(t *testing.T, encrypted bool) ([]byte, []byte, codec.Options) {
	o := pipetest.Options(encrypted)
	o.ChunkSize = 1024
	data := pipetest.Input(2*1024 + 300)
	return pipetest.OraclePack(t, data, o), data, o
}

func unpack(container []byte, o codec.Options) ([]byte, error) {
	var out bytes.Buffer
	err := oracle.Unpack(context.Background(), &out, bytes.NewReader(container), o)
	return out.Bytes(), err
}

// expectKind fails the test unless err wraps one of the kinds.
func expectKind(t *testing.T, what string, err error, kinds ...error) {
	t.Helper()
	for _, k := range kinds {
		if errors.Is(err, k) {
			return
		}
	}
	t.Errorf("%s: got %v, want one of %v", what, err, kinds)
}

func TestEveryHeaderBitFlipIsRejected(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		c, _, o := smallContainer(t, encrypted)
		for i := range format.HeaderLen {
			want := format.ErrChecksum
			switch {
			case i < 4:
				want = format.ErrNotContainer
			case i == 4:
				want = format.ErrUnsupportedVersion
			}
			for bit := range 8 {
				d := bytes.Clone(c)
				d[i] ^= 1 << bit
				_, err := unpack(d, o)
				expectKind(t, "header byte "+itoa(i), err, want)
			}
		}
	}
}

func TestEveryFrameAndTrailerBitFlipIsRejected(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		c, _, o := smallContainer(t, encrypted)
		frames, trailer := pipetest.Layout(c)
		for _, f := range frames {
			for i := f.Start; i < f.End; i++ {
				kinds := []error{format.ErrChecksum} // a CRC covers every byte
				if i == f.Start {
					kinds = []error{format.ErrCorrupt} // the tag
				}
				checkFlips(t, c, o, i, kinds)
			}
		}
		for i := trailer.Start; i < trailer.End; i++ {
			kinds := []error{format.ErrChecksum}
			if i == trailer.Start {
				kinds = []error{format.ErrCorrupt}
			}
			checkFlips(t, c, o, i, kinds)
		}
	}
}

func checkFlips(t *testing.T, c []byte, o codec.Options, i int, kinds []error) {
	t.Helper()
	for bit := range 8 {
		d := bytes.Clone(c)
		d[i] ^= 1 << bit
		_, err := unpack(d, o)
		expectKind(t, "byte "+itoa(i)+" bit "+itoa(bit), err, kinds...)
	}
}

func TestEveryTruncationIsRejected(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		c, _, o := smallContainer(t, encrypted)
		for n := range len(c) {
			_, err := unpack(c[:n], o)
			expectKind(t, "truncated to "+itoa(n)+" bytes", err, format.ErrTruncated)
		}
	}
}

func TestRearrangedFramesAreRejected(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		c, _, o := smallContainer(t, encrypted)
		for _, d := range pipetest.Damages(c, encrypted) {
			_, err := unpack(d.Data, o)
			expectKind(t, d.Name, err, d.Want)
		}
	}
}

// Swapping two frames and rewriting their indexes and CRCs to hide it
// defeats the structural checks. A plain container still catches it in the
// whole-file digest; an encrypted one fails to open the moved frame.
func TestSwapWithRewrittenIndexesIsRejected(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		c, _, o := smallContainer(t, encrypted)
		frames, _ := pipetest.Layout(c)
		f0 := bytes.Clone(c[frames[0].Start:frames[0].End])
		f1 := bytes.Clone(c[frames[1].Start:frames[1].End])
		reindex(f0, 1)
		reindex(f1, 0)
		d := append(append(append(bytes.Clone(c[:frames[0].Start]), f1...), f0...), c[frames[2].Start:]...)
		_, err := unpack(d, o)
		want := format.ErrChecksum
		if encrypted {
			want = format.ErrAuth
		}
		expectKind(t, "swap with rewritten indexes", err, want)
	}
}

// A header rewritten with a valid CRC (here: a different level) is caught
// by every encrypted frame, because frames authenticate the header.
func TestRewrittenHeaderFailsAuthentication(t *testing.T) {
	c, _, o := smallContainer(t, true)
	d := bytes.Clone(c)
	d[6] = 1 // level
	binary.BigEndian.PutUint32(d[36:40], crc32.Checksum(d[:36], crc32.MakeTable(crc32.Castagnoli)))
	_, err := unpack(d, o)
	expectKind(t, "rewritten header", err, format.ErrAuth)
}

func reindex(frame []byte, index int) {
	rawLen := int(binary.BigEndian.Uint32(frame[5:9]))
	format.PutFrameHeader(frame, index, rawLen)
}

func TestWrongKeyAndMissingKey(t *testing.T) {
	c, _, o := smallContainer(t, true)
	wrong := o
	wrong.Key = bytes.Repeat([]byte{1}, codec.KeyLen)
	_, err := unpack(c, wrong)
	expectKind(t, "wrong key", err, format.ErrAuth)
	_, err = unpack(c, codec.Options{})
	expectKind(t, "no key", err, format.ErrKeyRequired)

	plain, _, _ := smallContainer(t, false)
	_, err = unpack(plain, o)
	expectKind(t, "key for a plain container", err, format.ErrNotEncrypted)
}

// An empty encrypted container has no frame to fail; its keyed trailer
// digest is what a wrong key trips over.
func TestWrongKeyOnEmptyContainer(t *testing.T) {
	o := pipetest.Options(true)
	c := pipetest.OraclePack(t, nil, o)
	wrong := o
	wrong.Key = bytes.Repeat([]byte{1}, codec.KeyLen)
	_, err := unpack(c, wrong)
	expectKind(t, "wrong key, empty container", err, format.ErrAuth)
}

func TestPassphraseRoundTrip(t *testing.T) {
	o := codec.Options{ChunkSize: 1024, Passphrase: []byte("correct horse battery staple")}
	data := pipetest.Input(5000)
	c := pipetest.OraclePack(t, data, o)
	got, err := unpack(c, o)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("passphrase round trip: err %v, equal %v", err, bytes.Equal(got, data))
	}
	o.Passphrase = []byte("wrong")
	_, err = unpack(c, o)
	expectKind(t, "wrong passphrase", err, format.ErrAuth)
	_, err = unpack(c, codec.Options{Key: pipetest.Key})
	expectKind(t, "key for a passphrase container", err, format.ErrKeyRequired)
}

func TestErrorMessagesNameFrameAndOffset(t *testing.T) {
	c, _, o := smallContainer(t, false)
	frames, _ := pipetest.Layout(c)
	d := bytes.Clone(c)
	d[frames[1].Start+format.FrameHeaderLen] ^= 1 // first byte of frame 1's checksum
	_, err := unpack(d, o)
	want := "frame 1 at offset " + itoa(frames[1].Start) + ": checksum mismatch"
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// A header may declare a chunk size up to format.MaxChunkSize; a reader
// given a lower limit refuses larger ones before allocating anything.
func TestChunkSizeLimit(t *testing.T) {
	o := codec.Options{ChunkSize: 1 << 20}
	c := pipetest.OraclePack(t, pipetest.Input(10), o)
	_, err := unpack(c, codec.Options{MaxChunkSize: 64 << 10})
	expectKind(t, "chunk size over the reader's limit", err, format.ErrCorrupt)
}

// Memory does not grow with the input: packing 8x more data allocates
// about the same, because the oracle reuses one chunk buffer and one frame
// buffer for the whole run.
func TestOracleMemoryIsFlat(t *testing.T) {
	o := codec.Options{ChunkSize: 256 << 10, Level: 1}
	small := allocatedWhilePacking(t, 4<<20, o)
	large := allocatedWhilePacking(t, 32<<20, o)
	t.Logf("allocated %d KiB packing 4 MiB, %d KiB packing 32 MiB", small>>10, large>>10)
	if large > 2*small {
		t.Errorf("packing 8x the data allocated %.1fx the memory (%d vs %d bytes)", float64(large)/float64(small), large, small)
	}
}

func allocatedWhilePacking(t *testing.T, size int64, o codec.Options) uint64 {
	src := io.LimitReader(pipetest.Endless(3), size)
	return allocated(func() {
		if err := oracle.Pack(context.Background(), io.Discard, src, o); err != nil {
			t.Fatal(err)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

// allocated returns the bytes f allocates on the heap (TotalAlloc only
// grows, so no garbage collection is needed to read it).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
