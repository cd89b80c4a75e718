package bench

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// canned is go test output in the shape the lessons' benchmarks print it:
// each lesson's package runs its own lesson and the one before, the final
// engine names its sub-benchmarks by engine and level.
const canned = `goos: linux
goarch: amd64
pkg: packcourse/lessons/01-batch-convoy/engine
cpu: Some CPU @ 2.0GHz   
BenchmarkPack/lesson=00-2         	       2	 800000000 ns/op	  83.89 MB/s	        11.30 peak-MiB	 0.09000 mutex-wait-ms/op
BenchmarkPack/lesson=01-2         	       2	 650000000 ns/op	 103.2 MB/s	       310.0 peak-MiB	        64.00 peak-goroutines	        64.00 peak-in-flight	        52.00 turn-waits
PASS
ok  	packcourse/lessons/01-batch-convoy/engine	9.1s
pkg: packcourse/lessons/03-channel-pipeline/engine
BenchmarkPack/lesson=02-2         	       2	 420000000 ns/op	 159.7 MB/s	       191.0 peak-MiB	         2.000 goroutines
BenchmarkPack/lesson=03-2         	       2	 380000000 ns/op	 176.6 MB/s	       267.0 peak-MiB	         4.000 goroutines	         6.000 in-flight	        66.12 buffered-MiB
BenchmarkQueue/queue=1-2          	       2	 400000000 ns/op	 167.7 MB/s
pkg: packcourse/lessons/02-bounded-fanout/engine
BenchmarkPack/lesson=02-2         	       2	 410000000 ns/op	 163.6 MB/s	       190.0 peak-MiB	         2.000 peak-goroutines	         2.000 peak-in-flight	        25.00 turn-waits
pkg: packcourse/final/engine
BenchmarkPack/engine=oracle/level=6-2 	       2	 800000000 ns/op	  83.00 MB/s	        12.00 peak-MiB
BenchmarkPack/engine=final-1-worker/level=6-2  	       2	 700000000 ns/op	 95.00 MB/s	        20.00 peak-MiB
BenchmarkPack/engine=final/level=6-2  	       2	 340000000 ns/op	 197.4 MB/s	        22.90 peak-MiB
BenchmarkPack/engine=final/level=1-2  	       2	 100000000 ns/op	 671.1 MB/s	        20.00 peak-MiB
PASS
`

var titles = map[string]string{"00": "The job", "01": "Batch and convoy", "02": "Bounded fan-out", "03": "Channel pipeline", "final": "final"}

func parseCanned(t *testing.T) ([]Result, Machine) {
	t.Helper()
	results, m, err := Parse(strings.NewReader(canned))
	if err != nil {
		t.Fatal(err)
	}
	return results, m
}

func TestParse(t *testing.T) {
	results, m := parseCanned(t)
	if m != (Machine{"linux", "amd64", "Some CPU @ 2.0GHz"}) {
		t.Errorf("machine = %+v", m)
	}
	if len(results) != 10 {
		t.Fatalf("got %d results, want 10", len(results))
	}
	r := results[3]
	if r.Pkg != "packcourse/lessons/03-channel-pipeline/engine" || r.Name != "BenchmarkPack/lesson=03" || r.N != 2 {
		t.Errorf("result 3 = %+v", r)
	}
	if r.Metrics["MB/s"] != 176.6 || r.Metrics["buffered-MiB"] != 66.12 || r.Units[0] != "ns/op" {
		t.Errorf("result 3 metrics = %v, units %v", r.Metrics, r.Units)
	}
}

func TestRowsPicksOneResultPerEngine(t *testing.T) {
	results, _ := parseCanned(t)
	rows := Rows(results, titles)
	var got []string
	for _, r := range rows {
		got = append(got, r.Lesson)
	}
	if strings.Join(got, " ") != "00 01 02 03 final" {
		t.Fatalf("rows for %v, want 00 01 02 03 final", got)
	}
	// Lesson 02 is measured twice; its own package's figure wins.
	if rows[2].Metrics["MB/s"] != 163.6 {
		t.Errorf("lesson 02's MB/s = %v, want 163.6 from lessons/02's own run", rows[2].Metrics["MB/s"])
	}
	// The final engine at the default level, not its one-worker control
	// before it, and synonyms merged.
	if rows[4].Metrics["MB/s"] != 197.4 {
		t.Errorf("final's MB/s = %v, want 197.4 (level 6)", rows[4].Metrics["MB/s"])
	}
	if rows[1].Metrics["goroutines"] != 64 || rows[1].Metrics["in-flight"] != 64 {
		t.Errorf("lesson 01's peak-goroutines and peak-in-flight were not merged: %v", rows[1].Metrics)
	}
}

