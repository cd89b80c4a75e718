package oracle_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/lessons/00-the-job/oracle"
	"packcourse/lessons/00-the-job/pipetest"
)

// fuzzMaxChunk is the chunk-size limit the fuzz targets unpack with, so a
// hostile header cannot make a fuzz iteration allocate much.
const fuzzMaxChunk = 64 << 10

// fuzzAllocLimit bounds what one Unpack of hostile input may allocate: a
// frame body and a chunk of at most fuzzMaxChunk, the DEFLATE state and
// the read buffer, with room to spare.
const fuzzAllocLimit = 4 << 20

var errorKinds = []error{
	format.ErrNotContainer, format.ErrUnsupportedVersion, format.ErrCorrupt, format.ErrChecksum,
	format.ErrTruncated, format.ErrFrameOrder, format.ErrAuth, format.ErrKeyRequired, format.ErrNotEncrypted,
}

// checkTyped fails unless err is a *format.Error of a known kind.
func checkTyped(t *testing.T, err error) {
	var fe *format.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *format.Error", err, err)
	}
	for _, k := range errorKinds {
		if errors.Is(err, k) {
			return
		}
	}
	t.Fatalf("error %v has an unknown kind", err)
}

func fuzzSeeds(f *testing.F) {
	for _, encrypted := range []bool{false, true} {
		o := pipetest.Options(encrypted)
		o.ChunkSize = 512
		for _, n := range []int{0, 1, 512, 1500} {
			f.Add(pipetest.OraclePack(f, pipetest.Input(n), o), encrypted)
		}
	}
	f.Add([]byte{}, false)
	f.Add([]byte("\x8aGPK"), false)
}

// FuzzUnpack: arbitrary bytes never panic, never allocate more than the
// limit, and every failure is a typed error.
func FuzzUnpack(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, encrypted bool) {
		o := codec.Options{MaxChunkSize: fuzzMaxChunk}
		if encrypted {
			o.Key = pipetest.Key
		}
		var err error
		used := allocated(func() {
			err = oracle.Unpack(context.Background(), &discardCounter{}, bytes.NewReader(data), o)
		})
		if used > fuzzAllocLimit {
			t.Fatalf("unpacking %d bytes allocated %d bytes", len(data), used)
		}
		if err != nil {
			checkTyped(t, err)
		}
	})
}

// FuzzMutatedContainer: a valid container with bytes changed either still
// unpacks to exactly the original (the change was a no-op) or is rejected
// with a typed error. Damage must never produce different output.
func FuzzMutatedContainer(f *testing.F) {
	f.Add(uint16(0), byte(1), uint16(0), false, uint16(700))
	f.Add(uint16(45), byte(0x80), uint16(3), true, uint16(2000))
	f.Add(uint16(100), byte(0), uint16(50), false, uint16(0))
	f.Fuzz(func(t *testing.T, at uint16, mask byte, cut uint16, encrypted bool, size uint16) {
		data, container := packedSample(t, int(size)%4000, encrypted)
		c := bytes.Clone(container)
		c[int(at)%len(c)] ^= mask
		c = c[:len(c)-int(cut)%len(c)]
		var out bytes.Buffer
		err := oracle.Unpack(context.Background(), &out, bytes.NewReader(c), pipetest.Options(encrypted))
		if err != nil {
			checkTyped(t, err)
			return
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("a damaged container unpacked without error to different bytes")
		}
	})
}

type sampleKey struct {
	size      int
	encrypted bool
}

// samples caches packed inputs: packing is the slow part of an iteration,
// and the fuzzer is here to exercise Unpack.
var samples sync.Map // sampleKey -> [2][]byte{data, container}

func packedSample(t *testing.T, size int, encrypted bool) (data, container []byte) {
	key := sampleKey{size, encrypted}
	if v, ok := samples.Load(key); ok {
		pair := v.([2][]byte)
		return pair[0], pair[1]
	}
	o := pipetest.Options(encrypted)
	o.ChunkSize = 512
	data = pipetest.Input(size)
	container = pipetest.OraclePack(t, data, o)
	samples.Store(key, [2][]byte{data, container})
	return data, container
}

// discardCounter discards what it is given; unlike io.Discard it is a
// plain type, so the fuzz target measures only Unpack's own allocations.
type discardCounter struct{ n int }

func (d *discardCounter) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
