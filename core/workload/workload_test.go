package workload_test

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"packcourse/core/workload"
)

func TestParseKindAcceptsEveryKind(t *testing.T) {
	for _, k := range workload.Kinds() {
		got, err := workload.ParseKind(string(k))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v; want %q, nil", k, got, err, k)
		}
	}
}

func TestParseKindErrorNamesValueAndValidKinds(t *testing.T) {
	_, err := workload.ParseKind("jpeg")
	if err == nil {
		t.Fatal(`ParseKind("jpeg") succeeded`)
	}
	for _, want := range []string{"jpeg", "text", "logs", "random", "zeros", "mixed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNewPanicsOnUnknownKind(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with an unknown kind did not panic")
		}
	}()
	workload.New("jpeg", 10, 1)
}

// Sizes around the internal 64 KiB block, plus one over 1 MiB, the most a
// Mixed segment holds, so that Mixed switches segments at least once.
var sizes = []int64{0, 1, 7, 64<<10 - 1, 64 << 10, 64<<10 + 1, 1<<20 + 5}

func TestNewYieldsExactlySizeBytesThenEOF(t *testing.T) {
	for _, kind := range workload.Kinds() {
		for _, size := range append(sizes, -1) {
			r := workload.New(kind, size, 1)
			got, err := io.Copy(io.Discard, r)
			if err != nil || got != max(size, 0) {
				t.Errorf("%s, size %d: read %d bytes, err %v", kind, size, got, err)
			}
			if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
				t.Errorf("%s, size %d: Read after the end = %d, %v; want 0, EOF", kind, size, n, err)
			}
		}
	}
}

func TestReadFillsTheWholeBuffer(t *testing.T) {
	const size, bufSize = 1<<20 + 3, 10_000
	for _, kind := range workload.Kinds() {
		r := workload.New(kind, size, 1)
		buf := make([]byte, bufSize)
		for remaining := size; remaining > 0; remaining -= bufSize {
			n, err := r.Read(buf)
			if want := min(bufSize, remaining); n != want || err != nil {
				t.Fatalf("%s: Read with %d bytes left = %d, %v; want %d, nil", kind, remaining, n, err, want)
			}
		}
	}
}

// oddSizeReader reads from r with a rotating set of awkward buffer sizes,
// however large the caller's buffer is.
type oddSizeReader struct {
	r     io.Reader
	calls int
}

func (o *oddSizeReader) Read(p []byte) (int, error) {
	sizes := []int{1, 3, 7, 4093, 13, 65537, 2, 100_003}
	o.calls++
	return o.r.Read(p[:min(len(p), sizes[o.calls%len(sizes)])])
}

// sevenByteReader reads from r at most seven bytes at a time.
type sevenByteReader struct{ r io.Reader }

func (s sevenByteReader) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 7)]) }