func TestWriteTable(t *testing.T) {
	results, _ := parseCanned(t)
	var b strings.Builder
	WriteTable(&b, Rows(results, titles))
	// Mutex wait (lesson 00's canned line has it) is one of the skipped units.
	want := `| lesson | MB/s | peak MiB | goroutines | chunks in flight | peak buffered MiB | turn waits |
|---|---:|---:|---:|---:|---:|---:|
| 00 The job | 83.9 | 11.3 | | | | |
| 01 Batch and convoy | 103 | 310 | 64 | 64 | | 52 |
| 02 Bounded fan-out | 164 | 190 | 2 | 2 | | 25 |
| 03 Channel pipeline | 177 | 267 | 4 | 6 | 66.1 | |
| final | 197 | 22.9 | | | | |
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSVGIsWellFormedWithABarPerFigure(t *testing.T) {
	results, _ := parseCanned(t)
	rows := Rows(results, titles)
	svg := SVG(rows, "Pack <by> lesson")
	dec := xml.NewDecoder(strings.NewReader(svg))
	rects, texts := 0, []string{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
		if cd, ok := tok.(xml.CharData); ok && strings.TrimSpace(string(cd)) != "" {
			texts = append(texts, string(cd))
		}
	}
	// One background, then a throughput bar and a memory bar per row.
	if want := 1 + 2*len(rows); rects != want {
		t.Errorf("SVG has %d rects, want %d", rects, want)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"Pack <by> lesson", "03 Channel pipeline", "final", "197", "22.9"} {
		if !strings.Contains(all, want) {
			t.Errorf("SVG text does not contain %q: %s", want, all)
		}
	}
}

// TestSVGFitsItsCanvas checks that the longest bar of each panel and the
// value printed after it end inside the width the SVG declares.
func TestSVGFitsItsCanvas(t *testing.T) {
	results, _ := parseCanned(t)
	svg := SVG(Rows(results, titles), "caption")
	dec := xml.NewDecoder(strings.NewReader(svg))
	width := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]int{}
		for _, a := range se.Attr {
			if n, err := strconv.Atoi(a.Value); err == nil {
				attr[a.Name.Local] = n
			}
		}
		switch se.Name.Local {
		case "svg":
			width = attr["width"]
		case "rect":
			if end := attr["x"] + attr["width"]; end > width {
				t.Errorf("a bar ends at x=%d, past the canvas width %d", end, width)
			}
		case "text":
			// A value label is at most 5 characters ("312.5") of 12px text.
			if end := attr["x"] + 5*8; end > width {
				t.Errorf("a label starting at x=%d runs past the canvas width %d", attr["x"], width)
			}
		}
	}
	if width == 0 {
		t.Fatal("the SVG declares no width")
	}
}

func TestReplaceBlock(t *testing.T) {
	doc := "# C\n\n<!-- bench:start -->\n(not measured yet)\n<!-- bench:end -->\n\nafter\n"
	got, err := ReplaceBlock(doc, "| a |\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "# C\n\n<!-- bench:start -->\n| a |\n<!-- bench:end -->\n\nafter\n"; got != want {
		t.Errorf("ReplaceBlock = %q, want %q", got, want)
	}
	again, _ := ReplaceBlock(got, "| a |\n")
	if again != got {
		t.Error("ReplaceBlock is not idempotent")
	}
	for _, bad := range []string{"no markers", BlockEnd + "\n" + BlockStart, BlockStart + BlockStart + BlockEnd} {
		if _, err := ReplaceBlock(bad, "x"); err == nil {
			t.Errorf("ReplaceBlock(%q) returned no error", bad)
		}
	}
}
