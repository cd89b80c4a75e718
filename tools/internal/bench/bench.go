// Package bench reads go test's benchmark output for the lessons' engines
// and turns it into the course's progression table and chart.
package bench

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A Result is one benchmark line: a name, an iteration count and its
// measurements by unit ("ns/op", "MB/s", "peak-MiB", ...).
type Result struct {
	Pkg     string // the "pkg:" line before it
	Name    string // without the -GOMAXPROCS suffix: "BenchmarkPack/lesson=03"
	N       int
	Metrics map[string]float64
	Units   []string // the units in the order the line gives them
}

// Machine is what go test says about where it ran.
type Machine struct {
	GOOS, GOARCH, CPU string
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads benchmark output, skipping every line that is not a result.
func Parse(r io.Reader) ([]Result, Machine, error) {
	var (
		results []Result
		m       Machine
		pkg     string
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, ": "); ok {
			switch k {
			case "pkg":
				pkg = v
				continue
			case "goos":
				m.GOOS = v
				continue
			case "goarch":
				m.GOARCH = v
				continue
			case "cpu":
				m.CPU = strings.TrimSpace(v)
				continue
			}
		}
		if res, ok := parseLine(line); ok {
			res.Pkg = pkg
			results = append(results, res)
		}
	}
	return results, m, sc.Err()
}

// parseLine parses "BenchmarkX/y-2  10  123 ns/op  45.6 MB/s ...".
func parseLine(line string) (Result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return Result{}, false
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		return Result{}, false
	}
	res := Result{Name: procsSuffix.ReplaceAllString(f[0], ""), N: n, Metrics: map[string]float64{}}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return Result{}, false
		}
		res.Metrics[f[i+1]] = v
		res.Units = append(res.Units, f[i+1])
	}
	return res, true
}

// A Row is one engine's line in the progression table.
type Row struct {
	Lesson  string // "03", or "final"
	Title   string
	Metrics map[string]float64 // by column unit, after merging synonyms
}

// synonyms maps the names lessons give the same figure to one column.
var synonyms = map[string]string{
	"peak-goroutines": "goroutines",
	"peak-in-flight":  "in-flight",
}

var lessonSub = regexp.MustCompile(`^BenchmarkPack/lesson=(\d+)$`)

// Rows picks one result per engine, in lesson order with final last: for
// lesson NN, "BenchmarkPack/lesson=NN", preferably from lesson NN's own
// package (the later lesson's run of it is a side-by-side copy); for the
// final engine, its "engine=final" result at the default level 6. titles
// maps lesson numbers (and "final") to the titles to show.
func Rows(results []Result, titles map[string]string) []Row {
	chosen := map[string]Result{}
	own := map[string]bool{}
	var order []string
	for _, r := range results {
		key := ""
		if m := lessonSub.FindStringSubmatch(r.Name); m != nil {
			key = m[1]
		} else if r.Name == "BenchmarkPack/engine=final/level=6" {
			key = "final"
		}
		if key == "" {
			continue
		}
		isOwn := key == "final" || strings.Contains(r.Pkg, "/"+key+"-")
		if _, seen := chosen[key]; !seen {
			order = append(order, key)
		} else if own[key] || !isOwn {
			continue
		}
		chosen[key], own[key] = r, isOwn
	}
	sortLessons(order)
	var rows []Row
	for _, key := range order {
		r := chosen[key]
		row := Row{Lesson: key, Title: titles[key], Metrics: map[string]float64{}}
		for unit, v := range r.Metrics {
			if s, ok := synonyms[unit]; ok {
				unit = s
			}
			row.Metrics[unit] = v
		}
		rows = append(rows, row)
	}
	return rows
}

// sortLessons sorts lesson numbers numerically, with "final" last.
func sortLessons(keys []string) {
	rank := func(k string) int {
		if k == "final" {
			return math.MaxInt
		}
		n, _ := strconv.Atoi(k)
		return n
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
}

// A column of the table: the unit it shows and its heading.
type column struct {
	unit, heading string
}

// fixedColumns come first, in this order, when any row has them; every
// other unit follows in order of first appearance. ns/op is left out:
// MB/s says the same, per byte.
var fixedColumns = []column{
	{"MB/s", "MB/s"},
	{"peak-MiB", "peak MiB"},
	{"goroutines", "goroutines"},
	{"in-flight", "chunks in flight"},
	{"buffered-MiB", "peak buffered MiB"},
}

// skipped units stay out of the table. Mutex wait is left out because at
// these chunk sizes it is noise from the runtime's own locks (lesson 01's
// README shows why); the convoy's figure is "turn waits".
var skipped = map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true, "mutex-wait-ms/op": true}

func columns(rows []Row) []column {
	present := map[string]bool{}
	var extra []string
	for _, r := range rows {
		for _, unit := range slices.Sorted(maps.Keys(r.Metrics)) {
			if !present[unit] {
				present[unit] = true
				extra = append(extra, unit)
			}
		}
	}
	var cols []column
	fixed := map[string]bool{}
	for _, c := range fixedColumns {
		fixed[c.unit] = true
		if present[c.unit] {
			cols = append(cols, c)
		}
	}
	for _, unit := range extra {
		if !fixed[unit] && !skipped[unit] {
			cols = append(cols, column{unit, strings.ReplaceAll(unit, "-", " ")})
		}
	}
	return cols
}

// WriteTable writes rows as a Markdown table, one column per figure.
func WriteTable(w io.Writer, rows []Row) {
	cols := columns(rows)
	fmt.Fprint(w, "| lesson |")
	for _, c := range cols {
		fmt.Fprintf(w, " %s |", c.heading)
	}
	fmt.Fprint(w, "\n|---|")
	for range cols {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |", label(r))
		for _, c := range cols {
			if v, ok := r.Metrics[c.unit]; ok {
				fmt.Fprintf(w, " %s |", format(v))
			} else {
				fmt.Fprint(w, " |")
			}
		}
		fmt.Fprintln(w)
	}
}

// label is a row's name: "03 channel pipeline".
func label(r Row) string {
	if r.Title == "" {
		return r.Lesson
	}
	if r.Lesson == "final" {
		return "final"
	}
	return r.Lesson + " " + r.Title
}

// format prints a figure with as many decimals as its size deserves.
func format(v float64) string {
	switch {
	case v == float64(int64(v)):
		return strconv.FormatInt(int64(v), 10)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
