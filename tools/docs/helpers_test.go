package docs_test

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// shapesGo is the Go source most tests quote. Its declarations and regions
// cover every kind of selector.
const shapesGo = `package shapes

import "fmt"

// Sides of common shapes.
const (
	Triangle = 3
	Square   = 4 // the usual
)

// Limit stands alone.
var Limit = 10 // trailing comment kept

// Point is a location.
type Point struct {
	X, Y int // coordinates
}

// Dist returns the Manhattan distance.
func (p *Point) Dist(q Point) int {
	return abs(p.X-q.X) + abs(p.Y-q.Y)
}

// String formats p.
func (p Point) String() string {
	return fmt.Sprintf("(%d,%d)", p.X, p.Y)
}

// Walk visits every point.
func Walk(ps []Point, visit func(Point)) {
	for _, p := range ps {
		// docs:region loop-body
		if p.X < 0 {
			continue // skip the left half
		}

		// docs:region visit
		visit(p)
		// docs:endregion visit
		// docs:endregion loop-body
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Box holds one value.
type Box[T any] struct{ v T }

// Get returns the value.
func (b *Box[T]) Get() T { return b.v }

func init() {}

func init() {}
`

// newRepo makes a repository root in a temporary directory: a go.work and
// the given files, keyed by slash-separated path.
func newRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["go.work"] = "go 1.26\n"
	for name, text := range files {
		newRepoFile(t, root, name, text)
	}
	return root
}

// newRepoFile writes one file under root, making its directories.
func newRepoFile(t *testing.T, root, name, text string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
