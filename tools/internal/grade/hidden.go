package grade

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// HiddenTests returns the hidden test files in dir (absolute paths, sorted)
// and the names of the Test functions they declare, in source order.
func HiddenTests(dir string) (files, names []string, err error) {
	files, err = filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, fmt.Errorf("hidden tests: %w", err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && isTest(fn) {
				names = append(names, fn.Name.Name)
			}
		}
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("hidden tests: no Test functions in %s", dir)
	}
	return files, names, nil
}

// isTest reports whether fn is a top-level test: TestXxx(t *testing.T).
func isTest(fn *ast.FuncDecl) bool {
	name := fn.Name.Name
	if fn.Recv != nil || !strings.HasPrefix(name, "Test") || name == "TestMain" {
		return false
	}
	params := fn.Type.Params.List
	return len(params) == 1 && len(params[0].Names) <= 1
}

// hiddenName is the name a hidden test file takes inside the package under
// test: zz_ sorts it after the package's own files, and the name says what
// it is if it ever shows up in a compiler error.
func hiddenName(file string) string { return "zz_" + filepath.Base(file) }

// writeOverlay writes go's -overlay file into tmp and returns its path. It
// lays every hidden file into pkgDir and applies replace (file to replace ->
// file whose content takes its place), all as absolute paths.
func writeOverlay(tmp, pkgDir string, hidden []string, replace map[string]string) (string, error) {
	overlay := struct{ Replace map[string]string }{Replace: map[string]string{}}
	for _, file := range hidden {
		overlay.Replace[filepath.Join(pkgDir, hiddenName(file))] = file
	}
	for dst, src := range replace {
		overlay.Replace[dst] = src
	}
	data, err := json.MarshalIndent(overlay, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(tmp, "overlay.json")
	return path, os.WriteFile(path, data, 0o644)
}
