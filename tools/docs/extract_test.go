package docs_test

import (
	"strings"
	"testing"

	"packcourse/tools/docs"
)

func TestExtract(t *testing.T) {
	root := newRepo(t, map[string]string{
		"shapes/shapes.go": shapesGo,
		"scripts/run.sh":   "#!/bin/sh\nset -e\n# docs:region build\n  go build ./...\n# docs:endregion build\n",
		"notes.txt":        "plain text\n\n\n",
		"broken/broken.go": "package broken\n\nfunc F( {\n",
		"regions/bad.go": "package bad\n\n// docs:endregion backwards\n// docs:region backwards\n\n" +
			"// docs:region unclosed\n\n// docs:region twice\n// docs:endregion twice\n// docs:region twice\n// docs:endregion twice\n",
	})
	tests := []struct {
		ref      string
		wantCode string
		wantLang string
		wantErr  string // a substring of the error; empty means no error
	}{
		{ref: "notes.txt", wantCode: "plain text\n"},
		{ref: "scripts/run.sh#build", wantCode: "go build ./...\n", wantLang: "sh"},
		{
			ref:      "shapes/shapes.go#Walk",
			wantLang: "go",
			wantCode: `// Walk visits every point.
func Walk(ps []Point, visit func(Point)) {
	for _, p := range ps {
		if p.X < 0 {
			continue // skip the left half
		}

		visit(p)
	}
}
`,
		},
		{
			ref:      "shapes/shapes.go#Point.Dist",
			wantLang: "go",
			wantCode: `// Dist returns the Manhattan distance.
func (p *Point) Dist(q Point) int {
	return abs(p.X-q.X) + abs(p.Y-q.Y)
}
`,
		},
		{
			ref:      "shapes/shapes.go#Point.String",
			wantLang: "go",
			wantCode: `// String formats p.
func (p Point) String() string {
	return fmt.Sprintf("(%d,%d)", p.X, p.Y)
}
`,
		},
		{
			ref:      "shapes/shapes.go#Box.Get",
			wantLang: "go",
			wantCode: "// Get returns the value.\nfunc (b *Box[T]) Get() T { return b.v }\n",
		},
		{
			ref:      "shapes/shapes.go#Square",
			wantLang: "go",
			wantCode: `// Sides of common shapes.
const (
	Triangle = 3
	Square   = 4 // the usual
)
`,
		},
		{
			ref:      "shapes/shapes.go#Limit",
			wantLang: "go",
			wantCode: "// Limit stands alone.\nvar Limit = 10 // trailing comment kept\n",
		},
		{
			ref:      "shapes/shapes.go#Point",
			wantLang: "go",
			wantCode: "// Point is a location.\ntype Point struct {\n\tX, Y int // coordinates\n}\n",
		},
		{
			ref:      "shapes/shapes.go#abs",
			wantLang: "go",
			wantCode: "func abs(n int) int {\n\tif n < 0 {\n\t\treturn -n\n\t}\n\treturn n\n}\n",
		},
		{
			ref:      "shapes/shapes.go#loop-body",
			wantLang: "go",
			wantCode: "if p.X < 0 {\n\tcontinue // skip the left half\n}\n\nvisit(p)\n",
		},
		{ref: "shapes/shapes.go#visit", wantLang: "go", wantCode: "visit(p)\n"},

		{ref: "shapes/missing.go#Walk", wantErr: "source file shapes/missing.go does not exist"},
		{ref: "shapes#Walk", wantErr: "cannot read source file shapes:"},
		{ref: "shapes/shapes.go#Nope", wantErr: `no docs:region or top-level declaration named "Nope" in shapes/shapes.go`},
		{ref: "shapes/shapes.go#Dist", wantErr: `named "Dist"`},
		{ref: "shapes/shapes.go#Point.Nope", wantErr: `named "Point.Nope"`},
		{ref: "shapes/shapes.go#init", wantErr: `"init" names 2 declarations in shapes/shapes.go`},
		{ref: "scripts/run.sh#deploy", wantErr: `no docs:region named "deploy" in scripts/run.sh`},
		{ref: "broken/broken.go#F", wantErr: "broken/broken.go:3:"},
		{ref: "regions/bad.go#backwards", wantErr: "regions/bad.go:3: docs:endregion backwards comes before its docs:region"},
		{ref: "regions/bad.go#unclosed", wantErr: "regions/bad.go:6: docs:region unclosed has no docs:endregion unclosed"},
		{ref: "regions/bad.go#twice", wantErr: "regions/bad.go:10: second docs:region twice"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			ref, err := docs.ParseRef(tt.ref)
			if err != nil {
				t.Fatalf("ParseRef: %v", err)
			}
			got, err := docs.Extract(root, ref)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Extract error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is more than one line", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if got.Code != tt.wantCode {
				t.Errorf("code:\n%s\nwant:\n%s", got.Code, tt.wantCode)
			}
			if got.Lang != tt.wantLang {
				t.Errorf("lang = %q, want %q", got.Lang, tt.wantLang)
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    docs.Ref
		wantErr string
	}{
		{in: "a/b.go#F", want: docs.Ref{Path: "a/b.go", Selector: "F"}},
		{in: " a/b.go ", want: docs.Ref{Path: "a/b.go"}},
		{in: "a/b.go#T.M", want: docs.Ref{Path: "a/b.go", Selector: "T.M"}},
		{in: "", wantErr: "names no source file"},
		{in: "#F", wantErr: "names no source file"},
		{in: "a/b.go#", wantErr: "empty selector"},
		{in: "/etc/passwd", wantErr: "relative to the repository root"},
		{in: "../outside.go", wantErr: "relative to the repository root"},
		{in: "a/../../outside.go", wantErr: "relative to the repository root"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := docs.ParseRef(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRef(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if got.String() != strings.TrimSpace(tt.in) {
				t.Errorf("String() = %q, want %q", got.String(), strings.TrimSpace(tt.in))
			}
		})
	}
}
