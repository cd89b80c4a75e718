package docs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FindRoot returns the repository root: dir itself or the nearest parent
// directory that contains a go.work file.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if info, err := os.Stat(filepath.Join(d, "go.work")); err == nil && info.Mode().IsRegular() {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.work in %s or any parent directory: run inside the course repository or pass -root", dir)
		}
	}
}

// MarkdownFiles returns every .md file under root, as sorted slash-separated
// paths relative to root. It skips directories that never hold course pages:
// .git and other dot-directories, testdata and node_modules.
func MarkdownFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && isSkippedDir(d.Name()) {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() || filepath.Ext(p) != ".md" {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing Markdown files: %w", err)
	}
	slices.Sort(files)
	return files, nil
}

func isSkippedDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules"
}

// RelToRoot turns a path given on the command line, absolute or relative to
// the working directory, into the slash-separated path relative to root that
// [Check] and [Update] expect.
func RelToRoot(root, p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s: not inside the repository root %s", p, root)
	}
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}