func TestContentDoesNotDependOnReadSizes(t *testing.T) {
	// Over 1 MiB, so that Mixed crosses segment boundaries as well as
	// block boundaries. Tiny reads of all of it are slow under the race
	// detector; there they cover a few blocks.
	const size = 1<<20 + 12345
	smallReadSize := size
	if raceEnabled {
		smallReadSize = 200_000
	}
	for _, kind := range workload.Kinds() {
		want := workload.Bytes(kind, size, 7)
		readers := map[string]struct {
			r    io.Reader
			want []byte
		}{
			"one byte":   {iotest.OneByteReader(workload.New(kind, int64(smallReadSize), 7)), want[:smallReadSize]},
			"seven byte": {sevenByteReader{workload.New(kind, int64(smallReadSize), 7)}, want[:smallReadSize]},
			"odd sizes":  {&oddSizeReader{r: workload.New(kind, size, 7)}, want},
		}
		for name, c := range readers {
			got, err := io.ReadAll(c.r)
			if err != nil || !bytes.Equal(got, c.want) {
				t.Errorf("%s, %s reads: content differs from one big read (err %v)", kind, name, err)
			}
		}
		// iotest.TestReader also checks the reader's EOF behaviour.
		if err := iotest.TestReader(workload.New(kind, 100_000, 7), want[:100_000]); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

func TestSameSeedSameBytesDifferentSeedDifferentBytes(t *testing.T) {
	for _, kind := range workload.Kinds() {
		a := workload.Bytes(kind, 200_000, 1)
		if !bytes.Equal(a, workload.Bytes(kind, 200_000, 1)) {
			t.Errorf("%s: two generations with seed 1 differ", kind)
		}
		if kind != workload.Zeros && bytes.Equal(a, workload.Bytes(kind, 200_000, 2)) {
			t.Errorf("%s: seeds 1 and 2 give the same bytes", kind)
		}
	}
}

func TestShorterStreamIsPrefixOfLonger(t *testing.T) {
	for _, kind := range workload.Kinds() {
		long := workload.Bytes(kind, 1<<20+100, 3)
		for _, size := range []int{1, 1000, 64 << 10, 1<<20 + 1} {
			if !bytes.Equal(workload.Bytes(kind, size, 3), long[:size]) {
				t.Errorf("%s: %d bytes are not a prefix of %d bytes", kind, size, len(long))
			}
		}
	}
}

// TestContentIsStable pins the first MiB of each kind: a change here means
// every recorded benchmark and every expected output in the course changes,
// which must be a deliberate decision.
func TestContentIsStable(t *testing.T) {
	golden := map[workload.Kind]string{
		workload.Text:   "3e22a70614becadda40a16a8d9725c9be88f14c123f13e37410b6ac232c771f1",
		workload.Logs:   "be95f2c9020205969af1494ce4a48f0848bae4515423ad56e09877d42f92f295",
		workload.Random: "2fb1c6e119086e30e2175e3045922d53dee40e43f6c52d24e8b5f210a5075b8b",
		workload.Zeros:  "30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58",
		workload.Mixed:  "0d01df3f26c027b0a39465efebbe51716e15eaefd63c8c020092ff4583913b8d",
	}
	for _, kind := range workload.Kinds() {
		sum := sha256.Sum256(workload.Bytes(kind, 1<<20, 1))
		if got := hex.EncodeToString(sum[:]); got != golden[kind] {
			t.Errorf("%s: SHA-256 of the first MiB for seed 1 = %s, want %s", kind, got, golden[kind])
		}
	}
}

func TestMemoryDoesNotGrowWithSize(t *testing.T) {
	size := 64 << 20
	if raceEnabled {
		size = 16 << 20
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := io.Copy(io.Discard, workload.New(workload.Mixed, int64(size), 1)); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// TotalAlloc counts every byte allocated, garbage or not, so it
	// bounds the heap growth from above.
	allocated := after.TotalAlloc - before.TotalAlloc
	heapGrowth := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("generating %d MiB: allocated %d KiB, heap in use grew %d KiB", size>>20, allocated>>10, heapGrowth>>10)
	if allocated > 4<<20 {
		t.Errorf("generating %d MiB allocated %d KiB; want under 4 MiB", size>>20, allocated>>10)
	}
}

func TestReadsDoNotAllocate(t *testing.T) {
	buf := make([]byte, 64<<10)
	for _, kind := range workload.Kinds() {
		r := workload.New(kind, 1<<40, 1)
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := io.ReadFull(r, buf); err != nil {
				t.Fatal(err)
			}
		})
		// Mixed allocates a small generator per segment (64 KiB to 1 MiB),
		// well under one allocation per 64 KiB read on average.
		if allocs > 0 && !(kind == workload.Mixed && allocs < 1) {
			t.Errorf("%s: %.1f allocations per 64 KiB read", kind, allocs)
		}
	}
}

func TestCompressionRatios(t *testing.T) {
	// The bytes are fixed, so the ratios are too; the ranges say what
	// each kind is meant to resemble.
	want := map[workload.Kind]struct{ min, max float64 }{
		workload.Text:   {2.5, 4},
		workload.Logs:   {5, 12},
		workload.Random: {0.99, 1.01},
		workload.Zeros:  {100, 1e9},
		workload.Mixed:  {1.5, 4},
	}
	size := 4 << 20
	if raceEnabled {
		size = 512 << 10
	}
	for _, kind := range workload.Kinds() {
		ratio := deflateRatio(t, workload.Bytes(kind, size, 1))
		t.Logf("%-6s compresses %.2fx with DEFLATE level 6 (%d KiB)", kind, ratio, size>>10)
		if r := want[kind]; ratio < r.min || ratio > r.max {
			t.Errorf("%s compresses %.2fx; want %.2f-%.2fx", kind, ratio, r.min, r.max)
		}
	}
}

// deflateRatio returns how many times smaller DEFLATE level 6 makes data.
func deflateRatio(t *testing.T, data []byte) float64 {
	t.Helper()
	var out bytes.Buffer
	w, err := flate.NewWriter(&out, 6)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return float64(len(data)) / float64(out.Len())
}

func TestTextLooksLikeProse(t *testing.T) {
	text := string(workload.Bytes(workload.Text, 100_000, 1))
	for _, want := range []string{" the ", ". ", ", ", "\n\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text has no %q", want)
		}
	}
	if first := text[0]; first < 'A' || first > 'Z' {
		t.Errorf("text starts with %q, want a capital letter", first)
	}
}

func TestLogsAreJSONLinesInTimeOrder(t *testing.T) {
	logs := string(workload.Bytes(workload.Logs, 200_000, 1))
	lines := strings.Split(logs, "\n")
	lines = lines[:len(lines)-1] // the last line is cut off at the size
	previous := ""
	for i, line := range lines {
		if !strings.HasPrefix(line, `{"ts":"`) || !strings.HasSuffix(line, "}") {
			t.Fatalf("line %d is not a JSON object: %s", i, line)
		}
		// RFC 3339 timestamps of one length sort as text in time order.
		ts := line[len(`{"ts":"`):strings.Index(line, `","level"`)]
		if ts < previous {
			t.Fatalf("line %d goes back in time: %s after %s", i, ts, previous)
		}
		previous = ts
	}
}

func TestCorpusIsDeterministicAndWellFormed(t *testing.T) {
	const n, maxSmall = 200, 100_000
	files := workload.Corpus(5, 10<<20, n, maxSmall)
	if len(files) != n+1 {
		t.Fatalf("Corpus returned %d files, want %d", len(files), n+1)
	}
	if huge := files[0]; huge.Name != "huge.bin" || huge.Size != 10<<20 || huge.Kind != workload.Mixed {
		t.Errorf("first file = %+v, want huge.bin, 10 MiB, mixed", huge)
	}
	names := map[string]bool{}
	kinds := map[workload.Kind]bool{}
	smallest, largest := int64(maxSmall), int64(0)
	for _, f := range files[1:] {
		if !strings.HasPrefix(f.Name, "small/") || names[f.Name] {
			t.Errorf("bad or repeated name %q", f.Name)
		}
		if f.Size < 1 || f.Size > maxSmall {
			t.Errorf("%s has size %d, want 1 to %d", f.Name, f.Size, maxSmall)
		}
		names[f.Name] = true
		kinds[f.Kind] = true
		smallest, largest = min(smallest, f.Size), max(largest, f.Size)
	}
	if len(kinds) < 3 || largest < 10*smallest {
		t.Errorf("small files are too alike: kinds %v, sizes %d to %d", kinds, smallest, largest)
	}
	if again := workload.Corpus(5, 10<<20, n, maxSmall); !equalFiles(files, again) {
		t.Error("two calls with the same seed give different corpora")
	}
	if other := workload.Corpus(6, 10<<20, n, maxSmall); equalFiles(files, other) {
		t.Error("seeds 5 and 6 give the same corpus")
	}
}

func equalFiles(a, b []workload.File) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWriteFilesWritesEachFilesContent(t *testing.T) {
	dir := t.TempDir()
	files := workload.Corpus(9, 300_000, 20, 20_000)
	if err := workload.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := readFile(dir, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(f.Open())
		if !bytes.Equal(got, want) {
			t.Errorf("%s: written content differs from File.Open's", f.Name)
		}
	}
}

func TestWriteFilesErrorNamesTheFile(t *testing.T) {
	for _, name := range []string{"../escape.txt", "blocked/file.txt"} {
		dir := t.TempDir()
		// A plain file where a directory is needed makes the second name fail.
		if err := workload.WriteFiles(dir, []workload.File{{Name: "blocked", Size: 1, Kind: workload.Text}}); err != nil {
			t.Fatal(err)
		}
		err := workload.WriteFiles(dir, []workload.File{{Name: name, Size: 10, Kind: workload.Text}})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("writing %q: error %v does not name the file", name, err)
		}
	}
}

// readFile reads the file with the slash-separated name under dir.
func readFile(dir, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
}
